"""The one interface every cache backend implements.

A backend is a dumb, fast key-value store of :class:`CacheEntry` values; the
freshness rules live in :mod:`comptoir.cache.policy` and the key scheme in
:mod:`comptoir.cache.keys`. A backend never raises for an outage: a backend
that cannot reach its store answers misses, drops writes and reports
``status() == "down"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from comptoir.cache.entry import CacheEntry

CacheStatus = Literal["up", "down"]


class CacheBackend(Protocol):
    """Storage for cache entries, shared by every request of a process (and, for Redis, of every process)."""

    @property
    def name(self) -> Literal["memory", "redis"]:
        """The backend's kind, as reported by ``/readyz``."""
        ...

    def status(self) -> CacheStatus:
        """``"up"`` when the last operations reached the store, ``"down"`` otherwise."""
        ...

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """The entries of ``keys``, in order; ``None`` for a miss (or an outage). One round trip."""
        ...

    async def set_many(
        self,
        entries: Mapping[str, CacheEntry],
        ttl_s: float,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Store ``entries`` for ``ttl_s`` seconds, in one pipelined round trip.

        ``tags`` maps an entry's key to the key of the id it belongs to (a
        customer's order-list pages belong to that customer's key), so that
        :meth:`invalidate` of the id also drops them.
        """
        ...

    async def invalidate(self, keys: Sequence[str]) -> int:
        """Delete ``keys`` and every entry tagged with one of them; the number of entries deleted."""
        ...

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """Take a short lock (``SET NX PX`` on Redis) so that one process revalidates; ``False`` if held."""
        ...

    async def release_lock(self, name: str) -> None:
        """Release a lock taken with :meth:`try_lock` (it also expires by itself)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
