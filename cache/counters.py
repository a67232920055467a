"""Counters of what was spent per window, shared by every process through Redis, else in-process.

A :class:`Bucket` holds up to ``limit`` units per window. :meth:`spend` takes
``amount`` from every bucket it is given, all or nothing: when one of them
lacks room, nothing is taken and the answer says how long until that bucket's
window ends. A window starts with the first spending and lasts ``window_s``
(a fixed window, one key per bucket with an expiry).

On Redis the check and the spending are one Lua script, atomic across every
process; a process takes units a share of the limit at a time (a lease) and
spends them without a round trip until they run out, so that most requests
never wait for Redis. Redis unreachable is never an error: the spending is counted in
this process instead (each process then allows the whole limit), and Redis
is used again once it answers, with the same breaker and timeout as the
cache's (:mod:`comptoir.cache.redis`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import redis.asyncio as aioredis
from comptoir.cache.deadline import within
from comptoir.cache.redis_urls import ServerClient, parse_redis_url
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from comptoir.breaker import CircuitBreaker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Bucket:
    """One budget: its key (shared by every process) and what it holds per window."""

    key: str
    limit: int


@dataclass(frozen=True, slots=True)
class Spent:
    """The answer to :meth:`WindowCounters.spend`."""

    allowed: bool
    retry_after_s: float
    """Refused: seconds until the window of the bucket that lacked room ends; else 0."""
    remaining: int
    """Allowed: the least any bucket has left; refused: 0."""


class WindowCounters(Protocol):
    """Buckets of units spent per window."""

    @property
    def backend(self) -> str:
        """``"redis"`` or ``"memory"``."""
        ...

    async def spend(self, buckets: Sequence[Bucket], amount: int, window_s: float) -> Spent:
        """Take ``amount`` from every bucket, or from none when one of them lacks room."""
        ...

    def spend_at_once(
        self, buckets: Sequence[Bucket], amount: int, window_s: float
    ) -> Spent | None:
        """:meth:`spend` when it needs no wait; ``None`` (nothing taken) when only Redis can say."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class LocalCounters:
    """Buckets counted in this process."""

    _SWEEP_AT: Final = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._used: dict[str, tuple[int, float]] = {}

    @property
    def backend(self) -> str:
        """Always ``"memory"``."""
        return "memory"

    async def spend(self, buckets: Sequence[Bucket], amount: int, window_s: float) -> Spent:
        """Take ``amount`` from every bucket, or from none (see :class:`WindowCounters`)."""
        return self.spend_now(buckets, amount, window_s)

    def spend_at_once(self, buckets: Sequence[Bucket], amount: int, window_s: float) -> Spent:
        """:meth:`spend`: never waits."""
        return self.spend_now(buckets, amount, window_s)

    def spend_now(self, buckets: Sequence[Bucket], amount: int, window_s: float) -> Spent:
        """:meth:`spend`, without awaiting."""
        now = self._clock()
        if len(self._used) >= self._SWEEP_AT:
            self._used = {k: v for k, v in self._used.items() if v[1] > now}
        if len(buckets) == 1:  # the common case: a channel's bucket alone
            bucket = buckets[0]
            used, ends = self._used.get(bucket.key, (0, now + window_s))
            if ends <= now:
                used, ends = 0, now + window_s
            if used + amount > bucket.limit:
                return Spent(False, ends - now, 0)
            self._used[bucket.key] = (used + amount, ends)
            return Spent(True, 0.0, bucket.limit - used - amount)
        wait = 0.0
        current = []
        for bucket in buckets:
            used, ends = self._used.get(bucket.key, (0, now + window_s))
            if ends <= now:
                used, ends = 0, now + window_s
            current.append((used, ends))
            if used + amount > bucket.limit:
                wait = max(wait, ends - now)
        if wait > 0:
            return Spent(False, wait, 0)
        remaining = None
        for bucket, (used, ends) in zip(buckets, current, strict=True):
            self._used[bucket.key] = (used + amount, ends)
            left = bucket.limit - used - amount
            remaining = left if remaining is None else min(remaining, left)
        return Spent(True, 0.0, 0 if remaining is None else remaining)

    async def close(self) -> None:
        """Nothing to release."""


# KEYS: the buckets; ARGV[1]: the window in ms; ARGV[2i], ARGV[2i + 1]: what to take from KEYS[i]
# and its limit. Returns {allowed (0/1), ms until the refusing window ends, then for each key
# what it has left and the ms its window has to run}.
_SPEND_LUA: Final = """
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used + tonumber(ARGV[2 * i]) > tonumber(ARGV[2 * i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 1 then ttl = window end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then
  return {0, wait}
end
local answer = {1, 0}
for i, key in ipairs(KEYS) do
  local used = redis.call('INCRBY', key, tonumber(ARGV[2 * i]))
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, window)
    ttl = window
  end
  answer[#answer + 1] = tonumber(ARGV[2 * i + 1]) - used
  answer[#answer + 1] = ttl
end
return answer
"""

LEASE_SHARE: Final = 100
"""A process takes a bucket's units from Redis 1/LEASE_SHARE of its limit at a time (or the
request's cost, when larger), and spends them without a round trip until they run out."""


@dataclass(slots=True)
class _Lease:
    """Units of one bucket taken from Redis by this process, not spent yet."""

    left: int
    ends: float
    """When the bucket's window ends (this process's clock)."""
    others: int
    """What the bucket had left in Redis when they were taken."""


class RedisCounters:
    """Buckets in Redis, shared by every process; counted in this process while Redis is down.

    To keep Redis off the path of most requests, a process takes units by the
    lease (:data:`LEASE_SHARE`) and spends them locally: across N processes,
    a bucket may refuse up to N leases' worth of units early in a window (the
    units leased and not spent), never allow more than its limit.
    """

    def __init__(
        self,
        url: str,
        *,
        op_timeout_s: float = 0.05,
        connect_timeout_s: float = 0.2,
        breaker_failures: int = 3,
        breaker_reset_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        options: dict[str, Any] = {
            "socket_timeout": None,
            "socket_connect_timeout": connect_timeout_s,
            "retry_on_timeout": False,
            "retry": Retry(NoBackoff(), 0),
            "protocol": 2,
        }
        target = parse_redis_url(url)
        self._server: ServerClient | None = None
        self._client: aioredis.Redis | RedisCluster
        if target.mode == "cluster":
            # The script's keys share the channel's hash tag: one slot, one master.
            self._client = RedisCluster(
                startup_nodes=[ClusterNode(host, port) for host, port in target.hosts],
                require_full_coverage=False,
                socket_connect_timeout=connect_timeout_s,
                retry=Retry(NoBackoff(), 0),
                protocol=2,
                **target.credentials(),
            )
        else:
            self._server = ServerClient(target, **options)
            self._client = self._server.redis
        self._script = self._client.register_script(_SPEND_LUA)
        self._bound_s = op_timeout_s + connect_timeout_s
        self._breaker = CircuitBreaker(breaker_failures, breaker_reset_s, clock)
        self._clock = clock
        self._local = LocalCounters(clock)
        self._leases: dict[str, _Lease] = {}
        self._down = False

    @property
    def backend(self) -> str:
        """Always ``"redis"``."""
        return "redis"

    @property
    def up(self) -> bool:
        """Whether the last spending reached Redis."""
        return not self._down

    async def spend(self, buckets: Sequence[Bucket], amount: int, window_s: float) -> Spent:
        """Take ``amount`` from every bucket: from this process's leases, else from Redis."""
        if not buckets:
            return Spent(True, 0.0, 0)
        now = self._clock()
        leased, remote = self._split(buckets, amount, now)
        if not remote:
            return self._spend_leased(leased, amount)
        if not self._breaker.allow():
            return self._local.spend_now(buckets, amount, window_s)
        wanted = [max(amount, bucket.limit // LEASE_SHARE) for bucket in remote]
        answer = await self._take(remote, wanted, window_s)
        if answer is not None and not answer[0] and wanted != [amount] * len(remote):
            wanted = [amount] * len(remote)  # near the limit: no lease, just this request
            answer = await self._take(remote, wanted, window_s)
        if answer is None:
            return self._local.spend_now(buckets, amount, window_s)
        if not answer[0]:
            return Spent(False, answer[1] / 1000, 0)
        for lease in leased:
            lease.left -= amount
        remaining = [lease.others + lease.left for lease in leased]
        for i, (bucket, taken) in enumerate(zip(remote, wanted, strict=True)):
            others, ttl_ms = answer[2 + 2 * i], answer[3 + 2 * i]
            old = self._leases.get(bucket.key)
            carried = old.left if old is not None and old.ends > now else 0
            lease = _Lease(taken - amount + carried, now + ttl_ms / 1000, others)
            if len(self._leases) >= LocalCounters._SWEEP_AT:
                self._leases = {k: v for k, v in self._leases.items() if v.ends > now}
            self._leases[bucket.key] = lease
            remaining.append(others + lease.left)
        return Spent(True, 0.0, max(0, min(remaining)))

    def spend_at_once(
        self, buckets: Sequence[Bucket], amount: int, window_s: float
    ) -> Spent | None:
        """:meth:`spend` from this process's leases; ``None`` when a bucket needs Redis (or its breaker)."""
        if not buckets:
            return Spent(True, 0.0, 0)
        leased, remote = self._split(buckets, amount, self._clock())
        return None if remote else self._spend_leased(leased, amount)

    def _split(
        self, buckets: Sequence[Bucket], amount: int, now: float
    ) -> tuple[list[_Lease], list[Bucket]]:
        """The leases that hold ``amount``, and the buckets that must ask Redis."""
        leased = []
        remote = []
        for bucket in buckets:
            lease = self._leases.get(bucket.key)
            if lease is not None and lease.ends > now and lease.left >= amount:
                leased.append(lease)
            else:
                remote.append(bucket)
        return leased, remote

    @staticmethod
    def _spend_leased(leased: list[_Lease], amount: int) -> Spent:
        for lease in leased:
            lease.left -= amount
        return Spent(True, 0.0, min(lease.others + lease.left for lease in leased))

    async def _take(
        self, buckets: Sequence[Bucket], amounts: Sequence[int], window_s: float
    ) -> list[int] | None:
        """One script call; ``None`` when Redis did not answer."""
        args = [max(1, math.ceil(window_s * 1000))]
        for bucket, taken in zip(buckets, amounts, strict=True):
            args += [taken, bucket.limit]
        try:
            answer = await within(
                self._bound_s, self._script(keys=[b.key for b in buckets], args=args)
            )
        except (RedisError, OSError) as exc:  # OSError covers TimeoutError
            self._breaker.failure()
            if not self._down:
                self._down = True
                log.warning("rate limits counted in this process: Redis unreachable (%s)", exc)
            return None
        except BaseException:
            self._breaker.abandon()
            raise
        self._breaker.success()
        if self._down:
            self._down = False
            log.info("rate limits counted in Redis again")
        return [int(v) for v in answer]

    async def close(self) -> None:
        """Close the connection pool."""
        with contextlib.suppress(RedisError, OSError):
            if self._server is not None:
                await self._server.aclose()
            else:
                await self._client.aclose()


def build_counters(
    redis_url: str | None, *, op_timeout_s: float = 0.05, breaker_reset_s: float = 5.0
) -> WindowCounters:
    """Counters in Redis when ``redis_url`` is given, else in this process."""
    if redis_url:
        return RedisCounters(redis_url, op_timeout_s=op_timeout_s, breaker_reset_s=breaker_reset_s)
    return LocalCounters()
