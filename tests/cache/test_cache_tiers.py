"""The in-process tier in front of a real Redis: one read per key at a time, renewal, drops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from comptoir.cache.entry import CacheEntry
from comptoir.cache.memory import MemoryCache
from comptoir.cache.redis import RedisCache
from comptoir.cache.redis_bus import RedisBus
from comptoir.cache.tiered import RENEW_SHARE, TieredCache

from comptoir.metrics import REGISTRY
from tests.cache.conftest import RELAXED_TIMEOUT_S
from tests.cache.fakes import FakeClock
from tests.support.redis_server import RedisServer

LOCAL_TTL_S = 2.0


def _entry(value: object) -> CacheEntry:
    return CacheEntry(value, 1_700_000_000.0, 60.0)


def _redis(server: RedisServer) -> RedisCache:
    return RedisCache(
        server.url, op_timeout_s=RELAXED_TIMEOUT_S, connect_timeout_s=RELAXED_TIMEOUT_S
    )


async def _tiers(server: RedisServer, clock: FakeClock) -> TieredCache:
    cache = TieredCache(
        _redis(server),
        MemoryCache(max_entries=100, clock=clock),
        RedisBus(server.url),
        local_ttl_s=LOCAL_TTL_S,
    )
    await cache.start()
    return cache


async def _mgets(raw: aioredis.Redis) -> int:
    stats = await raw.info("commandstats")
    return int(stats.get("cmdstat_mget", {}).get("calls", 0))


def _renewed() -> float:
    """How many entries the in-process tiers of this process renewed (``/metrics``)."""
    value = REGISTRY.get_sample_value("comptoir_cache_tier_lookups_total", {"result": "renewed"})
    return value or 0.0


async def _comes_to_hold(cache: TieredCache, key: str, value: object) -> bool:
    """Whether the in-process tier holds ``value`` for ``key`` within 2 s."""
    for _ in range(200):
        held = cache.get(key)
        if held is not None and held.value == value:
            return True
        await asyncio.sleep(0.01)
    return False


@pytest.fixture
async def raw(own_redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(own_redis_server.url)
    yield client
    await client.aclose()


@pytest.fixture
async def writer(own_redis_server: RedisServer) -> AsyncIterator[RedisCache]:
    """Writes straight to Redis, as another process's write-behind does."""
    cache = _redis(own_redis_server)
    await cache.start()
    yield cache
    await cache.close()


async def test_requests_missing_the_same_keys_at_once_read_them_from_redis_once(
    own_redis_server: RedisServer, raw: aioredis.Redis, writer: RedisCache
) -> None:
    keys = [f"erp:prices:{n}" for n in range(40)]
    await writer.set_many({key: _entry(key) for key in keys}, 60)
    cache = await _tiers(own_redis_server, FakeClock())
    try:
        before = await _mgets(raw)
        answers = await asyncio.gather(
            *(cache.get_many(keys[start:]) for start in (0, 0, 10, 20, 0, 30))
        )

        assert [[e.value if e else None for e in found] for found in answers] == [
            keys[start:] for start in (0, 0, 10, 20, 0, 30)
        ]
        assert await _mgets(raw) - before == 1
        assert await cache.get_many(keys) == answers[0]  # now in-process
        assert await _mgets(raw) - before == 1
    finally:
        await cache.close()


async def test_an_entry_read_late_in_its_time_is_renewed_from_redis_before_it_expires(
    own_redis_server: RedisServer, raw: aioredis.Redis, writer: RedisCache
) -> None:
    clock = FakeClock()
    await writer.set_many({"pim:products:P1": _entry("first")}, 60)
    cache = await _tiers(own_redis_server, clock)
    try:
        assert [e.value for e in await cache.get_many(["pim:products:P1"]) if e] == ["first"]
        await writer.set_many({"pim:products:P1": _entry("second")}, 60)
        read = await _mgets(raw)

        clock.advance(LOCAL_TTL_S * (1 - RENEW_SHARE) - 0.1)  # not yet due: no read from Redis
        assert [e.value for e in await cache.get_many(["pim:products:P1"]) if e] == ["first"]
        await asyncio.sleep(0.05)
        assert await _mgets(raw) == read

        clock.advance(0.2)  # due: served as it is, renewed behind
        renewed = _renewed()
        assert [e.value for e in await cache.get_many(["pim:products:P1"]) if e] == ["first"]
        assert await _comes_to_hold(cache, "pim:products:P1", "second")
        assert await _mgets(raw) == read + 1
        assert _renewed() == renewed + 1

        # past the first read's time, not the renewal's, and not yet due again
        clock.advance(LOCAL_TTL_S * (1 - RENEW_SHARE) - 0.1)
        assert [e.value for e in await cache.get_many(["pim:products:P1"]) if e] == ["second"]

        await writer.set_many({"pim:products:P1": _entry("third")}, 60)
        clock.advance(0.2)  # due again: the answer path's lookup renews too
        first = cache.get("pim:products:P1")
        assert first is not None and first.value == "second"
        assert await _comes_to_hold(cache, "pim:products:P1", "third")
    finally:
        await cache.close()


async def test_a_drop_heard_while_redis_is_read_keeps_nothing_of_that_read_in_process(
    own_redis_server: RedisServer, writer: RedisCache
) -> None:
    await writer.set_many({"erp:stock:S1": _entry(5)}, 60)
    cache = await _tiers(own_redis_server, FakeClock())
    try:
        own_redis_server.pause()
        try:
            reading = asyncio.create_task(cache.get_many(["erp:stock:S1"]))
            await asyncio.sleep(0.1)  # the MGET is out, its answer held back
            # what the bus does when another process drops the key meanwhile
            cache._dropped_elsewhere(["erp:stock:S1"])
        finally:
            own_redis_server.resume()
        assert [e.value for e in await reading if e] == [5]  # read before the drop

        assert cache.get("erp:stock:S1") is None
    finally:
        await cache.close()


async def test_a_renewed_entry_keeps_its_tags_in_process(
    own_redis_server: RedisServer, writer: RedisCache
) -> None:
    clock = FakeClock()
    cache = await _tiers(own_redis_server, clock)
    try:
        entry = _entry({"page": 1})
        await cache.set_many({"answer:plp": entry}, 60, {"answer:plp": ("pim:products:P1",)})
        assert await cache.writes.flushed()
        await writer.set_many({"answer:plp": _entry({"page": 2})}, 60)  # another process's
        clock.advance(LOCAL_TTL_S * (1 - RENEW_SHARE) + 0.1)  # due
        assert cache.get("answer:plp") == entry
        assert await _comes_to_hold(cache, "answer:plp", {"page": 2})

        # Redis aside (down, or its tag set not yet written): the tier's own tags still drop it
        assert cache.local.drop(["pim:products:P1"]) == ["answer:plp"]
        assert cache.get("answer:plp") is None
    finally:
        await cache.close()
