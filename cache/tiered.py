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

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Final, Literal

from comptoir.cache.backend import CacheStatus, Tags
from comptoir.cache.bus import InvalidationBus
from comptoir.cache.entry import CacheEntry
from comptoir.cache.inflight import InFlight
from comptoir.cache.memory import MemoryCache
from comptoir.cache.redis_store import RedisStore
from comptoir.cache.writebehind import WriteBehind

from comptoir.metrics import CACHE_TIER

RENEW_SHARE: Final = 0.25
"""The last share of an in-process entry's time in which reading it renews it from Redis."""

_LOCAL = CACHE_TIER.labels("local")
_REMOTE = CACHE_TIER.labels("remote")
_MISS = CACHE_TIER.labels("miss")
_RENEWED = CACHE_TIER.labels("renewed")

log = logging.getLogger("comptoir.cache")


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
        self._renew_within_s = local_ttl_s * RENEW_SHARE
        self._fetching: InFlight[CacheEntry] = InFlight()
        self._renewals: set[asyncio.Task[None]] = set()
        self._drops = 0
        """How many drops this tier has seen: a read from Redis that saw one keeps nothing."""

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
        await self.bus.start(self._dropped_elsewhere, self._cleared)

    def get(self, key: str) -> CacheEntry | None:
        """The in-process entry of ``key``, without awaiting (renewed behind when due)."""
        if self.local_ttl_s <= 0:
            return None
        found, due = self.local.lookup((key,), self._renew_within_s)
        if due:
            self._renew(due)
        return found[0]

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """In-process entries first; the others from Redis in one ``MGET``, kept in-process.

        An in-process entry in the last part of its time (:data:`RENEW_SHARE`)
        is served and read again from Redis in the background, so that a page
        read all the time never waits for its entries to come back from Redis.
        """
        if self.local_ttl_s <= 0:
            return await self.remote.get_many(keys)
        found, due = self.local.lookup(keys, self._renew_within_s)
        if due:
            self._renew(due)
        missing = [key for key, entry in zip(keys, found, strict=True) if entry is None]
        if len(missing) < len(keys):
            _LOCAL.inc(len(keys) - len(missing))
        if not missing:
            return found
        fetched = await self._fetch(missing)
        if fetched:
            _REMOTE.inc(len(fetched))
        if len(fetched) < len(missing):
            _MISS.inc(len(missing) - len(fetched))
        return [
            entry if entry is not None else fetched.get(key)
            for key, entry in zip(keys, found, strict=True)
        ]

    async def _fetch(self, keys: Sequence[str]) -> dict[str, CacheEntry]:
        """Redis's entries of ``keys``: each key asked once, however many requests want it at once."""
        mine, theirs = self._fetching.split(keys)
        fetched: dict[str, CacheEntry] = {}
        if mine:
            fetched.update(await self._read(mine, self._fetching.claim(mine)))
        for batch in theirs:
            # shielded: a request given up does not cancel the others' wait
            fetched.update(await asyncio.shield(batch))
        return fetched

    async def _read(
        self, keys: list[str], batch: asyncio.Future[Mapping[str, CacheEntry]]
    ) -> dict[str, CacheEntry]:
        """Read ``keys`` from Redis for ``batch``; kept in-process unless a drop came meanwhile.

        A key Redis does not hold keeps its in-process entry, if any, until it
        expires: Redis may be down, or the entry's write not yet landed. A
        renewed entry keeps the tags it had in-process (Redis's own tag sets
        resolve the rest when Redis answers).
        """
        drops = self._drops
        found: dict[str, CacheEntry] = {}
        try:
            entries = await self.remote.get_many(keys)
            found = {key: entry for key, entry in zip(keys, entries, strict=True) if entry}
            if found and drops == self._drops:
                await self.local.renew(found, self.local_ttl_s)
        finally:
            self._fetching.settle(keys, batch, found)
        return found

    def _renew(self, keys: list[str]) -> None:
        """Read ``keys`` again from Redis in the background (those not already being read)."""
        keys = [key for key in keys if key not in self._fetching]
        if not keys:
            return
        batch = self._fetching.claim(keys)
        task = asyncio.get_running_loop().create_task(self._renewed(keys, batch))
        self._renewals.add(task)
        task.add_done_callback(self._renewals.discard)

    async def _renewed(
        self, keys: list[str], batch: asyncio.Future[Mapping[str, CacheEntry]]
    ) -> None:
        try:
            renewed = await self._read(keys, batch)
        except Exception:  # the entries expire in-process as they would have
            log.warning(
                "renewing %d in-process entries from Redis failed", len(keys), exc_info=True
            )
            return
        if renewed:
            _RENEWED.inc(len(renewed))

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
        dropped_here = self._drop_local([*keys, *(deleted or ())])
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
        for task in list(self._renewals):
            task.cancel()
        await self.writes.close()
        await self.bus.close()
        await self.remote.close()
        await self.local.close()

    def _dropped_elsewhere(self, keys: list[str]) -> None:
        dropped = self._drop_local(keys)
        self.writes.forget([*keys, *dropped])

    def _drop_local(self, keys: list[str]) -> list[str]:
        """Drop ``keys`` (and what they tag) in-process; reads from Redis under way keep nothing."""
        self._drops += 1
        self._fetching.forget(keys)
        return self.local.drop(keys)

    def _cleared(self) -> None:
        """Drop every in-process entry (the bus may have missed invalidations)."""
        self._drops += 1
        self._fetching.clear()
        self.local.clear()
