"""Fixtures for the cache suites: a real Redis, and every backend behind one ``cache`` fixture."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import redis.asyncio as aioredis
from comptoir.cache.backend import CacheBackend
from comptoir.cache.memory import MemoryCache
from comptoir.cache.redis import RedisCache

from tests.cache.fakes import FakeClock
from tests.support.redis_server import RedisServer, RedisServerError

# The backend suite does not measure time: generous timeouts keep a loaded
# machine from turning a slow answer into a miss.
RELAXED_TIMEOUT_S = 2.0


def _new_server() -> RedisServer:
    try:
        return RedisServer()
    except RedisServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One Redis for the session; tests that kill a server use ``own_redis_server``."""
    with _new_server() as server:
        yield server


@pytest.fixture
def own_redis_server() -> Iterator[RedisServer]:
    """A Redis of this test's own, free to be killed, paused and restarted."""
    with _new_server() as server:
        yield server


@pytest.fixture
async def redis_raw(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """A plain client on the session Redis, whose database is emptied for this test."""
    client = aioredis.Redis.from_url(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    """The clock of the memory backend and of the Redis breaker."""
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
def backend_kind(request: pytest.FixtureRequest) -> str:
    """Which backend this run of a shared test exercises."""
    kind: str = request.param
    return kind


@pytest.fixture
async def cache(
    backend_kind: str, clock: FakeClock, redis_server: RedisServer
) -> AsyncIterator[CacheBackend]:
    """A fresh backend of each kind (the Redis database flushed first)."""
    backend: MemoryCache | RedisCache
    if backend_kind == "memory":
        backend = MemoryCache(clock=clock)
    else:
        flusher = aioredis.Redis.from_url(redis_server.url)
        await flusher.flushdb()
        await flusher.aclose()
        backend = RedisCache(
            redis_server.url,
            clock=clock,
            op_timeout_s=RELAXED_TIMEOUT_S,
            connect_timeout_s=RELAXED_TIMEOUT_S,
        )
    yield backend
    await backend.close()


@pytest.fixture
def advance(backend_kind: str, clock: FakeClock) -> Callable[[float], Awaitable[None]]:
    """Let ``seconds`` pass for the backend's expiries: the fake clock, or real time for Redis."""

    async def advance(seconds: float) -> None:
        if backend_kind == "memory":
            clock.advance(seconds)
        else:
            # Redis expires on its own clock; the fake one still moves for the breaker.
            clock.advance(seconds)
            await asyncio.sleep(seconds)

    return advance
