"""Two tiers: a bounded in-process cache in front of Redis.

A warm page reads hundreds of entries; from Redis each is a round trip's
share and a decode. The in-process tier answers them as objects already
decoded, and keeps each one at most ``local_ttl_s`` seconds before asking
Redis again, so that an invalidation this process did not hear of (a lost
pub/sub message) is honoured within that bound. Invalidations are
published on the bus: every process drops the same keys, and what it
tagged with them, from its own tier.

Writes go to the in-process tier at once and to Redis behind the answer
(:class:`~comptoir.cache.writebehind.WriteBehind`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from comptoir.cache.backend import CacheStatus, Tags
from comptoir.cache.bus import InvalidationBus
from comptoir.cache.entry import CacheEntry
from comptoir.cache.memory import MemoryCache
from comptoir.cache.redis_store import RedisStore
from comptoir.cache.writebehind import WriteBehind

from comptoir.metrics import CACHE_TIER


class TieredCache:
    """A :class:`~comptoir.cache.backend.CacheBackend`: in-process entries over Redis's."""

    def __init__(
        self,
        remote: RedisStore,
        local: MemoryCache,
        bus: InvalidationBus,
        *,
        local_ttl_s: float,
        write_queue: int = 20_000,
    ) -> None:
        self.remote = remote
        self.local = local
        self.bus = bus
        self.local_ttl_s = local_ttl_s
        self.writes = WriteBehind(remote, write_queue)

    @property
    def name(self) -> Literal["redis"]:
        """``"redis"``: the shared store is what ``/readyz`` reports."""
        return "redis"

    def status(self) -> CacheStatus:
        """Redis's status."""
        return self.remote.status()

    async def start(self) -> None:
        """Reach Redis, listen for other processes' invalidations, start the write-behind."""
        await self.remote.start()
        self.writes.start()
        await self.bus.start(self._dropped_elsewhere, self.local.clear)

    def get(self, key: str) -> CacheEntry | None:
        """The in-process entry of ``key``, without awaiting."""
        return self.local.get(key) if self.local_ttl_s > 0 else None

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """In-process entries first; the others from Redis in one ``MGET``, kept in-process."""
        if self.local_ttl_s <= 0:
            return await self.remote.get_many(keys)
        local = self.local.get
        found = [local(key) for key in keys]
        missing = [key for key, entry in zip(keys, found, strict=True) if entry is None]
        if len(missing) < len(keys):
            CACHE_TIER.labels("local").inc(len(keys) - len(missing))
        if not missing:
            return found
        remote = await self.remote.get_many(missing)
        fetched = {key: entry for key, entry in zip(missing, remote, strict=True) if entry}
        if fetched:
            CACHE_TIER.labels("remote").inc(len(fetched))
            await self.local.set_many(fetched, self.local_ttl_s)
        if len(fetched) < len(missing):
            CACHE_TIER.labels("miss").inc(len(missing) - len(fetched))
        return [
            entry if entry is not None else fetched.get(key)
            for key, entry in zip(keys, found, strict=True)
        ]

    async def set_many(
        self, entries: Mapping[str, CacheEntry], ttl_s: float, tags: Tags | None = None
    ) -> None:
        """Keep ``entries`` in-process now; write them to Redis after the answer."""
        if not entries or ttl_s <= 0:
            return
        if self.local_ttl_s > 0:
            await self.local.set_many(entries, min(ttl_s, self.local_ttl_s), tags)
        self.writes.enqueue(entries, ttl_s, tags)

    async def invalidate(self, keys: Sequence[str]) -> int:
        """Drop ``keys`` and their tagged entries everywhere: Redis, this process, the others."""
        if not keys:
            return 0
        self.writes.forget(keys)
        deleted = await self.remote.drop(keys)
        dropped_here = self.local.drop([*keys, *(deleted or ())])
        self.writes.forget(dropped_here)
        await self.bus.publish([*keys, *(deleted or ())])
        return len(deleted) if deleted is not None else len(dropped_here)

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """Redis's lock (this process's while Redis is down)."""
        return await self.remote.try_lock(name, ttl_s)

    async def release_lock(self, name: str) -> None:
        """Release a lock taken with :meth:`try_lock`."""
        await self.remote.release_lock(name)

    async def close(self) -> None:
        """Flush queued writes (bounded), stop listening, close Redis."""
        await self.writes.close()
        await self.bus.close()
        await self.remote.close()
        await self.local.close()

    def _dropped_elsewhere(self, keys: list[str]) -> None:
        dropped = self.local.drop(keys)
        self.writes.forget([*keys, *dropped])
