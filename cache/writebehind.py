"""Writes to the shared store that no answer waits for: queued, bounded, flushed later."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from comptoir.cache.backend import Tags
from comptoir.cache.entry import CacheEntry

from comptoir.metrics import CACHE_WRITES

log = logging.getLogger(__name__)

FLUSH_TIMEOUT_S: Final = 2.0
"""How long closing waits for the writes still queued."""


class Store(Protocol):
    """Where queued writes go (the Redis backend)."""

    async def set_many(
        self, entries: Mapping[str, CacheEntry], ttl_s: float, tags: Tags | None = None
    ) -> None:
        """Store entries; never raises for an outage."""
        ...


@dataclass(slots=True)
class _Write:
    entries: dict[str, CacheEntry]
    ttl_s: float
    tags: Tags | None


class WriteBehind:
    """A bounded queue of writes, flushed by one background task.

    At most ``max_pending`` entries wait; a write that would pass the bound is
    dropped (and counted): the value was already served, and the next miss
    fetches it again. Queued writes of keys that are invalidated meanwhile
    are forgotten, so that an old value is not written after its
    invalidation.
    """

    def __init__(self, store: Store, max_pending: int = 20_000) -> None:
        self._store = store
        self._max_pending = max_pending
        self._queue: deque[_Write] = deque()
        self._pending = 0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def start(self) -> None:
        """Start flushing."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def enqueue(self, entries: Mapping[str, CacheEntry], ttl_s: float, tags: Tags | None) -> None:
        """Queue a write; drop it when the queue is full."""
        if not entries or ttl_s <= 0:
            return
        if self._pending + len(entries) > self._max_pending:
            self.dropped += len(entries)
            CACHE_WRITES.labels("dropped").inc(len(entries))
            if self.dropped == len(entries):
                log.warning(
                    "cache write-behind queue full (%d entries): writes dropped", self._pending
                )
            return
        self._queue.append(_Write(dict(entries), ttl_s, tags))
        self._pending += len(entries)
        self._idle.clear()
        self._wake.set()
        if self._task is None:
            self.start()

    def forget(self, keys: Sequence[str]) -> None:
        """Drop the queued writes of ``keys``."""
        if not self._queue or not keys:
            return
        gone = set(keys)
        for write in self._queue:
            for key in gone.intersection(write.entries):
                del write.entries[key]
                self._pending -= 1

    async def flushed(self, timeout_s: float = FLUSH_TIMEOUT_S) -> bool:
        """Wait until every queued write went out; whether it did within ``timeout_s``."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Flush what is queued (bounded), then stop."""
        if self._task is None:
            return
        await self.flushed()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                write = self._queue.popleft()
                self._pending -= len(write.entries)
                if not write.entries:
                    continue
                try:
                    await self._store.set_many(write.entries, write.ttl_s, write.tags)
                    CACHE_WRITES.labels("written").inc(len(write.entries))
                except Exception:  # the store never raises for an outage; a bug is logged
                    CACHE_WRITES.labels("failed").inc(len(write.entries))
                    log.exception("cache write-behind failed")
            if not self._queue:
                self._idle.set()
