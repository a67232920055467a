"""What the Redis backends share: one guard per server, their counters, the payloads they carry.

A single Redis (reached directly or through Sentinel, :mod:`comptoir.cache.redis`)
and a Redis Cluster (:mod:`comptoir.cache.redis_cluster`) differ in where a key
goes, not in how one call to one server is made: each server has a
:class:`ServerGuard` (a circuit breaker, a deadline on its answer, and the rule
that an outage is a miss), and both count into one :class:`RedisCounters`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol, TypeVar

from comptoir.cache.backend import CacheStatus, Tags, tags_of
from comptoir.cache.codec import Unencodable, decode, encode
from comptoir.cache.deadline import within
from comptoir.cache.entry import CacheEntry
from redis.exceptions import RedisError, ResponseError

from comptoir.breaker import BreakerState, CircuitBreaker

log = logging.getLogger(__name__)

TAG_SUFFIX: Final = "#tags"
"""Appended to a tag key to name the Redis set of the keys tagged with it."""

LOCK_SUFFIX: Final = "#lock"
"""Appended to a lock name to name its Redis key, so that locks never collide with entries."""

# Only the holder's token deletes the lock: a holder whose lock expired must
# not release the lock another process has taken since.
RELEASE_LOCK_LUA: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

RedisMode = Literal["single", "sentinel", "cluster"]
"""How comptoir reaches Redis: one server, the master Sentinel names, or a cluster."""

T = TypeVar("T")


class Down(enum.Enum):
    """What an operation answers when its server was not reached."""

    DOWN = 0


DOWN: Final = Down.DOWN


@dataclass(frozen=True, slots=True)
class RedisCacheStats:
    """A snapshot of a Redis backend's counters (all monotonic but the breaker fields).

    ``calls`` went to Redis: ``errors`` of them did not reach it (and count
    towards the breaker), ``refused`` were answered with an error reply;
    ``skipped`` never left the process because the breaker was open.
    ``malformed`` payloads read back were misses and ``unencodable`` values
    were not written. On a cluster the breaker fields are the worst node's
    (its state, its consecutive failures) and the sum of every node's opens.
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


class RedisStore(Protocol):
    """What the two-tier cache needs of its shared store (a Redis server, or a cluster)."""

    @property
    def mode(self) -> RedisMode:
        """How Redis is reached, as ``/readyz`` reports it."""
        ...

    def status(self) -> CacheStatus:
        """``"up"`` when every server answered its last call, ``"down"`` otherwise."""
        ...

    async def start(self) -> None:
        """Learn what reaching Redis takes (a cluster's slot map); never raises for an outage."""
        ...

    def nodes(self) -> dict[str, CacheStatus]:
        """Each server's state, by ``host:port`` (a cluster's masters; the one server otherwise)."""
        ...

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """The entries of ``keys``, in order; a miss for any key whose server is down."""
        ...

    async def set_many(
        self, entries: Mapping[str, CacheEntry], ttl_s: float, tags: Tags | None = None
    ) -> None:
        """Store ``entries`` with their tags; dropped where a server is down."""
        ...

    async def drop(self, keys: Sequence[str]) -> list[str] | None:
        """Delete ``keys`` and their tagged entries; the keys deleted (``None``: Redis down)."""
        ...

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """A short lock shared by every process (this process's own while its server is down)."""
        ...

    async def release_lock(self, name: str) -> None:
        """Release a lock taken with :meth:`try_lock`."""
        ...

    async def close(self) -> None:
        """Close the connections."""
        ...


class RedisCounters:
    """The counters every server of one backend adds to, and the warnings said once."""

    def __init__(self) -> None:
        self.calls = 0
        self.errors = 0
        self.refused = 0
        self.skipped = 0
        self.hits = 0
        self.misses = 0
        self.malformed = 0
        self.unencodable = 0
        self._reported: set[str] = set()

    def snapshot(self, breakers: Sequence[CircuitBreaker]) -> RedisCacheStats:
        """The counters, with the worst of ``breakers`` (their opens added up)."""
        order: dict[BreakerState, int] = {"closed": 0, "half_open": 1, "open": 2}
        worst = max(breakers, key=lambda b: order[b.state], default=None)
        return RedisCacheStats(
            calls=self.calls,
            errors=self.errors,
            refused=self.refused,
            skipped=self.skipped,
            hits=self.hits,
            misses=self.misses,
            malformed=self.malformed,
            unencodable=self.unencodable,
            breaker_state="closed" if worst is None else worst.state,
            breaker_opens=sum(b.opens for b in breakers),
            consecutive_failures=max((b.consecutive_failures for b in breakers), default=0),
        )

    def report_once(self, message: str, *args: object) -> None:
        """Warn of ``message`` the first time, then at debug level (the counters tell how often)."""
        # A bad payload or value is a bug that repeats on every request.
        if message in self._reported:
            log.debug(message, *args)
        else:
            self._reported.add(message)
            log.warning(message + " (further occurrences are logged at debug level)", *args)

    def decoded(self, raws: Sequence[object]) -> list[CacheEntry | None]:
        """The entries of ``raws`` (``MGET``'s answer), counting hits, misses and bad payloads."""
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
        self.hits += hits
        self.misses += len(found) - hits
        if malformed:
            self.malformed += malformed
            self.report_once(
                "unreadable cache payload(s) in Redis treated as misses: %d", malformed
            )
        return found

    def payloads(
        self, entries: Mapping[str, CacheEntry], tags: Tags | None
    ) -> tuple[list[tuple[str, bytes]], dict[str, list[str]]]:
        """Each encodable entry's payload, and each tag's keys (what cannot be encoded is left out)."""
        payloads: list[tuple[str, bytes]] = []
        tagged: dict[str, list[str]] = {}
        for key, entry in entries.items():
            try:
                payload = encode(entry)
            except Unencodable as exc:
                # Not JSON: a bug in the caller, but never a failed request.
                self.unencodable += 1
                self.report_once("cache entry %s is not JSON-encodable, not stored: %s", key, exc)
                continue
            payloads.append((key, payload))
            for tag in tags_of(tags, key):
                tagged.setdefault(tag, []).append(key)
        return payloads, tagged


class ServerGuard:
    """One Redis server's breaker and deadline: a call that does not reach it answers :data:`DOWN`.

    Each call is bounded by ``bound_s`` (:func:`~comptoir.cache.deadline.within`).
    An error reply (out of memory, a key of the wrong type, a cluster's
    ``MOVED``) is no outage: the call answers :data:`DOWN` and ``on_refused``
    hears it, but the breaker counts a success. After ``breaker.failures``
    consecutive failures the server is skipped until the breaker lets a probe
    through.
    """

    def __init__(
        self,
        where: str,
        breaker: CircuitBreaker,
        bound_s: float,
        counters: RedisCounters,
        *,
        reset_s: float,
        on_failure: Callable[[], None] = lambda: None,
        on_refused: Callable[[ResponseError], None] = lambda exc: None,
    ) -> None:
        self.where = where
        self.breaker = breaker
        self._bound_s = bound_s
        self._counters = counters
        self._reset_s = reset_s
        self._on_failure = on_failure
        self._on_refused = on_refused
        self._last_failed = False

    def status(self) -> CacheStatus:
        """``"down"`` while the breaker is not closed or the last call failed, else ``"up"``."""
        if self._last_failed or self.breaker.state != "closed":
            return "down"
        return "up"

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T | Literal[Down.DOWN]:
        """Run one operation through the breaker and the deadline; :data:`DOWN` if it did not."""
        counters = self._counters
        if not self.breaker.allow():
            counters.skipped += 1
            return DOWN
        counters.calls += 1
        try:
            result = await within(self._bound_s, operation())
        except ResponseError as exc:
            # Redis is there and refused the command: the answer is dropped,
            # but this is no outage.
            counters.refused += 1
            self._succeeded()
            self._on_refused(exc)
            counters.report_once("Redis cache refused a command: %s", exc)
            return DOWN
        except (RedisError, OSError) as exc:  # OSError covers TimeoutError
            self._failed(exc)
            return DOWN
        except BaseException:
            # Cancelled from outside (or a bug): no verdict on Redis.
            self.breaker.abandon()
            raise
        self._succeeded()
        return result

    def _failed(self, exc: BaseException) -> None:
        self._counters.errors += 1
        opened = self.breaker.failure()
        if not self._last_failed:
            self._last_failed = True
            log.warning(
                "Redis cache at %s unreachable (%s: %s); answering misses",
                self.where,
                type(exc).__name__,
                exc,
            )
        if opened:
            log.warning(
                "Redis cache at %s skipped for %.1fs after %d consecutive failures",
                self.where,
                self._reset_s,
                self.breaker.consecutive_failures,
            )
        self._on_failure()

    def _succeeded(self) -> None:
        self.breaker.success()
        if self._last_failed:
            self._last_failed = False
            log.info("Redis cache at %s reachable again", self.where)
