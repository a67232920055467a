"""The one interface every cache backend implements.

A backend is a dumb, fast key-value store of :class:`CacheEntry` values; the
freshness rules live in :mod:`comptoir.cache.policy` and the key scheme in
:mod:`comptoir.cache.keys`. A backend never raises for an outage: a backend
that cannot reach its store answers misses, drops writes and reports
``status() == "down"``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Literal, Protocol

from comptoir.cache.entry import CacheEntry

CacheStatus = Literal["up", "down"]

Tags = Mapping[str, str | Collection[str]]
"""An entry's key → the key (or keys) it is tagged with; invalidating a tag drops the entry."""


def tags_of(tags: Tags | None, key: str) -> tuple[str, ...]:
    """The tags of ``key`` in ``tags``, as a tuple (a lone string is one tag)."""
    if not tags:
        return ()
    found = tags.get(key)
    if found is None:
        return ()
    return (found,) if isinstance(found, str) else tuple(found)


class CacheBackend(Protocol):
    """Storage for cache entries, shared by every request of a process (Redis: of every process)."""

    @property
    def name(self) -> Literal["memory", "redis"]:
        """The backend's kind, as reported by ``/readyz``."""
        ...

    def status(self) -> CacheStatus:
        """``"up"`` when the last operations reached the store, ``"down"`` otherwise."""
        ...

    async def start(self) -> None:
        """Start what runs in the background (listening for other processes' invalidations)."""
        ...

    def get(self, key: str) -> CacheEntry | None:
        """The entry of ``key`` if this process holds it, without awaiting; else ``None``."""
        ...

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """The entries of ``keys``, in order; ``None`` for a miss (or an outage). One round trip."""
        ...

    async def set_many(
        self,
        entries: Mapping[str, CacheEntry],
        ttl_s: float,
        tags: Tags | None = None,
    ) -> None:
        """Store ``entries`` for ``ttl_s`` seconds, in one pipelined round trip.

        ``tags`` maps an entry's key to the keys it depends on (a customer's
        order-list pages belong to that customer's key; a cached answer to
        every entry it read), so that :meth:`invalidate` of any of them also
        drops it.
        """
        ...

    async def invalidate(self, keys: Sequence[str]) -> int:
        """Delete ``keys`` and every entry tagged with one of them; how many entries went."""
        ...

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """Take a short lock (``SET NX PX`` on Redis) so that one process revalidates."""
        ...

    async def release_lock(self, name: str) -> None:
        """Release a lock taken with :meth:`try_lock` (it also expires by itself)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
