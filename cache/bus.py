"""Invalidations between processes: what one process drops, every other drops from its own tier.

A process that invalidates keys publishes them; every other process sharing
the cache drops them (and what it tagged with them) from its in-process
tier. Messages can be lost (a restarted Redis, a worker that was not yet
listening): the in-process tier never keeps an entry longer than a short
bound, and a subscriber that reconnects drops its whole tier, so a lost
message costs at most that bound.

Three buses: Redis pub/sub (:mod:`comptoir.cache.redis_bus`), Unix datagram
sockets between the workers of one ``comptoir serve --workers N`` without
Redis (:class:`LocalBus`), and none for a single process (:class:`NoBus`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import orjson

log = logging.getLogger(__name__)

OnKeys = Callable[[list[str]], object]
"""Called with the keys another process invalidated (what it returns is ignored)."""

OnGap = Callable[[], None]
"""Called when messages may have been missed (the subscription was lost and is back)."""

MAX_DATAGRAM_KEYS: Final = 500
"""Keys per datagram, so that one message stays well under the socket's buffer."""

MAX_DATAGRAM_BYTES: Final = 256 * 1024
"""The largest datagram read (500 keys of comptoir's are far below it)."""

ACK_TIMEOUT_S: Final = 0.25
"""How long publishing waits for every other process to say it dropped the keys.

A change event is answered once every live process has dropped what it
names, so that the very next answer anywhere reflects it; a process that
does not answer in time (busy, dying) still drops within the tier's bound.
"""


class InvalidationBus(Protocol):
    """Publishes the keys this process invalidated; hands over the keys others did."""

    name: str

    async def start(self, on_keys: OnKeys, on_gap: OnGap) -> None:
        """Start listening for other processes' invalidations."""
        ...

    async def publish(self, keys: Sequence[str]) -> None:
        """Tell every other process to drop ``keys``, waiting (bounded) until they did."""
        ...

    async def close(self) -> None:
        """Stop listening and release connections."""
        ...


@dataclass(frozen=True, slots=True)
class Message:
    """Keys to drop, from ``sender``; ``reply_to`` acknowledges message ``message_id``."""

    sender: str
    message_id: str
    keys: list[str]
    reply_to: str = ""


def encode_message(message: Message) -> bytes:
    """A message as sent on the wire."""
    return orjson.dumps(
        {"s": message.sender, "i": message.message_id, "k": message.keys, "r": message.reply_to}
    )


def decode_message(raw: bytes | str) -> Message | None:
    """The message in ``raw``, or ``None`` for anything else."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict):
        return None
    sender, message_id, keys, reply_to = doc.get("s"), doc.get("i"), doc.get("k"), doc.get("r")
    if not isinstance(sender, str) or not isinstance(message_id, str):
        return None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return None
    return Message(sender, message_id, keys, reply_to if isinstance(reply_to, str) else "")


class Acknowledgements:
    """Messages this process sent and waits to hear acknowledged by a number of peers."""

    def __init__(self) -> None:
        self._waiting: dict[str, tuple[int, asyncio.Event]] = {}

    def expect(self, message_id: str, count: int) -> asyncio.Event:
        """Start waiting for ``count`` acknowledgements of ``message_id``."""
        event = asyncio.Event()
        if count <= 0:
            event.set()
        else:
            self._waiting[message_id] = (count, event)
        return event

    def heard(self, message_id: str) -> None:
        """One peer acknowledged ``message_id``."""
        waiting = self._waiting.get(message_id)
        if waiting is None:
            return
        count, event = waiting
        if count <= 1:
            del self._waiting[message_id]
            event.set()
        else:
            self._waiting[message_id] = (count - 1, event)

    async def wait(self, message_id: str, event: asyncio.Event, timeout_s: float) -> bool:
        """Whether every expected peer acknowledged within ``timeout_s``."""
        try:
            await asyncio.wait_for(event.wait(), timeout_s)
            return True
        except TimeoutError:
            log.warning("invalidation %s not acknowledged by every process in time", message_id)
            return False
        finally:
            self._waiting.pop(message_id, None)


def new_sender_id() -> str:
    """A random id for one process's messages."""
    return uuid.uuid4().hex


class NoBus:
    """One process: nobody else to tell."""

    name = "none"

    async def start(self, on_keys: OnKeys, on_gap: OnGap) -> None:
        """Nothing to listen to."""

    async def publish(self, keys: Sequence[str]) -> None:
        """Nothing to tell."""

    async def close(self) -> None:
        """Nothing to release."""


class LocalBus:
    """The workers of one machine, each bound to a Unix datagram socket in ``directory``.

    Publishing sends one datagram to every other socket of the directory and
    waits for each to acknowledge; a socket nobody listens on any more (a
    worker that died) is removed.
    """

    name = "local"

    def __init__(self, directory: Path, *, ack_timeout_s: float = ACK_TIMEOUT_S) -> None:
        self.directory = directory
        self.sender = new_sender_id()
        self.path = directory / f"{os.getpid()}-{self.sender[:8]}.sock"
        self.acks = Acknowledgements()
        self._ack_timeout_s = ack_timeout_s
        self._socket: socket.socket | None = None
        self._on_keys: OnKeys = lambda keys: None

    async def start(self, on_keys: OnKeys, on_gap: OnGap) -> None:
        """Bind this process's socket and read it from the event loop."""
        self.directory.mkdir(parents=True, exist_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        sock.bind(str(self.path))
        self._socket = sock
        self._on_keys = on_keys
        asyncio.get_running_loop().add_reader(sock.fileno(), self._read)

    def _read(self) -> None:
        sock = self._socket
        if sock is None:
            return
        while True:
            try:
                data = sock.recv(MAX_DATAGRAM_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("invalidation socket: %s", exc)
                return
            self._received(data)

    def _received(self, data: bytes) -> None:
        if data.startswith(b"ack:"):
            self.acks.heard(data[4:].decode("ascii", "replace"))
            return
        message = decode_message(data)
        if message is None or message.sender == self.sender:
            return
        try:
            self._on_keys(message.keys)
        except Exception:  # a listener's bug must not stop the reading
            log.exception("dropping invalidated keys from the in-process cache failed")
        if message.reply_to:
            self.send(b"ack:" + message.message_id.encode(), Path(message.reply_to))

    def send(self, datagram: bytes, peer: Path) -> bool:
        """Send one datagram to ``peer``; whether it went (a dead peer's socket is removed)."""
        if self._socket is None:
            return False
        try:
            self._socket.sendto(datagram, str(peer))
        except (ConnectionRefusedError, FileNotFoundError):
            with contextlib.suppress(OSError):
                peer.unlink()  # its worker is gone
            return False
        except OSError as exc:  # a full buffer: that worker's tier expires by itself
            log.warning("invalidation not sent to %s: %s", peer.name, exc)
            return False
        return True

    async def publish(self, keys: Sequence[str]) -> None:
        """Send ``keys`` to every other worker's socket; wait for their acknowledgements."""
        if self._socket is None or not keys:
            return
        peers = [peer for peer in self.directory.glob("*.sock") if peer != self.path]
        for start in range(0, len(keys), MAX_DATAGRAM_KEYS):
            message = Message(
                self.sender,
                uuid.uuid4().hex,
                list(keys[start : start + MAX_DATAGRAM_KEYS]),
                str(self.path),
            )
            datagram = encode_message(message)
            sent = sum(self.send(datagram, peer) for peer in peers)
            event = self.acks.expect(message.message_id, sent)
            await self.acks.wait(message.message_id, event, self._ack_timeout_s)

    async def close(self) -> None:
        """Close and remove this process's socket."""
        if self._socket is not None:
            with contextlib.suppress(RuntimeError, ValueError):
                asyncio.get_running_loop().remove_reader(self._socket.fileno())
            self._socket.close()
            self._socket = None
        with contextlib.suppress(OSError):
            self.path.unlink()
