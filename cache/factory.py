"""Pick the cache backend from the configuration."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict, Unpack

from comptoir.cache.backend import CacheBackend
from comptoir.cache.memory import MemoryCache
from comptoir.cache.redis import RedisCache


class RedisOptions(TypedDict, total=False):
    """The keyword options of :class:`~comptoir.cache.redis.RedisCache`."""

    op_timeout_s: float
    connect_timeout_s: float
    breaker_failures: int
    breaker_reset_s: float
    clock: Callable[[], float]


def build_cache(
    redis_url: str | None, *, memory_max_entries: int, **redis_options: Unpack[RedisOptions]
) -> CacheBackend:
    """A :class:`RedisCache` on ``redis_url`` if one is set, else a :class:`MemoryCache`.

    ``memory_max_entries`` bounds the memory backend only; ``redis_options``
    apply to the Redis backend only.
    """
    if redis_url:
        return RedisCache(redis_url, **redis_options)
    return MemoryCache(max_entries=memory_max_entries)
