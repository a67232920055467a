"""A cache backend on Redis, shared by every comptoir process, for which an outage is a miss.

Every operation is one round trip, bounded by a short timeout on Redis's
answer (:mod:`comptoir.cache.deadline`: an answer that is in when the
deadline comes up is used, however busy the event loop was). Any Redis or
network error is caught: reads answer misses, writes are dropped, locks fall
back to this process. A circuit breaker stops paying the timeout while Redis
stays down, and lets one probe through every ``breaker_reset_s`` so that
comptoir picks Redis up again, on the same client, as soon as it is back.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, TypeVar
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from comptoir.cache.backend import CacheStatus, Tags, tags_of
from comptoir.cache.codec import Unencodable, decode, encode
from comptoir.cache.deadline import within
from comptoir.cache.entry import CacheEntry
from comptoir.cache.locks import LocalLocks
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError, ResponseError

from comptoir.breaker import BreakerState, CircuitBreaker

log = logging.getLogger(__name__)

TAG_SUFFIX: Final = "#tags"
"""Appended to a tag key to name the Redis set of the keys tagged with it."""

LOCK_SUFFIX: Final = "#lock"
"""Appended to a lock name to name its Redis key, so that locks never collide with entries."""

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

# Only the holder's token deletes the lock: a holder whose lock expired must
# not release the lock another process has taken since.
_RELEASE_LUA: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

T = TypeVar("T")


class _Down(enum.Enum):
    """What an operation answers when Redis was not reached."""

    DOWN = 0


_DOWN: Final = _Down.DOWN


@dataclass(frozen=True, slots=True)
class RedisCacheStats:
    """A snapshot of a :class:`RedisCache`'s counters (all monotonic but the breaker fields).

    ``calls`` went to Redis: ``errors`` of them did not reach it (and count
    towards the breaker), ``refused`` were answered with an error reply;
    ``skipped`` never left the process because the breaker was open.
    ``malformed`` payloads read back were misses and ``unencodable`` values
    were not written.
    """

    calls: int
    errors: int
    refused: int
    skipped: int
    hits: int
    misses: int
    malformed: int
    unencodable: int
    breaker_state: BreakerState
    breaker_opens: int
    consecutive_failures: int


class RedisCache:
    """A :class:`~comptoir.cache.backend.CacheBackend` on Redis; when Redis is down, misses.

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
        url: str,
        *,
        op_timeout_s: float = 0.05,
        connect_timeout_s: float = 0.2,
        breaker_failures: int = 3,
        breaker_reset_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._where = _redact(url)
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            url,
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
        self._invalidate_script = self._client.register_script(_INVALIDATE_LUA)
        self._release_script = self._client.register_script(_RELEASE_LUA)
        self._bound_s = op_timeout_s + connect_timeout_s
        self._breaker = CircuitBreaker(breaker_failures, breaker_reset_s, clock)
        self._reset_s = breaker_reset_s
        self._token = uuid.uuid4().hex
        # Locks taken while Redis was unreachable, so that a revalidation
        # still happens once per process rather than once per request.
        self._local_locks = LocalLocks(clock)
        self._last_failed = False
        self._calls = 0
        self._errors = 0
        self._skipped = 0
        self._hits = 0
        self._misses = 0
        self._malformed = 0
        self._unencodable = 0
        self._refused = 0
        self._reported: set[str] = set()

    @property
    def name(self) -> Literal["redis"]:
        """Always ``"redis"``."""
        return "redis"

    def status(self) -> CacheStatus:
        """``"down"`` while the breaker is not closed or the last call failed, else ``"up"``."""
        if self._last_failed or self._breaker.state != "closed":
            return "down"
        return "up"

    def stats(self) -> RedisCacheStats:
        """The counters since creation and the breaker's state."""
        return RedisCacheStats(
            calls=self._calls,
            errors=self._errors,
            refused=self._refused,
            skipped=self._skipped,
            hits=self._hits,
            misses=self._misses,
            malformed=self._malformed,
            unencodable=self._unencodable,
            breaker_state=self._breaker.state,
            breaker_opens=self._breaker.opens,
            consecutive_failures=self._breaker.consecutive_failures,
        )

    async def start(self) -> None:
        """Nothing runs in the background (connections open on first use)."""

    def get(self, key: str) -> CacheEntry | None:
        """``None``: nothing is held in this process (the in-process tier does that)."""
        return None

    async def ping(self) -> bool:
        """Whether Redis answers a ``PING`` now (subject to the breaker, so it can be the probe)."""
        answer = await self._call(self._client.ping)
        return answer is not _DOWN and bool(answer)

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """The entries of ``keys`` in order, from one ``MGET``; all ``None`` when Redis is down."""
        if not keys:
            return []
        raws = await self._call(lambda: self._client.mget(keys))
        if raws is _DOWN:
            self._misses += len(keys)
            return [None] * len(keys)
        found: list[CacheEntry | None] = []
        hits = 0
        malformed = 0
        for raw in raws:
            if raw is None:
                found.append(None)
                continue
            entry = decode(raw) if isinstance(raw, bytes) else None
            if entry is None:
                malformed += 1
            else:
                hits += 1
            found.append(entry)
        self._hits += hits
        self._misses += len(found) - hits
        if malformed:
            self._malformed += malformed
            self._report_once(
                "unreadable cache payload(s) in Redis treated as misses: %d", malformed
            )
        return found

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
        payloads: list[tuple[str, bytes]] = []
        tagged: dict[str, list[str]] = {}
        for key, entry in entries.items():
            try:
                payload = encode(entry)
            except Unencodable as exc:
                # Not JSON: a bug in the caller, but never a failed request.
                self._unencodable += 1
                self._report_once("cache entry %s is not JSON-encodable, not stored: %s", key, exc)
                continue
            payloads.append((key, payload))
            for tag in tags_of(tags, key):
                tagged.setdefault(tag, []).append(key)
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

        await self._call(write)

    async def invalidate(self, keys: Sequence[str]) -> int:
        """Delete ``keys`` and their tagged entries in one script call; 0 when Redis is down."""
        deleted = await self.drop(keys)
        return 0 if deleted is None else len(deleted)

    async def drop(self, keys: Sequence[str]) -> list[str] | None:
        """Delete ``keys`` and their tagged entries; the keys deleted (``None``: Redis down)."""
        if not keys:
            return []
        deleted = await self._call(
            lambda: self._invalidate_script(keys=list(keys), args=[TAG_SUFFIX])
        )
        if deleted is _DOWN:
            return None
        return [k.decode() if isinstance(k, bytes) else str(k) for k in deleted]

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """``SET <name>#lock token NX PX``; when Redis is down, a lock of this process instead."""
        if self._local_locks.held(name):
            return False
        ttl_ms = max(1, round(ttl_s * 1000))
        taken = await self._call(
            lambda: self._client.set(name + LOCK_SUFFIX, self._token, nx=True, px=ttl_ms)
        )
        if taken is _DOWN:
            return self._local_locks.try_lock(name, ttl_s)
        return bool(taken)

    async def release_lock(self, name: str) -> None:
        """Release ``name`` if this object holds it (a lock of another process stays)."""
        if self._local_locks.release(name):
            return
        await self._call(
            lambda: self._release_script(keys=[name + LOCK_SUFFIX], args=[self._token])
        )

    async def close(self) -> None:
        """Close the connection pool."""
        with contextlib.suppress(RedisError, OSError):
            await self._client.aclose()

    async def _call(self, operation: Callable[[], Awaitable[T]]) -> T | Literal[_Down.DOWN]:
        """Run one operation through the breaker and the timeout; ``_DOWN`` if Redis did not."""
        if not self._breaker.allow():
            self._skipped += 1
            return _DOWN
        self._calls += 1
        try:
            result = await within(self._bound_s, operation())
        except ResponseError as exc:
            # Redis is there and refused the command (out of memory, a key of
            # the wrong type): the answer is dropped, but this is no outage.
            self._refused += 1
            self._succeeded()
            self._report_once("Redis cache refused a command: %s", exc)
            return _DOWN
        except (RedisError, OSError) as exc:  # OSError covers TimeoutError
            self._failed(exc)
            return _DOWN
        except BaseException:
            # Cancelled from outside (or a bug): no verdict on Redis.
            self._breaker.abandon()
            raise
        self._succeeded()
        return result

    def _failed(self, exc: BaseException) -> None:
        self._errors += 1
        opened = self._breaker.failure()
        if not self._last_failed:
            self._last_failed = True
            log.warning(
                "Redis cache at %s unreachable (%s: %s); answering misses",
                self._where,
                type(exc).__name__,
                exc,
            )
        if opened:
            log.warning(
                "Redis cache at %s skipped for %.1fs after %d consecutive failures",
                self._where,
                self._reset_s,
                self._breaker.consecutive_failures,
            )

    def _report_once(self, message: str, *args: object) -> None:
        # A bad payload or value is a bug that repeats on every request: warn
        # once, and let the counters tell how often.
        if message in self._reported:
            log.debug(message, *args)
        else:
            self._reported.add(message)
            log.warning(message + " (further occurrences are logged at debug level)", *args)

    def _succeeded(self) -> None:
        self._breaker.success()
        if self._last_failed:
            self._last_failed = False
            log.info("Redis cache at %s reachable again", self._where)


def _redact(url: str) -> str:
    """``url`` without its credentials, for logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
