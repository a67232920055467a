"""A cache backend on one Redis server, shared by every comptoir process, for which an outage is a miss.

The server is given by URL, or is the master a set of Sentinels names
(``redis+sentinel://``, :mod:`comptoir.cache.redis_urls`): after a failover,
new connections go to the new master. Every operation is one round trip,
bounded by a short timeout on Redis's answer (:mod:`comptoir.cache.deadline`:
an answer that is in when the deadline comes up is used, however busy the
event loop was). Any Redis or network error is caught: reads answer misses,
writes are dropped, locks fall back to this process. A circuit breaker stops
paying the timeout while Redis stays down, and lets one probe through every
``breaker_reset_s`` so that comptoir picks Redis up again, on the same
client, as soon as it is back. A Redis Cluster has its own backend,
:mod:`comptoir.cache.redis_cluster`.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal
from urllib.parse import urlsplit

from comptoir.cache.backend import CacheStatus, Tags
from comptoir.cache.entry import CacheEntry
from comptoir.cache.locks import LocalLocks
from comptoir.cache.redis_store import (
    DOWN,
    LOCK_SUFFIX,
    RELEASE_LOCK_LUA,
    TAG_SUFFIX,
    RedisCacheStats,
    RedisCounters,
    RedisMode,
    ServerGuard,
)
from comptoir.cache.redis_urls import RedisTarget, ServerClient, parse_redis_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from comptoir.breaker import CircuitBreaker

__all__ = ["LOCK_SUFFIX", "TAG_SUFFIX", "RedisCache", "RedisCacheStats"]

# Idle connections are PINGed before reuse after this long, so that one the
# network silently dropped fails on the PING rather than on a real command.
HEALTH_CHECK_INTERVAL_S: Final = 30

# For each key: the members of its tag set, the key itself and the tag set
# go, in one round trip. The keys actually deleted come back (each once,
# however many of the invalidated keys it is reached from), so that other
# processes can drop the same entries from their in-process tier.
_INVALIDATE_LUA: Final = """
local deleted = {}
for _, key in ipairs(KEYS) do
  local tag_set = key .. ARGV[1]
  for _, member in ipairs(redis.call('SMEMBERS', tag_set)) do
    if redis.call('DEL', member) == 1 then
      deleted[#deleted + 1] = member
    end
  end
  if redis.call('DEL', key) == 1 then
    deleted[#deleted + 1] = key
  end
  redis.call('DEL', tag_set)
end
return deleted
"""


class RedisCache:
    """A :class:`~comptoir.cache.backend.CacheBackend` on one Redis server; when it is down, misses.

    Values are stored as :mod:`comptoir.cache.codec` writes them; what cannot
    be decoded is a miss. A tag's
    keys are kept in the Redis set ``<tag key>#tags``, which lives as long as
    its longest-lived entry (``PEXPIRE NX`` then ``GT``: Redis 7.0 or later).
    Locks are ``<name>#lock`` keys holding this object's random token.

    ``op_timeout_s`` bounds the wait for each answer and ``connect_timeout_s``
    each connection attempt; a whole operation is bounded by their sum. The
    bound is on Redis: an answer that arrived in time is used even when a
    busy event loop reads it late, so that a saturated process does not take
    Redis for down. After
    ``breaker_failures`` consecutive failures Redis is skipped for
    ``breaker_reset_s`` seconds of ``clock``, then one call probes it.
    """

    def __init__(
        self,
        url: str | RedisTarget,
        *,
        op_timeout_s: float = 0.05,
        connect_timeout_s: float = 0.2,
        breaker_failures: int = 3,
        breaker_reset_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        target = parse_redis_url(url) if isinstance(url, str) else url
        self._target = target
        self._server = ServerClient(
            target,
            # No read timeout of redis-py's own: it would fire on the loop's
            # delay too. Every operation is bounded by ``within`` instead.
            socket_timeout=None,
            socket_connect_timeout=connect_timeout_s,
            # No retries: a retry would multiply the time an outage costs,
            # and the breaker decides when to try again.
            retry_on_timeout=False,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=HEALTH_CHECK_INTERVAL_S,
            # RESP2: the pool then checks a pooled connection for a hang-up
            # before reusing it, so a restarted server costs no failed call
            # (with RESP3 and its maintenance notifications it does not).
            protocol=2,
        )
        self._client = self._server.redis
        self._invalidate_script = self._client.register_script(_INVALIDATE_LUA)
        self._release_script = self._client.register_script(RELEASE_LOCK_LUA)
        self._counters = RedisCounters()
        self._guard = ServerGuard(
            target.where,
            CircuitBreaker(breaker_failures, breaker_reset_s, clock),
            op_timeout_s + connect_timeout_s,
            self._counters,
            reset_s=breaker_reset_s,
        )
        self._token = uuid.uuid4().hex
        # Locks taken while Redis was unreachable, so that a revalidation
        # still happens once per process rather than once per request.
        self._local_locks = LocalLocks(clock)

    @property
    def name(self) -> Literal["redis"]:
        """Always ``"redis"``."""
        return "redis"

    @property
    def mode(self) -> RedisMode:
        """``"single"``, or ``"sentinel"`` when the master is found through Sentinel."""
        return self._target.mode

    def status(self) -> CacheStatus:
        """``"down"`` while the breaker is not closed or the last call failed, else ``"up"``."""
        return self._guard.status()

    def nodes(self) -> dict[str, CacheStatus]:
        """The one server (``host:port``; for Sentinel, the master's service name) and its state."""
        if self.mode == "sentinel":
            return {self._target.service: self.status()}
        parts = urlsplit(self._target.url)
        return {parts.netloc.rpartition("@")[2] or parts.path: self.status()}

    def stats(self) -> RedisCacheStats:
        """The counters since creation and the breaker's state."""
        return self._counters.snapshot([self._guard.breaker])

    async def start(self) -> None:
        """Nothing runs in the background (connections open on first use)."""

    def get(self, key: str) -> CacheEntry | None:
        """``None``: nothing is held in this process (the in-process tier does that)."""
        return None

    async def ping(self) -> bool:
        """Whether Redis answers a ``PING`` now (subject to the breaker, so it can be the probe)."""
        answer = await self._guard.call(self._client.ping)
        return answer is not DOWN and bool(answer)

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """The entries of ``keys`` in order, from one ``MGET``; all ``None`` when Redis is down."""
        if not keys:
            return []
        raws = await self._guard.call(lambda: self._client.mget(keys))
        if raws is DOWN:
            self._counters.misses += len(keys)
            return [None] * len(keys)
        return self._counters.decoded(raws)

    async def set_many(
        self,
        entries: Mapping[str, CacheEntry],
        ttl_s: float,
        tags: Tags | None = None,
    ) -> None:
        """Store ``entries`` for ``ttl_s`` seconds in one pipeline; dropped when Redis is down.

        A non-positive ``ttl_s`` stores nothing.
        """
        if not entries or ttl_s <= 0:
            return
        # Redis counts in whole milliseconds and refuses 0.
        ttl_ms = max(1, round(ttl_s * 1000))
        payloads, tagged = self._counters.payloads(entries, tags)
        if not payloads:
            return

        async def write() -> None:
            pipe = self._client.pipeline(transaction=False)
            for key, payload in payloads:
                pipe.set(key, payload, px=ttl_ms)
            for tag, members in tagged.items():
                tag_set = tag + TAG_SUFFIX
                pipe.sadd(tag_set, *members)
                # NX gives a new set an expiry and GT only ever lengthens it:
                # the set must outlive every entry it lists.
                pipe.pexpire(tag_set, ttl_ms, nx=True)
                pipe.pexpire(tag_set, ttl_ms, gt=True)
            await pipe.execute()

        await self._guard.call(write)

    async def invalidate(self, keys: Sequence[str]) -> int:
        """Delete ``keys`` and their tagged entries in one script call; 0 when Redis is down."""
        deleted = await self.drop(keys)
        return 0 if deleted is None else len(deleted)

    async def drop(self, keys: Sequence[str]) -> list[str] | None:
        """Delete ``keys`` and their tagged entries; the keys deleted (``None``: Redis down)."""
        if not keys:
            return []
        deleted = await self._guard.call(
            lambda: self._invalidate_script(keys=list(keys), args=[TAG_SUFFIX])
        )
        if deleted is DOWN:
            return None
        return [k.decode() if isinstance(k, bytes) else str(k) for k in deleted]

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """``SET <name>#lock token NX PX``; when Redis is down, a lock of this process instead."""
        if self._local_locks.held(name):
            return False
        ttl_ms = max(1, round(ttl_s * 1000))
        taken = await self._guard.call(
            lambda: self._client.set(name + LOCK_SUFFIX, self._token, nx=True, px=ttl_ms)
        )
        if taken is DOWN:
            return self._local_locks.try_lock(name, ttl_s)
        return bool(taken)

    async def release_lock(self, name: str) -> None:
        """Release ``name`` if this object holds it (a lock of another process stays)."""
        if self._local_locks.release(name):
            return
        await self._guard.call(
            lambda: self._release_script(keys=[name + LOCK_SUFFIX], args=[self._token])
        )

    async def close(self) -> None:
        """Close the connection pool (and the Sentinels' connections)."""
        with contextlib.suppress(RedisError, OSError):
            await self._server.aclose()
