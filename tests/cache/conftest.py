"""Fixtures for the cache suites: a real Redis, and every backend behind one ``cache`` fixture."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import redis.asyncio as aioredis
from comptoir.cache.backend import CacheBackend
from comptoir.cache.memory import MemoryCache
from comptoir.cache.redis import RedisCache
from comptoir.cache.redis_cluster import RedisClusterCache

from tests.cache.fakes import FakeClock
from tests.support.redis_cluster import RedisCluster
from tests.support.redis_sentinel import RedisSentinelSet
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


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """One 3-master Redis Cluster for the session; tests that kill a master use ``own_redis_cluster``."""
    try:
        cluster = RedisCluster()
    except RedisServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    with cluster:
        yield cluster


@pytest.fixture(scope="session")
def redis_sentinel() -> Iterator[RedisSentinelSet]:
    """A master, its replica and a Sentinel for the session (nothing is killed in it)."""
    try:
        servers = RedisSentinelSet()
    except RedisServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    with servers:
        yield servers


@pytest.fixture
def own_redis_cluster() -> Iterator[RedisCluster]:
    """A 3-master Redis Cluster of this test's own, whose masters may be killed and restarted."""
    try:
        cluster = RedisCluster()
    except RedisServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    with cluster:
        yield cluster


async def flush_cluster(cluster: RedisCluster) -> None:
    """Empty every master of ``cluster``."""
    for node in cluster.nodes:
        client = aioredis.Redis(port=node.port)
        await client.flushall()
        await client.aclose()


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


@pytest.fixture(params=["memory", "redis", "sentinel", "cluster"])
def backend_kind(request: pytest.FixtureRequest) -> str:
    """Which backend this run of a shared test exercises."""
    kind: str = request.param
    return kind


@pytest.fixture
async def cache(
    backend_kind: str, clock: FakeClock, request: pytest.FixtureRequest
) -> AsyncIterator[CacheBackend]:
    """A fresh backend of each kind (the Redis database, or every master, flushed first)."""
    backend: MemoryCache | RedisCache | RedisClusterCache
    if backend_kind == "memory":
        backend = MemoryCache(clock=clock)
    elif backend_kind == "cluster":
        cluster: RedisCluster = request.getfixturevalue("redis_cluster")
        await flush_cluster(cluster)
        backend = RedisClusterCache(
            cluster.url,
            clock=clock,
            op_timeout_s=RELAXED_TIMEOUT_S,
            connect_timeout_s=RELAXED_TIMEOUT_S,
        )
        await backend.start()
    else:
        if backend_kind == "sentinel":
            sentinel: RedisSentinelSet = request.getfixturevalue("redis_sentinel")
            url, master_port = sentinel.url, sentinel.master.port
        else:
            redis_server: RedisServer = request.getfixturevalue("redis_server")
            url, master_port = redis_server.url, redis_server.port
        flusher = aioredis.Redis(port=master_port)
        await flusher.flushdb()
        await flusher.aclose()
        backend = RedisCache(
            url,
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
