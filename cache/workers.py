"""The in-process cache of one worker among several on one machine, without Redis.

Each worker of ``comptoir serve --workers N`` keeps its own entries; what
one worker invalidates (a change event reaches only one of them) is sent to
the others on a :class:`~comptoir.cache.bus.LocalBus`, which drop the same
keys and what they tagged with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from comptoir.cache.backend import CacheStatus, Tags
from comptoir.cache.bus import InvalidationBus
from comptoir.cache.entry import CacheEntry
from comptoir.cache.memory import MemoryCache


class WorkerCache:
    """A cache backend: a :class:`MemoryCache` whose invalidations reach the other workers."""

    def __init__(self, local: MemoryCache, bus: InvalidationBus) -> None:
        self.local = local
        self.bus = bus

    @property
    def name(self) -> Literal["memory"]:
        """``"memory"``."""
        return "memory"

    def status(self) -> CacheStatus:
        """Always ``"up"``."""
        return "up"

    async def start(self) -> None:
        """Listen for the other workers' invalidations."""
        await self.bus.start(self.local.drop, lambda: None)

    def get(self, key: str) -> CacheEntry | None:
        """The entry of ``key``, without awaiting."""
        return self.local.get(key)

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """This worker's entries."""
        return await self.local.get_many(keys)

    async def set_many(
        self, entries: Mapping[str, CacheEntry], ttl_s: float, tags: Tags | None = None
    ) -> None:
        """Store in this worker."""
        await self.local.set_many(entries, ttl_s, tags)

    async def invalidate(self, keys: Sequence[str]) -> int:
        """Drop here, and tell the other workers to drop the same keys."""
        dropped = len(self.local.drop(keys))
        await self.bus.publish(list(keys))
        return dropped

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """A lock of this worker."""
        return await self.local.try_lock(name, ttl_s)

    async def release_lock(self, name: str) -> None:
        """Release a lock of this worker."""
        await self.local.release_lock(name)

    async def close(self) -> None:
        """Stop listening; drop every entry."""
        await self.bus.close()
        await self.local.close()
