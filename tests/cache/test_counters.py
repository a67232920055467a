"""Window counters: all-or-nothing across buckets, shared through a real Redis by leases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis as redis_client
from comptoir.cache.counters import LEASE_SHARE, Bucket, LocalCounters, RedisCounters

from tests.support.redis_server import RedisServer


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A real redis-server of this test's own."""
    with RedisServer() as server:
        yield server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_nothing_is_taken_when_one_bucket_lacks_room() -> None:
    clock = Clock()
    counters = LocalCounters(clock)
    wide, narrow = Bucket("wide", 100), Bucket("narrow", 10)
    assert (await counters.spend([wide, narrow], 6, 60)).allowed
    refused = await counters.spend([wide, narrow], 6, 60)
    assert not refused.allowed and refused.retry_after_s == 60
    spent = await counters.spend([wide], 6, 60)
    assert spent.allowed and spent.remaining == 100 - 12  # the refusal took nothing from `wide`
    clock.now += 60
    assert (await counters.spend([wide, narrow], 10, 60)).allowed  # a new window


async def test_a_process_spends_its_lease_without_asking_redis(redis: RedisServer) -> None:
    counters = RedisCounters(redis.url)
    bucket = Bucket("comptoir:test:lease", 10_000)
    lease = 10_000 // LEASE_SHARE
    client = redis_client.Redis.from_url(redis.url)
    try:
        assert (await counters.spend([bucket], 10, 60)).allowed
        assert int(client.get(bucket.key) or 0) == lease
        for _ in range(lease // 10 - 1):
            assert (await counters.spend([bucket], 10, 60)).allowed
        assert int(client.get(bucket.key) or 0) == lease  # all spent locally
        assert (await counters.spend([bucket], 10, 60)).allowed
        assert int(client.get(bucket.key) or 0) == 2 * lease
        assert 0 < client.pttl(bucket.key) <= 60_000
    finally:
        client.close()
        await counters.close()


async def test_processes_sharing_redis_never_spend_more_than_the_limit(
    redis: RedisServer,
) -> None:
    processes = [RedisCounters(redis.url) for _ in range(3)]
    bucket = Bucket("comptoir:test:shared", 5_000)
    allowed = 0
    try:
        for i in range(2_000):
            spent = await processes[i % 3].spend([bucket], 7, 60)
            if spent.allowed:
                allowed += 1
            else:
                assert 0 < spent.retry_after_s <= 60
        # Never more than the limit; at most one lease per process left unspent.
        assert 5_000 - 3 * (5_000 // LEASE_SHARE) - 7 * 3 <= allowed * 7 <= 5_000
    finally:
        for process in processes:
            await process.close()


@pytest.mark.parametrize("kind", ["cluster", "sentinel"])
async def test_buckets_on_a_cluster_or_sentinel_allow_their_limit_and_no_more(
    kind: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"redis_{kind}").url
    counters = RedisCounters(url)
    # A channel's bucket and a shopper's share the channel's hash tag (one slot on a cluster).
    channel = Bucket(f"comptoir:limits:{{{kind}}}:channel", 1_000)
    shopper = Bucket(f"comptoir:limits:{{{kind}}}:shopper:CU-1", 500)
    try:
        allowed = 0
        while (await counters.spend([channel, shopper], 10, 60)).allowed:
            allowed += 1
            assert allowed <= 50, "the shopper's bucket allows 500 / 10 requests"
        assert allowed == 50
        assert not (await counters.spend([channel, shopper], 10, 60)).allowed
        assert (await counters.spend([channel], 10, 60)).allowed  # the channel has room left
    finally:
        await counters.close()
