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
a worker that replaces a dead one takes its slot over. A worker that accepts
a connection while it holds more than one connection over the least loaded
live worker pauses before accepting the next, until the others, woken by the
same pending connections, have taken enough of them to even the shares (or
:data:`ACCEPT_PAUSE_MAX_S` has passed: a worker takes a millisecond or more
to wake up and accept on a busy machine). libuv had a similar switch for the
processes of a Node.js cluster sharing a socket (a pause after every
accept); here a worker pauses only while it is over its share.

A worker that dies leaves its last count in its slot until its replacement
takes the slot over (uvicorn restarts it within a second or so); meanwhile
the others compare themselves with that count.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import mmap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

from comptoir.deadlines import ReadDeadlines
from comptoir.metrics import CLIENT_CONNECTIONS

log = logging.getLogger("comptoir.http")

CONNECTION_SHARES: Final = "comptoir.connection_shares"
"""The lifespan state's key of this worker's :class:`ConnectionShares`."""

ACCEPT_PAUSE_MAX_S: Final = 0.005
"""The longest a worker over its share pauses after accepting, for the others to accept."""

_PAUSE_STEP_S: Final = 0.0002

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


@contextlib.contextmanager
def shares_of(folder: Path | None) -> Iterator[ConnectionShares | None]:
    """This worker's :class:`ConnectionShares` in ``folder``; ``None`` when there is nothing to share.

    Nothing to share: one worker (no folder), or no free slot (a worker being
    replaced still holds its own), in which case this worker accepts as it
    comes.
    """
    if folder is None:
        yield None
        return
    try:
        shares = ConnectionShares(folder)
    except NoFreeSlot:
        log.warning("no free connection slot in %s: this worker accepts as it comes", folder)
        yield None
        return
    try:
        yield shares
    finally:
        shares.close()


class BalancedConnections(ReadDeadlines):
    """uvicorn's protocol with read deadlines, counting the worker's connections.

    Accepting a connection while over its share, the worker pauses until it
    no longer is, for at most :data:`ACCEPT_PAUSE_MAX_S` (its event loop
    accepts the next pending connection right after this one otherwise).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shares: ConnectionShares | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A new connection: counted, and while over its share, the others get to accept."""
        super().connection_made(transport)
        CLIENT_CONNECTIONS.inc()
        shares = self.app_state.get(CONNECTION_SHARES)
        if isinstance(shares, ConnectionShares):
            self._shares = shares
            shares.opened()
            if shares.over_share():
                # Blocks on purpose: the accept loop is this call's caller.
                deadline = time.monotonic() + ACCEPT_PAUSE_MAX_S
                while shares.over_share() and time.monotonic() < deadline:
                    time.sleep(_PAUSE_STEP_S)

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: no longer counted."""
        CLIENT_CONNECTIONS.dec()
        if self._shares is not None:
            self._shares.closed()
            self._shares = None
        super().connection_lost(exc)
