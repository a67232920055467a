"""The Redis timeout is on its answer: a busy event loop that reads an answer late is no outage."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
from comptoir.cache.deadline import within
from comptoir.cache.entry import CacheEntry
from comptoir.cache.redis import RedisCache

from tests.cache.fakes import FakeClock
from tests.support.redis_server import RedisServer

E = CacheEntry({"id": 1}, 1_700_000_000.0, 60.0)


@pytest.fixture
def sockets() -> Iterator[tuple[socket.socket, socket.socket]]:
    """Two connected sockets: the client's end and the store's end."""
    client, store = socket.socketpair()
    yield client, store
    client.close()
    store.close()


def busy_loop(seconds: float) -> None:
    """Hold the event loop, as a burst of CPU-bound requests does."""
    time.sleep(seconds)


async def test_an_answer_in_before_the_deadline_is_used_when_the_loop_reads_it_late(
    sockets: tuple[socket.socket, socket.socket],
) -> None:
    client, store = sockets
    reader, writer = await asyncio.open_connection(sock=client)
    asked = asyncio.ensure_future(within(0.05, reader.readexactly(2)))
    await asyncio.sleep(0)  # the read is waiting
    store.send(b"ok")
    busy_loop(0.2)  # the deadline passes while the answer waits in the socket

    assert await asked == b"ok"
    writer.close()


async def test_a_busy_loop_extends_the_deadline(
    sockets: tuple[socket.socket, socket.socket],
) -> None:
    client, store = sockets
    reader, writer = await asyncio.open_connection(sock=client)
    hogging = True

    async def hog() -> None:
        while hogging:
            busy_loop(0.02)  # every loop turn takes 20 ms
            await asyncio.sleep(0)

    hog_task = asyncio.ensure_future(hog())
    asyncio.get_running_loop().call_later(0.08, store.send, b"ok")  # after the first deadline
    try:
        assert await within(0.05, reader.readexactly(2)) == b"ok"
    finally:
        hogging = False
        await hog_task
        writer.close()


async def test_no_answer_is_a_timeout_and_leaves_the_task_uncancelled(
    sockets: tuple[socket.socket, socket.socket],
) -> None:
    client, _ = sockets
    reader, writer = await asyncio.open_connection(sock=client)

    with pytest.raises(TimeoutError):
        await within(0.02, reader.readexactly(2))

    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0)  # no cancellation left pending
    writer.close()


async def test_a_cancellation_from_outside_stays_a_cancellation() -> None:
    started = asyncio.Event()

    async def wait_long() -> None:
        started.set()
        await asyncio.sleep(10)

    waiting = asyncio.ensure_future(within(5.0, wait_long()))
    await started.wait()
    waiting.cancel()

    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_redis_answering_while_the_loop_is_busy_is_not_counted_as_down(
    own_redis_server: RedisServer, clock: FakeClock
) -> None:
    rcache = RedisCache(own_redis_server.url, op_timeout_s=0.05, connect_timeout_s=1.0, clock=clock)
    try:
        await rcache.set_many({"k": E}, ttl_s=60)
        own_redis_server.pause()
        asked = asyncio.ensure_future(rcache.get_many(["k"]))
        await asyncio.sleep(0.01)  # the MGET is sent; the paused server holds it
        own_redis_server.resume()
        busy_loop(0.3)  # Redis answers at once; the loop reads it past the deadline

        assert await asked == [E]
        assert rcache.stats().errors == 0
        assert rcache.status() == "up"
    finally:
        own_redis_server.resume()
        await rcache.close()
