"""What only the Redis backend does: its wire format, round trips, and sharing between processes."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from comptoir.cache.entry import CacheEntry
from comptoir.cache.factory import build_cache
from comptoir.cache.memory import MemoryCache
from comptoir.cache.redis import RedisCache
from comptoir.cache.tiered import TieredCache

from tests.cache.conftest import RELAXED_TIMEOUT_S
from tests.cache.fakes import FakeClock
from tests.support.redis_server import RedisServer

T0 = 1_700_000_000.0


def entry(value: object, max_age: float = 60.0) -> CacheEntry:
    return CacheEntry(value, T0, max_age)


def new_cache(server: RedisServer, clock: FakeClock) -> RedisCache:
    return RedisCache(
        server.url,
        clock=clock,
        op_timeout_s=RELAXED_TIMEOUT_S,
        connect_timeout_s=RELAXED_TIMEOUT_S,
    )


@pytest.fixture
async def rcache(
    redis_server: RedisServer, redis_raw: aioredis.Redis, clock: FakeClock
) -> AsyncIterator[RedisCache]:
    cache = new_cache(redis_server, clock)
    yield cache
    await cache.close()


async def test_stores_a_binary_header_then_compact_json(
    rcache: RedisCache, redis_raw: aioredis.Redis
) -> None:
    await rcache.set_many({"k": CacheEntry({"a": [1, "é"]}, T0 + 0.5, 300.0)}, ttl_s=60)

    raw = await redis_raw.get("k")

    assert raw is not None
    assert struct.unpack_from("<BddB", raw) == (1, T0 + 0.5, 300.0, 0)
    assert json.loads(raw[18:]) == {"a": [1, "é"]}
    assert b" " not in raw[18:]
    assert 59_000 < await redis_raw.pttl("k") <= 60_000


async def test_bytes_are_stored_as_they_are(rcache: RedisCache, redis_raw: aioredis.Redis) -> None:
    body = b'{"data":{"product":null}}'
    await rcache.set_many({"answer": CacheEntry(body, T0, 30.0)}, ttl_s=60)

    raw = await redis_raw.get("answer")

    assert raw is not None and raw.endswith(body) and len(raw) == 18 + len(body)
    assert await rcache.get_many(["answer"]) == [CacheEntry(body, T0, 30.0)]


async def test_each_operation_is_one_call_and_one_mget(
    rcache: RedisCache, redis_raw: aioredis.Redis
) -> None:
    keys = [f"k{i}" for i in range(1_000)]
    await redis_raw.config_resetstat()
    before = rcache.stats().calls

    await rcache.set_many({k: entry(k) for k in keys}, ttl_s=60, tags=dict.fromkeys(keys, "T"))
    await rcache.get_many(keys[:100])
    await rcache.invalidate(["T"])

    assert rcache.stats().calls - before == 3
    stats = await redis_raw.info("commandstats")
    assert stats["cmdstat_mget"]["calls"] == 1
    assert stats["cmdstat_set"]["calls"] == 1_000
    assert stats["cmdstat_sadd"]["calls"] == 1  # one per tag, not per key


async def test_a_tag_set_lives_as_long_as_its_longest_entry(
    rcache: RedisCache, redis_raw: aioredis.Redis
) -> None:
    await rcache.set_many({"a": entry(1)}, ttl_s=60, tags={"a": "T"})
    assert 59_000 < await redis_raw.pttl("T#tags") <= 60_000

    await rcache.set_many({"b": entry(2)}, ttl_s=120, tags={"b": "T"})
    assert 119_000 < await redis_raw.pttl("T#tags") <= 120_000

    await rcache.set_many({"c": entry(3)}, ttl_s=10, tags={"c": "T"})
    assert 119_000 < await redis_raw.pttl("T#tags") <= 120_000
    assert await redis_raw.smembers("T#tags") == {b"a", b"b", b"c"}


async def test_invalidate_removes_the_tag_set(
    rcache: RedisCache, redis_raw: aioredis.Redis
) -> None:
    await rcache.set_many({"a": entry(1)}, ttl_s=60, tags={"a": "T"})

    await rcache.invalidate(["T"])

    assert await redis_raw.exists("T#tags") == 0


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'"text"',
        b'{"v": 1}',
        b'{"v": 1, "t": "yesterday", "m": 60}',
        b'{"v": 1, "t": 1.0, "m": null}',
        b'{"t": 1.0, "m": 60}',
        struct.pack("<BddB", 2, T0, 60.0, 0) + b"1",  # a version this code does not know
        struct.pack("<BddB", 1, T0, 60.0, 7) + b"1",  # an unknown kind of payload
        struct.pack("<BddB", 1, T0, float("nan"), 0) + b"1",
        struct.pack("<BddB", 1, T0, 60.0, 0) + b"{not json",
        struct.pack("<Bd", 1, T0),  # a truncated header
    ],
)
async def test_a_malformed_payload_is_a_miss(
    rcache: RedisCache, redis_raw: aioredis.Redis, payload: bytes
) -> None:
    await rcache.set_many({"good": entry(1)}, ttl_s=60)
    await redis_raw.set("bad", payload)

    assert await rcache.get_many(["bad", "good"]) == [None, entry(1)]
    assert rcache.stats().malformed == 1
    assert rcache.status() == "up"


async def test_a_value_that_is_not_json_is_dropped_alone(rcache: RedisCache) -> None:
    await rcache.set_many({"bad": entry({1, 2}), "good": entry(1)}, ttl_s=60)

    assert await rcache.get_many(["bad", "good"]) == [None, entry(1)]
    assert rcache.stats().unencodable == 1


async def test_a_refused_command_is_no_outage(
    rcache: RedisCache, redis_raw: aioredis.Redis
) -> None:
    await redis_raw.set("T#tags", "not a set")  # SADD into it is refused

    await rcache.set_many({"a": entry(1)}, ttl_s=60, tags={"a": "T"})
    assert await rcache.invalidate(["T"]) == 0

    stats = rcache.stats()
    assert (stats.refused, stats.errors, stats.breaker_state) == (2, 0, "closed")
    assert rcache.status() == "up"
    assert await rcache.get_many(["a"]) == [entry(1)]  # the rest of the pipeline ran


async def test_locks_live_beside_entries(rcache: RedisCache, redis_raw: aioredis.Redis) -> None:
    assert await rcache.try_lock("k", ttl_s=30)

    assert await redis_raw.exists("k#lock") == 1
    assert 29_000 < await redis_raw.pttl("k#lock") <= 30_000


async def test_two_caches_on_one_server_share_entries_and_invalidations(
    rcache: RedisCache, redis_server: RedisServer, clock: FakeClock
) -> None:
    other = new_cache(redis_server, clock)
    try:
        await rcache.set_many({"cust:1": entry({"id": 1})}, ttl_s=60)
        await rcache.set_many({"page": entry([1])}, ttl_s=60, tags={"page": "cust:1"})
        assert await other.get_many(["cust:1", "page"]) == [entry({"id": 1}), entry([1])]

        assert await other.invalidate(["cust:1"]) == 2

        assert await rcache.get_many(["cust:1", "page"]) == [None, None]
    finally:
        await other.close()


async def test_a_lock_is_released_only_by_its_holder(
    rcache: RedisCache, redis_server: RedisServer, clock: FakeClock
) -> None:
    other = new_cache(redis_server, clock)
    try:
        assert await rcache.try_lock("revalidate:k", ttl_s=30)
        assert not await other.try_lock("revalidate:k", ttl_s=30)

        await other.release_lock("revalidate:k")
        assert not await other.try_lock("revalidate:k", ttl_s=30)

        await rcache.release_lock("revalidate:k")
        assert await other.try_lock("revalidate:k", ttl_s=30)
    finally:
        await other.close()


async def test_ping(rcache: RedisCache) -> None:
    assert await rcache.ping()


async def test_factory_puts_an_in_process_tier_in_front_of_redis(
    redis_server: RedisServer,
) -> None:
    cache = build_cache(redis_server.url, memory_max_entries=10, op_timeout_s=RELAXED_TIMEOUT_S)
    try:
        assert isinstance(cache, TieredCache)
        assert isinstance(cache.remote, RedisCache)
        assert cache.name == "redis"
        assert await cache.get_many(["absent"]) == [None]
    finally:
        await cache.close()


@pytest.mark.parametrize("url", [None, ""])
async def test_factory_picks_memory_without_a_url(url: str | None) -> None:
    cache = build_cache(url, memory_max_entries=10)

    assert isinstance(cache, MemoryCache)
    assert cache.stats().max_entries == 10


async def test_a_single_server_reports_its_mode_and_address(
    rcache: RedisCache, redis_server: RedisServer
) -> None:
    assert rcache.mode == "single"
    assert rcache.nodes() == {f"127.0.0.1:{redis_server.port}": "up"}
