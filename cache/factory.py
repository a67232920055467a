"""Pick the cache backend from the configuration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

from comptoir.cache.backend import CacheBackend
from comptoir.cache.bus import LocalBus
from comptoir.cache.memory import MemoryCache
from comptoir.cache.redis import RedisCache
from comptoir.cache.redis_bus import RedisBus
from comptoir.cache.redis_cluster import RedisClusterCache
from comptoir.cache.redis_store import RedisStore
from comptoir.cache.redis_urls import parse_redis_url
from comptoir.cache.tiered import TieredCache
from comptoir.cache.workers import WorkerCache


class RedisOptions(TypedDict, total=False):
    """The keyword options of :class:`~comptoir.cache.redis.RedisCache`."""

    op_timeout_s: float
    connect_timeout_s: float
    breaker_failures: int
    breaker_reset_s: float
    clock: Callable[[], float]


@dataclass(frozen=True, slots=True)
class Tiers:
    """How big the in-process tier in front of Redis is, and how long it keeps an entry."""

    entries: int = 20_000
    ttl_s: float = 2.0


def build_cache(
    redis_url: str | None,
    *,
    memory_max_entries: int,
    tiers: Tiers | None = None,
    workers_dir: Path | None = None,
    **redis_options: Unpack[RedisOptions],
) -> CacheBackend:
    """The cache of this process.

    With ``redis_url``: Redis behind a bounded in-process tier (``tiers``),
    invalidations shared over Redis pub/sub. The URL names one server, a
    master found through Sentinel or a Redis Cluster
    (:mod:`comptoir.cache.redis_urls`); one it cannot read is a
    :class:`~comptoir.cache.redis_urls.RedisUrlError`. Without: the in-process cache
    bounded by ``memory_max_entries``; when this process is one worker of
    several (``workers_dir``, the folder of their sockets), invalidations are
    shared with the other workers.
    """
    if redis_url:
        tiers = tiers or Tiers()
        target = parse_redis_url(redis_url)
        remote: RedisStore = (
            RedisClusterCache(target, **redis_options)
            if target.mode == "cluster"
            else RedisCache(target, **redis_options)
        )
        return TieredCache(
            remote,
            MemoryCache(max_entries=max(1, tiers.entries)),
            RedisBus(target),
            local_ttl_s=tiers.ttl_s,
        )
    memory = MemoryCache(max_entries=memory_max_entries)
    if workers_dir is not None:
        return WorkerCache(memory, LocalBus(workers_dir))
    return memory
