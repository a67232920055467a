"""A cache backend on a Redis Cluster: each key on the master of its slot, a lost master a miss.

redis-py's :class:`~redis.asyncio.cluster.RedisCluster` finds the masters and
which slots each one serves (``CLUSTER SLOTS``), from any node of
``redis+cluster://host:port[,host:port…]``; the commands go to each master
through a client of its own, behind a guard of its own
(:class:`~comptoir.cache.redis_store.ServerGuard`: a breaker and a deadline).
So a master that is lost costs the keys of its slots only — they are misses,
their writes are dropped — while the other masters keep answering; once it
answers again (or a replica has taken its slots: a connection error, a
``MOVED`` or a ``CLUSTERDOWN`` asks for the slot map again, at most once a
second) its keys hit again, without a restart.

A multi-key command of Redis Cluster must name keys of one slot, so each
operation is split by master and then by slot, and every master is asked
at once, one pipeline each: a read is one round trip, as on one server.

- **Reads**: one ``MGET`` per slot.
- **Writes**: ``SET … PX`` per entry; a tag's set ``<tag>#tags`` lives on
  its own slot, wherever its members live. An entry whose tag could not be
  recorded (that tag's master is down) is deleted again at once: an entry is
  never left where an invalidation of its tag would not find it.
- **Invalidation**: each key is deleted and each tag set is read and deleted
  at once (a small script on the tag set's slot), then the members found are
  deleted: two round trips. A tag set on a master that is down cannot be
  read: the entries it lists stay until they expire (give each master a
  replica to keep its tag sets).
- **Locks**: ``SET <name>#lock token NX PX`` on the lock's slot, released by
  its holder only; this process's own lock while that master is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import redis.asyncio as aioredis
from comptoir.cache.backend import CacheStatus, Tags
from comptoir.cache.deadline import within
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
from comptoir.cache.redis_urls import (
    DISCOVERY_TIMEOUT_S,
    RedisTarget,
    parse_redis_url,
    slot_map_client,
)
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot
from redis.exceptions import RedisClusterException, RedisError, ResponseError

from comptoir.breaker import CircuitBreaker

log = logging.getLogger(__name__)

REFRESH_MIN_INTERVAL_S: Final = 1.0
"""The slot map is asked for again at most this often (after errors that say it changed)."""

HEALTH_CHECK_INTERVAL_S: Final = 30

# Reads a tag set and deletes it, atomically on its slot: a member added
# after the read lands in a new set, never in one already dropped.
_POP_TAG_SET_LUA: Final = """
local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members
"""

# Error replies that mean the slot map this process holds is out of date.
_TOPOLOGY_ERRORS: Final = ("MOVED", "ASK", "CLUSTERDOWN", "TRYAGAIN")


@dataclass(slots=True)
class _Master:
    """One master: its client and its guard."""

    name: str
    client: aioredis.Redis
    guard: ServerGuard


class RedisClusterCache:
    """A :class:`~comptoir.cache.backend.CacheBackend` on a Redis Cluster (see the module).

    The options are :class:`~comptoir.cache.redis.RedisCache`'s, applied to
    each master: ``op_timeout_s`` and ``connect_timeout_s`` bound each call,
    and each master has its own breaker.
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
        if target.mode != "cluster":
            raise ValueError(f"{target.where} is not a redis+cluster:// URL")
        self._target = target
        self._clock = clock
        self._bound_s = op_timeout_s + connect_timeout_s
        self._breaker_failures = breaker_failures
        self._reset_s = breaker_reset_s
        self._client_options: dict[str, Any] = {
            # As for one server: no read timeout of redis-py's (``within``
            # bounds each call), no retries (the breaker decides), RESP2.
            "socket_timeout": None,
            "socket_connect_timeout": connect_timeout_s,
            "retry": Retry(NoBackoff(), 0),
            "health_check_interval": HEALTH_CHECK_INTERVAL_S,
            "protocol": 2,
            **target.credentials(),
        }
        self._topology = slot_map_client(target, connect_timeout_s=connect_timeout_s)
        self._counters = RedisCounters()
        self._masters: dict[str, _Master] = {}
        self._owners: list[_Master | None] = []
        self._next_refresh_at = 0.0
        self._refresh_wanted = False
        self._refreshing: asyncio.Task[None] | None = None
        self._discovering: asyncio.Task[bool] | None = None
        self._token = uuid.uuid4().hex
        self._local_locks = LocalLocks(clock)

    @property
    def name(self) -> Literal["redis"]:
        """Always ``"redis"``."""
        return "redis"

    @property
    def mode(self) -> RedisMode:
        """``"cluster"``."""
        return "cluster"

    def status(self) -> CacheStatus:
        """``"up"`` when the slot map is known and every master answered its last call."""
        if not self._owners or not self._masters:
            return "down"
        return "up" if all(m.guard.status() == "up" for m in self._serving()) else "down"

    def nodes(self) -> dict[str, CacheStatus]:
        """Each master serving slots, by ``host:port``, and its state."""
        return {m.name: m.guard.status() for m in self._serving()}

    def stats(self) -> RedisCacheStats:
        """The counters since creation; the worst master's breaker."""
        return self._counters.snapshot([m.guard.breaker for m in self._masters.values()])

    async def start(self) -> None:
        """Learn the slot map now (if no node answers yet: misses, and tried again later)."""
        self._next_refresh_at = self._clock() + self._reset_s
        await self._discover()

    def get(self, key: str) -> CacheEntry | None:
        """``None``: nothing is held in this process (the in-process tier does that)."""
        return None

    async def ping(self) -> bool:
        """Whether every master answers a ``PING`` now."""
        if not await self._ensure_topology():
            return False
        masters = self._serving()
        answers = await asyncio.gather(*(m.guard.call(m.client.ping) for m in masters))
        return bool(masters) and all(a is not DOWN and bool(a) for a in answers)

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """The entries of ``keys``, in order: one ``MGET`` per slot, every master at once."""
        found: list[CacheEntry | None] = [None] * len(keys)
        if not keys:
            return found
        if not await self._ensure_topology():
            self._counters.misses += len(keys)
            return found
        by_master: dict[str, tuple[_Master, dict[int, list[int]]]] = {}
        for index, key in enumerate(keys):
            slot = key_slot(key.encode())
            master = self._owners[slot]
            if master is None:
                self._counters.misses += 1
                continue
            slots = by_master.setdefault(master.name, (master, {}))[1]
            slots.setdefault(slot, []).append(index)

        async def read(master: _Master, groups: list[list[int]]) -> list[Any]:
            pipe = master.client.pipeline(transaction=False)
            for indexes in groups:
                pipe.mget([keys[i] for i in indexes])
            return await pipe.execute(raise_on_error=False)

        work = [(m, list(slots.values())) for m, slots in by_master.values()]
        answers = await asyncio.gather(
            *(m.guard.call(functools.partial(read, m, groups)) for m, groups in work)
        )
        for (master, groups), replies in zip(work, answers, strict=True):
            if replies is DOWN:
                self._counters.misses += sum(len(g) for g in groups)
                continue
            for indexes, reply in zip(groups, replies, strict=True):
                if isinstance(reply, Exception):
                    self._refused(master, reply)
                    self._counters.misses += len(indexes)
                    continue
                for index, entry in zip(indexes, self._counters.decoded(reply), strict=True):
                    found[index] = entry
        return found

    async def set_many(
        self,
        entries: Mapping[str, CacheEntry],
        ttl_s: float,
        tags: Tags | None = None,
    ) -> None:
        """Store ``entries`` for ``ttl_s`` seconds, one pipeline per master; dropped where one is down.

        An entry one of whose tags could not be recorded is deleted again.
        """
        if not entries or ttl_s <= 0:
            return
        if not await self._ensure_topology():
            return
        ttl_ms = max(1, round(ttl_s * 1000))
        payloads, tagged = self._counters.payloads(entries, tags)
        if not payloads:
            return
        # Per master: the commands' meaning, in pipeline order (a key set, a tag recorded).
        plans: dict[str, tuple[_Master, list[tuple[str, str, bytes | list[str]]]]] = {}
        for key, payload in payloads:
            self._plan(plans, key, ("set", key, payload))
        for tag, members in tagged.items():
            self._plan(plans, tag + TAG_SUFFIX, ("tag", tag, members))
        failed_tags: set[str] = {tag for tag in tagged if self._owner(tag + TAG_SUFFIX) is None}

        async def write(master: _Master, steps: list[tuple[str, str, bytes | list[str]]]) -> Any:
            pipe = master.client.pipeline(transaction=False)
            for _, name, value in steps:
                if isinstance(value, bytes):
                    pipe.set(name, value, px=ttl_ms)
                else:
                    tag_set = name + TAG_SUFFIX
                    pipe.sadd(tag_set, *value)
                    # NX gives a new set an expiry and GT only ever lengthens
                    # it: the set must outlive every entry it lists.
                    pipe.pexpire(tag_set, ttl_ms, nx=True)
                    pipe.pexpire(tag_set, ttl_ms, gt=True)
            return await pipe.execute(raise_on_error=False)

        work = list(plans.values())
        answers = await asyncio.gather(
            *(m.guard.call(functools.partial(write, m, steps)) for m, steps in work)
        )
        for (master, steps), replies in zip(work, answers, strict=True):
            if replies is DOWN:
                failed_tags.update(name for kind, name, _ in steps if kind == "tag")
                continue
            position = 0
            for kind, name, _ in steps:
                reply = replies[position]
                position += 1 if kind == "set" else 3
                if isinstance(reply, Exception):
                    self._refused(master, reply)
                    if kind == "tag":
                        failed_tags.add(name)
        if failed_tags:
            untagged = {key for tag in failed_tags for key in tagged[tag]}
            await self._delete(untagged)

    async def invalidate(self, keys: Sequence[str]) -> int:
        """Delete ``keys`` and their tagged entries; how many entries went (0 when Redis is down)."""
        deleted = await self.drop(keys)
        return 0 if deleted is None else len(deleted)

    async def drop(self, keys: Sequence[str]) -> list[str] | None:
        """Delete ``keys`` and their tagged entries; the keys deleted (``None``: no master reached).

        Two round trips: the keys and their tag sets, then the members the
        tag sets listed. Each key deleted is listed once.
        """
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return []
        if not await self._ensure_topology():
            return None
        plans: dict[str, tuple[_Master, list[tuple[str, str]]]] = {}
        for key in wanted:
            self._plan(plans, key, ("del", key))
            self._plan(plans, key + TAG_SUFFIX, ("pop", key + TAG_SUFFIX))

        async def first(master: _Master, steps: list[tuple[str, str]]) -> Any:
            pipe = master.client.pipeline(transaction=False)
            for kind, name in steps:
                if kind == "del":
                    pipe.delete(name)
                else:
                    pipe.eval(_POP_TAG_SET_LUA, 1, name)
            return await pipe.execute(raise_on_error=False)

        work = list(plans.values())
        answers = await asyncio.gather(
            *(m.guard.call(functools.partial(first, m, steps)) for m, steps in work)
        )
        deleted: list[str] = []
        members: dict[str, None] = {}
        reached = False
        for (master, steps), replies in zip(work, answers, strict=True):
            if replies is DOWN:
                continue
            reached = True
            for (kind, name), reply in zip(steps, replies, strict=True):
                if isinstance(reply, Exception):
                    self._refused(master, reply)
                elif kind == "del":
                    if reply == 1:
                        deleted.append(name)
                else:
                    members.update(dict.fromkeys(_text(m) for m in reply))
        if not reached:
            return None
        known = set(wanted)
        deleted.extend(await self._delete(m for m in members if m not in known))
        return deleted

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """``SET <name>#lock token NX PX`` on its master; while it is down, a lock of this process."""
        if self._local_locks.held(name):
            return False
        ttl_ms = max(1, round(ttl_s * 1000))
        lock = name + LOCK_SUFFIX
        master = self._owner(lock) if await self._ensure_topology() else None
        if master is None:
            return self._local_locks.try_lock(name, ttl_s)
        taken = await master.guard.call(
            lambda: master.client.set(lock, self._token, nx=True, px=ttl_ms)
        )
        if taken is DOWN:
            return self._local_locks.try_lock(name, ttl_s)
        return bool(taken)

    async def release_lock(self, name: str) -> None:
        """Release ``name`` if this object holds it (a lock of another process stays)."""
        if self._local_locks.release(name):
            return
        lock = name + LOCK_SUFFIX
        master = self._owner(lock)
        if master is not None:
            await master.guard.call(
                lambda: master.client.eval(RELEASE_LOCK_LUA, 1, lock, self._token)
            )

    async def close(self) -> None:
        """Stop a refresh under way and close every connection."""
        for task in (self._refreshing, self._discovering):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, RedisError, OSError):
                    await task
        for master in self._masters.values():
            with contextlib.suppress(RedisError, OSError):
                await master.client.aclose()
        with contextlib.suppress(RedisError, OSError):
            await self._topology.aclose()

    # -- routing ---------------------------------------------------------------

    def _owner(self, key: str) -> _Master | None:
        if not self._owners:
            return None
        return self._owners[key_slot(key.encode())]

    def _plan(self, plans: dict[str, tuple[_Master, list[Any]]], key: str, step: Any) -> None:
        master = self._owner(key)
        if master is not None:
            plans.setdefault(master.name, (master, []))[1].append(step)

    def _serving(self) -> list[_Master]:
        serving = {id(m): m for m in self._owners if m is not None}
        return sorted(serving.values(), key=lambda m: m.name)

    async def _delete(self, keys: Any) -> list[str]:
        """``DEL`` each of ``keys`` on its master (one pipeline each); the keys that existed."""
        plans: dict[str, tuple[_Master, list[str]]] = {}
        for key in keys:
            self._plan(plans, key, key)

        async def delete(master: _Master, names: list[str]) -> Any:
            pipe = master.client.pipeline(transaction=False)
            for name in names:
                pipe.delete(name)
            return await pipe.execute(raise_on_error=False)

        work = list(plans.values())
        answers = await asyncio.gather(
            *(m.guard.call(functools.partial(delete, m, names)) for m, names in work)
        )
        deleted: list[str] = []
        for (master, names), replies in zip(work, answers, strict=True):
            if replies is DOWN:
                continue
            for name, reply in zip(names, replies, strict=True):
                if isinstance(reply, Exception):
                    self._refused(master, reply)
                elif reply == 1:
                    deleted.append(name)
        return deleted

    def _refused(self, master: _Master, exc: Exception) -> None:
        self._counters.refused += 1
        if isinstance(exc, ResponseError):
            self._topology_changed(exc)
        self._counters.report_once("Redis cluster node %s refused a command: %s", master.name, exc)

    def _topology_changed(self, exc: ResponseError) -> None:
        if str(exc).startswith(_TOPOLOGY_ERRORS):
            self._want_refresh()

    # -- the slot map ----------------------------------------------------------

    async def _ensure_topology(self) -> bool:
        """Whether the slot map is known; if not, learning it starts in the background.

        An operation never waits for it: until it is known, reads are misses
        and writes are dropped. It is tried again once per ``breaker_reset_s``.
        """
        if self._owners:
            return True
        running = self._discovering is not None and not self._discovering.done()
        if not running and self._clock() >= self._next_refresh_at:
            self._next_refresh_at = self._clock() + self._reset_s
            self._discovering = asyncio.get_running_loop().create_task(self._discover())
        return False

    async def _discover(self) -> bool:
        """Learn the slot map (bounded by :data:`DISCOVERY_TIMEOUT_S`); whether it is known."""
        try:
            await within(DISCOVERY_TIMEOUT_S, self._topology.initialize())
        except (RedisError, RedisClusterException, OSError) as exc:
            log.warning(
                "Redis cluster at %s: no node answered (%s: %s); answering misses",
                self._target.where,
                type(exc).__name__,
                exc,
            )
            return False
        self._adopt()
        return bool(self._owners)

    def _want_refresh(self) -> None:
        """Ask for the slot map again, in the background (at most once a second)."""
        if not self._owners:
            return  # the next operation discovers it
        self._refresh_wanted = True
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        while self._refresh_wanted:
            wait = self._next_refresh_at - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            self._refresh_wanted = False
            self._next_refresh_at = self._clock() + REFRESH_MIN_INTERVAL_S
            try:
                await within(DISCOVERY_TIMEOUT_S, self._topology.nodes_manager.initialize())
            except (RedisError, RedisClusterException, OSError) as exc:
                log.info("Redis cluster slot map not refreshed: %s", exc)
                self._refresh_wanted = True
                continue
            self._adopt()
            # While a master that serves slots is down, ask again (once a
            # second): a replica promoted in its place is found without
            # waiting for a call to fail on it.
            if any(m.guard.status() == "down" for m in self._serving()):
                self._refresh_wanted = True

    def _adopt(self) -> None:
        """Take the slot map redis-py holds now: a client and a guard per master, each slot's owner."""
        owners: list[_Master | None] = [None] * REDIS_CLUSTER_HASH_SLOTS
        for slot, nodes in self._topology.nodes_manager.slots_cache.items():
            if nodes:
                owners[slot] = self._master(nodes[0])
        changed = [
            s
            for s in range(REDIS_CLUSTER_HASH_SLOTS)
            if self._owners and (self._owners[s] is not owners[s])
        ]
        if changed:
            log.info("Redis cluster slot map changed (%d slots moved)", len(changed))
        self._owners = owners

    def _master(self, node: ClusterNode) -> _Master:
        master = self._masters.get(node.name)
        if master is None:
            client = aioredis.Redis(host=node.host, port=int(node.port), **self._client_options)
            guard = ServerGuard(
                node.name,
                CircuitBreaker(self._breaker_failures, self._reset_s, self._clock),
                self._bound_s,
                self._counters,
                reset_s=self._reset_s,
                on_failure=self._want_refresh,
                on_refused=self._topology_changed,
            )
            master = _Master(node.name, client, guard)
            self._masters[node.name] = master
        return master


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
