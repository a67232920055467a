"""What only the Redis Cluster backend does: keys split by master, a lost master, the shared bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from comptoir.cache.entry import CacheEntry
from comptoir.cache.factory import build_cache
from comptoir.cache.redis_bus import CHANNEL, RedisBus
from comptoir.cache.redis_cluster import RedisClusterCache
from comptoir.cache.tiered import TieredCache

from tests.cache.conftest import RELAXED_TIMEOUT_S, flush_cluster
from tests.cache.fakes import FakeClock
from tests.support.redis_cluster import RedisCluster, node_of

RESET_S = 5.0
T0 = 1_700_000_000.0
KEYS = [f"comptoir:v1:pim:products:P-{i:05d}" for i in range(300)]


def entry(value: object) -> CacheEntry:
    return CacheEntry(value, T0, 60.0)


def new_cache(cluster: RedisCluster, clock: FakeClock) -> RedisClusterCache:
    return RedisClusterCache(
        cluster.url,
        op_timeout_s=RELAXED_TIMEOUT_S,
        connect_timeout_s=RELAXED_TIMEOUT_S,
        breaker_reset_s=RESET_S,
        clock=clock,
    )


@pytest.fixture
async def ccache(redis_cluster: RedisCluster, clock: FakeClock) -> AsyncIterator[RedisClusterCache]:
    await flush_cluster(redis_cluster)
    cache = new_cache(redis_cluster, clock)
    await cache.start()
    yield cache
    await cache.close()


@pytest.fixture
async def own_ccache(
    own_redis_cluster: RedisCluster, clock: FakeClock
) -> AsyncIterator[RedisClusterCache]:
    cache = new_cache(own_redis_cluster, clock)
    await cache.start()
    yield cache
    await cache.close()


def keys_on(cluster: RedisCluster, index: int, keys: list[str]) -> list[str]:
    node = cluster.nodes[index]
    return [key for key in keys if node_of(cluster, key) is node]


async def test_keys_spread_over_every_master_and_each_is_asked_once(
    ccache: RedisClusterCache, redis_cluster: RedisCluster
) -> None:
    await ccache.set_many({key: entry(i) for i, key in enumerate(KEYS)}, ttl_s=60)
    assert all(redis_cluster.keys_on(node) > 50 for node in redis_cluster.nodes)
    assert ccache.mode == "cluster"
    assert ccache.nodes() == {f"127.0.0.1:{n.port}": "up" for n in redis_cluster.nodes}

    before = ccache.stats().calls
    found = await ccache.get_many(KEYS)

    assert found == [entry(i) for i in range(len(KEYS))]
    assert ccache.stats().calls - before == 3, "one pipeline per master"


async def test_a_tag_set_finds_its_members_on_every_master(
    ccache: RedisClusterCache, redis_cluster: RedisCluster
) -> None:
    await ccache.set_many(
        {key: entry(i) for i, key in enumerate(KEYS)}, ttl_s=60, tags=dict.fromkeys(KEYS, "T")
    )
    await ccache.set_many({"T": entry("the tag's own entry")}, ttl_s=60)

    assert await ccache.invalidate(["T", "T"]) == len(KEYS) + 1

    assert await ccache.get_many([*KEYS, "T"]) == [None] * (len(KEYS) + 1)
    assert all(redis_cluster.keys_on(node) == 0 for node in redis_cluster.nodes)


async def test_a_lock_is_shared_and_released_by_its_holder_only(
    ccache: RedisClusterCache, redis_cluster: RedisCluster, clock: FakeClock
) -> None:
    other = new_cache(redis_cluster, clock)
    await other.start()
    try:
        names = [f"revalidate:{i}" for i in range(12)]  # on every master
        assert all([await ccache.try_lock(n, ttl_s=30) for n in names])
        assert not any([await other.try_lock(n, ttl_s=30) for n in names])

        for name in names:
            await other.release_lock(name)
        assert not any([await other.try_lock(n, ttl_s=30) for n in names])

        for name in names:
            await ccache.release_lock(name)
        assert all([await other.try_lock(n, ttl_s=30) for n in names])
    finally:
        await other.close()


async def test_a_lost_master_costs_its_keys_only_and_hits_again_once_back(
    own_ccache: RedisClusterCache, own_redis_cluster: RedisCluster, clock: FakeClock
) -> None:
    cluster = own_redis_cluster
    await own_ccache.set_many({key: entry(i) for i, key in enumerate(KEYS)}, ttl_s=60)
    lost = set(keys_on(cluster, 0, KEYS))
    lost_node = cluster.nodes[0]

    lost_node.kill()

    found = await own_ccache.get_many(KEYS)
    assert [k for k, e in zip(KEYS, found, strict=True) if e is None] == [
        k for k in KEYS if k in lost
    ]
    assert own_ccache.status() == "down"
    assert own_ccache.nodes()[f"127.0.0.1:{lost_node.port}"] == "down"
    assert list(own_ccache.nodes().values()).count("up") == 2
    fresh = {f"{key}:v2": entry("v2") for key in KEYS[:30]}
    await own_ccache.set_many(fresh, ttl_s=60)  # lands on the two masters left
    assert await own_ccache.invalidate(KEYS[:3]) >= 0

    lost_node.start()
    cluster.wait_ok()
    clock.advance(RESET_S)  # the breaker lets its probe through

    for _ in range(50):  # the first call after the reset is the probe
        await own_ccache.set_many({key: entry(i) for i, key in enumerate(KEYS)}, ttl_s=60)
        if own_ccache.status() == "up":
            break
        await asyncio.sleep(0.05)
    assert own_ccache.status() == "up"
    assert await own_ccache.get_many(KEYS) == [entry(i) for i in range(len(KEYS))]
    assert cluster.keys_on(lost_node) > 0


async def test_an_entry_is_not_kept_when_its_tag_could_not_be_recorded(
    own_ccache: RedisClusterCache, own_redis_cluster: RedisCluster
) -> None:
    cluster = own_redis_cluster
    tag = next(
        f"cust:{i}" for i in range(1000) if node_of(cluster, f"cust:{i}#tags") is cluster.nodes[0]
    )
    tagged, untagged = keys_on(cluster, 1, KEYS)[:2]

    cluster.nodes[0].kill()
    await own_ccache.set_many(
        {tagged: entry("page"), untagged: entry("item")}, ttl_s=60, tags={tagged: tag}
    )

    assert await own_ccache.get_many([tagged, untagged]) == [None, entry("item")]


async def test_invalidations_reach_every_process_through_the_loss_of_the_bus_master(
    own_redis_cluster: RedisCluster,
) -> None:
    cluster = own_redis_cluster
    caches = [
        build_cache(cluster.url, memory_max_entries=10, op_timeout_s=RELAXED_TIMEOUT_S)
        for _ in range(2)
    ]
    first, second = caches
    assert isinstance(first, TieredCache) and isinstance(second, TieredCache)
    try:
        for cache in caches:
            await cache.start()
            assert isinstance(cache.bus, RedisBus)
            assert await cache.bus.wait_subscribed(10)
        key = next(k for k in KEYS if node_of(cluster, k) is not node_of(cluster, CHANNEL))

        async def invalidation_reaches_second() -> bool:
            await first.set_many({key: entry(1)}, ttl_s=60)
            await first.writes.flushed()
            assert await second.get_many([key]) == [entry(1)]  # now in its in-process tier
            await first.invalidate([key])
            return second.get(key) is None

        assert await invalidation_reaches_second()

        bus_master = node_of(cluster, CHANNEL)
        bus_master.kill()
        # Each process hears its subscription drop, then subscribes on another master.
        for cache in caches:
            for _ in range(200):
                if not cache.bus.connected:  # type: ignore[attr-defined]
                    break
                await asyncio.sleep(0.01)
        for cache in caches:
            assert await cache.bus.wait_subscribed(10)  # type: ignore[attr-defined]
        assert await invalidation_reaches_second()
        assert await invalidation_reaches_second()

        bus_master.start()  # every process moves back to it
        cluster.wait_ok()
        client = aioredis.Redis(port=bus_master.port)
        try:
            for _ in range(300):
                if dict(await client.pubsub_numsub(CHANNEL)).get(CHANNEL.encode()) == 2:
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the processes did not move back to the channel's master")
        finally:
            await client.aclose()
        for cache in caches:
            assert await cache.bus.wait_subscribed(10)  # type: ignore[attr-defined]
        assert await invalidation_reaches_second()
    finally:
        for cache in caches:
            await cache.close()


async def test_plain_clients_see_what_the_cache_wrote(
    ccache: RedisClusterCache, redis_cluster: RedisCluster
) -> None:
    await ccache.set_many({KEYS[0]: entry(1)}, ttl_s=60, tags={KEYS[0]: "T"})
    node = node_of(redis_cluster, KEYS[0])
    client = aioredis.Redis(port=node.port)
    try:
        assert 59_000 < await client.pttl(KEYS[0]) <= 60_000
    finally:
        await client.aclose()
    tag_node = node_of(redis_cluster, "T#tags")
    client = aioredis.Redis(port=tag_node.port)
    try:
        assert await client.smembers("T#tags") == {KEYS[0].encode()}
    finally:
        await client.aclose()


async def test_a_cluster_unreachable_at_start_is_misses_then_found(
    own_redis_cluster: RedisCluster, clock: FakeClock
) -> None:
    for node in own_redis_cluster.nodes:
        node.kill()
    cache = new_cache(own_redis_cluster, clock)
    try:
        await cache.start()
        assert await cache.get_many(KEYS[:3]) == [None] * 3
        await cache.set_many({KEYS[0]: entry(1)}, ttl_s=60)
        assert not await cache.ping()
        assert cache.status() == "down"
        assert await cache.try_lock("revalidate:k", ttl_s=30)  # this process's own lock

        for node in own_redis_cluster.nodes:
            node.start()
        own_redis_cluster.wait_ok()
        clock.advance(RESET_S)

        for _ in range(200):  # the slot map is learnt in the background, then used
            if await cache.ping():
                break
            await asyncio.sleep(0.05)
        await cache.set_many({KEYS[0]: entry(1)}, ttl_s=60)
        assert await cache.get_many(KEYS[:2]) == [entry(1), None]
        assert cache.status() == "up"
    finally:
        await cache.close()


async def test_a_master_lost_is_replaced_by_its_replica_and_its_keys_hit_again(
    clock: FakeClock,
) -> None:
    with RedisCluster(replicas=1) as cluster:
        cache = new_cache(cluster, clock)
        await cache.start()
        try:
            await cache.set_many({key: entry(i) for i, key in enumerate(KEYS)}, ttl_s=60)
            master = node_of(cluster, KEYS[0])
            replica = cluster.replica_of(master)
            assert replica is not None
            client = aioredis.Redis(port=master.port)
            assert await client.execute_command("WAIT", 1, 10_000) == 1  # replicated
            await client.aclose()

            master.kill()

            for _ in range(300):  # misses for its keys until the replica takes its slots
                found = await cache.get_many(KEYS)
                if all(found):
                    break
                await asyncio.sleep(0.1)
            assert found == [entry(i) for i in range(len(KEYS))]
            assert cache.status() == "up"
            assert f"127.0.0.1:{replica.port}" in cache.nodes()
            assert f"127.0.0.1:{master.port}" not in cache.nodes()
        finally:
            await cache.close()
