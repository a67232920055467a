"""A Redis outage is a miss, never an error: drills against a real server that dies and returns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from comptoir.cache.entry import CacheEntry
from comptoir.cache.redis import RedisCache

from tests.cache.fakes import FakeClock
from tests.support.redis_server import RedisServer

RESET_S = 5.0
FAILURES = 3

E = CacheEntry({"id": 1}, 1_700_000_000.0, 60.0)


@pytest.fixture
async def rcache(own_redis_server: RedisServer, clock: FakeClock) -> AsyncIterator[RedisCache]:
    # A refused connection fails at once; the generous timeouts only keep a
    # loaded machine from failing calls that should succeed.
    cache = RedisCache(
        own_redis_server.url,
        op_timeout_s=1.0,
        connect_timeout_s=1.0,
        breaker_failures=FAILURES,
        breaker_reset_s=RESET_S,
        clock=clock,
    )
    yield cache
    await cache.close()


async def fail_until_open(cache: RedisCache) -> None:
    """Drive ``cache`` against a dead server until its breaker opens."""
    for _ in range(FAILURES):
        assert await cache.get_many(["k"]) == [None]
    assert cache.stats().breaker_state == "open"


async def let_loop_see_hangups() -> None:
    # The kernel has already closed the dead server's sockets; a loop
    # iteration or two lets the client's transports notice.
    await asyncio.sleep(0.05)


async def test_a_dead_server_answers_misses_and_drops_writes(
    rcache: RedisCache, own_redis_server: RedisServer
) -> None:
    await rcache.set_many({"k": E}, ttl_s=60)
    assert await rcache.get_many(["k"]) == [E]
    assert rcache.status() == "up"

    own_redis_server.kill()

    assert await rcache.get_many(["k", "j"]) == [None, None]
    assert rcache.status() == "down"
    await rcache.set_many({"k": E}, ttl_s=60, tags={"k": "T"})
    assert await rcache.invalidate(["k"]) == 0
    stats = rcache.stats()
    assert (stats.errors, stats.breaker_state, stats.breaker_opens) == (3, "open", 1)
    assert rcache.status() == "down"


async def test_an_open_breaker_sends_nothing_to_redis(
    rcache: RedisCache, own_redis_server: RedisServer
) -> None:
    own_redis_server.kill()
    await fail_until_open(rcache)
    before = rcache.stats()

    for _ in range(20):
        assert await rcache.get_many(["k"]) == [None]
        await rcache.set_many({"k": E}, ttl_s=60)
        assert await rcache.invalidate(["k"]) == 0
        assert await rcache.try_lock("lock", ttl_s=30)
        await rcache.release_lock("lock")
        assert not await rcache.ping()

    after = rcache.stats()
    assert after.calls == before.calls
    assert after.errors == before.errors
    # Releasing a lock taken while down is local too, so it is not skipped.
    assert after.skipped - before.skipped == 20 * 5
    assert rcache.status() == "down"


async def test_an_outage_is_logged_once_per_state_change(
    rcache: RedisCache,
    own_redis_server: RedisServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="comptoir.cache.redis")
    own_redis_server.kill()

    for _ in range(FAILURES + 20):
        await rcache.get_many(["k"])
    clock.advance(RESET_S)
    await rcache.get_many(["k"])  # a failed probe: the outage goes on, nothing new to say

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "unreachable" in warnings[0].getMessage()
    assert "skipped" in warnings[1].getMessage()


async def test_a_failed_probe_opens_the_breaker_for_another_window(
    rcache: RedisCache, own_redis_server: RedisServer, clock: FakeClock
) -> None:
    own_redis_server.kill()
    await fail_until_open(rcache)
    before = rcache.stats()

    clock.advance(RESET_S)
    assert await rcache.get_many(["k"]) == [None]  # the probe
    assert await rcache.get_many(["k"]) == [None]  # skipped again

    after = rcache.stats()
    assert after.calls - before.calls == 1
    assert after.errors - before.errors == 1
    assert after.skipped - before.skipped == 1
    assert after.breaker_state == "open"
    assert after.breaker_opens == 1


async def test_a_restarted_server_is_used_again_after_the_reset_window(
    rcache: RedisCache, own_redis_server: RedisServer, clock: FakeClock
) -> None:
    port = own_redis_server.port
    own_redis_server.kill()
    await fail_until_open(rcache)

    own_redis_server.start()
    assert own_redis_server.port == port
    assert await rcache.get_many(["k"]) == [None]  # still inside the window: skipped
    assert rcache.status() == "down"

    clock.advance(RESET_S)
    await rcache.set_many({"k": E}, ttl_s=60)  # the probe, and it succeeds

    assert rcache.status() == "up"
    assert rcache.stats().breaker_state == "closed"
    assert await rcache.get_many(["k"]) == [E]
    assert await rcache.invalidate(["k"]) == 1
    assert await rcache.ping()


async def test_ping_can_be_the_probe(
    rcache: RedisCache, own_redis_server: RedisServer, clock: FakeClock
) -> None:
    own_redis_server.kill()
    await fail_until_open(rcache)
    own_redis_server.start()

    assert not await rcache.ping()
    clock.advance(RESET_S)
    assert await rcache.ping()
    assert rcache.status() == "up"


async def test_a_restart_between_calls_costs_no_failed_call(
    rcache: RedisCache, own_redis_server: RedisServer
) -> None:
    # Several pooled connections, all of which die with the server.
    await asyncio.gather(*(rcache.set_many({f"k{i}": E}, ttl_s=60) for i in range(5)))

    own_redis_server.kill()
    own_redis_server.start()
    await let_loop_see_hangups()

    for _ in range(5):
        assert await rcache.get_many(["k0"]) == [None]  # the restarted server is empty
    await rcache.set_many({"k0": E}, ttl_s=60)
    assert await rcache.get_many(["k0"]) == [E]
    assert rcache.stats().errors == 0
    assert rcache.status() == "up"


async def test_a_dead_pooled_connection_fails_at_most_once(
    rcache: RedisCache, own_redis_server: RedisServer
) -> None:
    await asyncio.gather(*(rcache.set_many({f"k{i}": E}, ttl_s=60) for i in range(5)))

    # Restarted before the loop could see the hang-ups: the first call may
    # meet a dead connection, but no dead connection fails twice.
    own_redis_server.kill()
    own_redis_server.start()
    for _ in range(5):
        await rcache.get_many(["k0"])

    assert rcache.stats().errors <= 1
    assert rcache.stats().breaker_state == "closed"
    await rcache.set_many({"k0": E}, ttl_s=60)
    assert await rcache.get_many(["k0"]) == [E]
    assert rcache.status() == "up"


async def test_a_hung_server_costs_a_bounded_wait_then_recovers(
    own_redis_server: RedisServer, clock: FakeClock
) -> None:
    rcache = RedisCache(
        own_redis_server.url,
        op_timeout_s=0.05,
        connect_timeout_s=0.05,
        breaker_failures=FAILURES,
        breaker_reset_s=RESET_S,
        clock=clock,
    )
    try:
        await rcache.set_many({"k": E}, ttl_s=60)
        own_redis_server.pause()

        assert await rcache.get_many(["k"]) == [None]
        assert rcache.stats().errors == 1
        assert rcache.status() == "down"

        own_redis_server.resume()
        # The late answer to the timed-out MGET must not be read as the
        # answer to a later command: its connection was closed.
        assert await rcache.get_many(["k"]) == [E]
        assert await rcache.invalidate(["k"]) == 1
        assert rcache.status() == "up"
    finally:
        own_redis_server.resume()
        await rcache.close()


async def test_locks_fall_back_to_one_per_process_while_down(
    rcache: RedisCache, own_redis_server: RedisServer, clock: FakeClock
) -> None:
    own_redis_server.kill()

    assert await rcache.try_lock("revalidate:k", ttl_s=30)
    assert not await rcache.try_lock("revalidate:k", ttl_s=30)
    assert await rcache.try_lock("revalidate:j", ttl_s=30)

    # Redis is back, but this process still holds the lock it took without it.
    own_redis_server.start()
    clock.advance(RESET_S)
    assert await rcache.ping()
    assert not await rcache.try_lock("revalidate:k", ttl_s=30)

    await rcache.release_lock("revalidate:k")
    assert await rcache.try_lock("revalidate:k", ttl_s=30)  # now in Redis
    assert not await rcache.try_lock("revalidate:k", ttl_s=30)


async def test_a_process_lock_taken_while_down_expires(
    rcache: RedisCache, own_redis_server: RedisServer, clock: FakeClock
) -> None:
    own_redis_server.kill()
    assert await rcache.try_lock("revalidate:k", ttl_s=10)

    clock.advance(10)

    assert await rcache.try_lock("revalidate:k", ttl_s=10)
