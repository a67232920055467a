"""Even shares of the client connections between the workers of ``comptoir serve --workers N``.

The workers accept connections from one listening socket, and a worker that
wakes up to accept takes every connection pending at that moment (its event
loop accepts until none is left). A client that opens its keep-alive pool at
once (a load balancer, a load generator) so lands most or all of it on one
worker: 16 connections were seen split 14 and 2, and 16 and 0, the second
worker idle while the first one's requests queue behind each other.

Each worker counts its open connections in its own slot of a small file the
supervisor creates (:func:`create_shares`), mapped into every worker's
memory; a slot is claimed with a lock the worker holds for its life, so that
a worker that replaces a dead one takes its slot over. The workers share the
listening socket as a :class:`SharedListener`, which counts each connection
as it is accepted and, while its worker holds more than one connection over
the least loaded live worker, answers that nothing is pending: the
connections stay queued for the others, woken by the same readiness. A
worker declines for at most :data:`ACCEPT_DECLINE_MAX_S` in a row (a worker
may take a millisecond or more to wake up on a busy machine, or be stuck),
then accepts anyway. It goes on serving its own connections meanwhile.

A worker that dies leaves its last count in its slot until its replacement
takes the slot over (uvicorn restarts it within a second or so); meanwhile
the others compare themselves with that count.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import mmap
import socket
import time
from collections.abc import Callable, Iterator
from multiprocessing import reduction
from pathlib import Path
from typing import IO, Any, Final

from comptoir.deadlines import ReadDeadlines
from comptoir.metrics import CLIENT_CONNECTIONS

log = logging.getLogger("comptoir.http")

ACCEPT_DECLINE_MAX_S: Final = 0.020
"""The longest a worker over its share leaves pending connections to the others."""

_DECLINE_STEP_S: Final = 0.0002
"""How long a declining worker waits before its loop asks again (it would spin otherwise)."""

_SLOT: Final = 4  # one native int per worker
_COUNTS: Final = "connections"


def create_shares(folder: Path, workers: int) -> None:
    """Make the counts file of ``workers`` workers in ``folder`` (every slot free)."""
    (folder / _COUNTS).write_bytes(bytes(_SLOT * workers))


class NoFreeSlot(Exception):
    """Every slot is held by a live worker."""


class ConnectionShares:
    """This worker's slot among every worker's open connection counts.

    A slot holds its worker's open connections plus one while the worker
    lives, zero when no worker holds it: a free slot is not taken for an idle
    worker.
    """

    def __init__(self, folder: Path) -> None:
        self._file: IO[bytes] = (folder / _COUNTS).open("r+b")
        self._map = mmap.mmap(self._file.fileno(), 0)
        self._counts = memoryview(self._map).cast("i")
        claimed = _claim(folder, len(self._counts))
        if claimed is None:
            self._release_map()
            raise NoFreeSlot(str(folder))
        self._lock, self._slot = claimed
        self._open = 0
        self._counts[self._slot] = 1

    @property
    def slot(self) -> int:
        """The slot this worker holds."""
        return self._slot

    def opened(self) -> None:
        """A client connection was accepted."""
        self._open += 1
        self._counts[self._slot] = self._open + 1

    def closed(self) -> None:
        """A client connection is gone."""
        self._open -= 1
        self._counts[self._slot] = self._open + 1

    def over_share(self) -> bool:
        """Whether this worker holds more than one connection over the least loaded live worker."""
        mine = self._open + 1
        least = min((count for count in self._counts if count), default=mine)
        return mine - least > 1

    def close(self) -> None:
        """Free the slot (the worker stops)."""
        self._counts[self._slot] = 0
        self._release_map()
        self._lock.close()  # releases the lock

    def _release_map(self) -> None:
        self._counts.release()
        self._map.close()
        self._file.close()


def _claim(folder: Path, slots: int) -> tuple[IO[bytes], int] | None:
    """The first slot whose lock is free, locked for as long as the returned file stays open."""
    for slot in range(slots):
        lock = (folder / f"slot-{slot}.lock").open("a+b")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return lock, slot
    return None


_CLAIMED: ConnectionShares | None = None
"""The shares this worker process claimed (:func:`shares_of`), which its listener counts into."""


@contextlib.contextmanager
def shares_of(folder: Path | None) -> Iterator[None]:
    """Hold this worker's slot in ``folder`` while the context lasts; its listener counts into it.

    Nothing is held with one worker (no folder), or when no slot is free (a
    worker being replaced still holds its own): this worker then accepts as
    it comes.
    """
    if folder is None:
        yield
        return
    try:
        shares = ConnectionShares(folder)
    except NoFreeSlot:
        log.warning("no free connection slot in %s: this worker accepts as it comes", folder)
        yield
        return
    global _CLAIMED
    _CLAIMED = shares
    try:
        yield
    finally:
        _CLAIMED = None
        shares.close()


class SharedListener(socket.socket):
    """The listening socket the workers share: it counts what its worker accepts, and
    leaves pending connections to the others while its worker is over its share.

    The event loop calls :meth:`accept` until it says nothing is pending; so a
    worker that woke first stops once it holds more than its share, and the
    others, woken by the same connections, take the rest.
    """

    declining_since: float | None = None
    """When this worker started leaving pending connections to the others."""

    def accept(self) -> tuple[socket.socket, Any]:
        """The next pending connection, counted; ``BlockingIOError`` while over the share."""
        shares = _CLAIMED
        if shares is not None and shares.over_share():
            now = time.monotonic()
            since = self.declining_since
            if since is None:
                self.declining_since = since = now
            if now - since < ACCEPT_DECLINE_MAX_S:
                # The socket stays readable, so the loop asks again at once: a short
                # wait leaves the core to the workers this one waits for.
                time.sleep(_DECLINE_STEP_S)
                raise BlockingIOError(errno.EAGAIN, "over this worker's share: left to the others")
        self.declining_since = None
        connection, address = super().accept()
        if shares is not None:
            shares.opened()
        return connection, address


def shared_listener(sock: socket.socket) -> SharedListener:
    """``sock`` (a bound, listening socket) as a :class:`SharedListener`; ``sock`` is detached."""
    return SharedListener(sock.family, sock.type, sock.proto, fileno=sock.detach())


def _rebuilt_listener(duplicate: Any, family: int, kind: int, proto: int) -> SharedListener:
    return SharedListener(family, kind, proto, fileno=duplicate.detach())


def _reduced_listener(
    listener: SharedListener,
) -> tuple[Callable[..., SharedListener], tuple[Any, ...]]:
    # As multiprocessing passes a plain socket to a worker it starts, keeping the class.
    duplicate = reduction.DupFd(listener.fileno())
    return _rebuilt_listener, (duplicate, listener.family, listener.type, listener.proto)


reduction.ForkingPickler.register(SharedListener, _reduced_listener)


class BalancedConnections(ReadDeadlines):
    """uvicorn's protocol with read deadlines, counting the worker's connections.

    The worker's :class:`SharedListener` counted the connection when it
    accepted it; it is no longer counted once gone.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shares: ConnectionShares | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A new connection, counted."""
        super().connection_made(transport)
        CLIENT_CONNECTIONS.inc()
        self._shares = _CLAIMED

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: no longer counted."""
        CLIENT_CONNECTIONS.dec()
        if self._shares is not None:
            self._shares.closed()
            self._shares = None
        super().connection_lost(exc)
