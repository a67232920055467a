"""Drills with real OS processes sharing one outbox (each backend) and a real HTTP source.

Two processes deliver the same outbox together; processes are killed with
SIGKILL after answering, after claiming, and after the source applied a
write but before its answer was recorded. Every write must reach the source
exactly once as far as the source can tell (a repeated POST under the same
Idempotency-Key is harmless by contract; a second application is not).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from comptoir.sources.outbox import OutboxWrite, WriteStatus

from tests.sources.outbox.conftest import OutboxPlace
from tests.sources.outbox.idempotent_source import IdempotentSource
from tests.sources.outbox.writes import hold_customer, hold_order

pytestmark = pytest.mark.slow

WORKER = Path(__file__).with_name("drill_worker.py")
# Bounds on waits that end within a second or two; never measures.
EXIT_PATIENCE_S = 25.0
# Short, so that the drills that wait out a dead process's lease stay quick.
SHORT_LEASE_S = 1.0


@pytest.fixture
def source() -> Iterator[IdempotentSource]:
    server = IdempotentSource(known_customers=("CU-EXISTING-1", "CU-EXISTING-2"))
    server.start()
    yield server
    server.stop()


def spawn(mode: str, place: OutboxPlace, *args: str) -> subprocess.Popen[str]:
    # This interpreter running the worker file next to this one: no outside input.
    return subprocess.Popen(  # noqa: S603
        [sys.executable, str(WORKER), mode, *place.argv(), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def expect_line(worker: subprocess.Popen[str], prefix: str) -> str:
    assert worker.stdout is not None
    line = worker.stdout.readline().strip()
    assert line.startswith(prefix), f"worker said {line!r}"
    return line


def kill(worker: subprocess.Popen[str]) -> None:
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(EXIT_PATIENCE_S) == -signal.SIGKILL


def deliver_all(place: OutboxPlace, url: str, owner: str = "after-crash") -> None:
    worker = spawn("deliver", place, owner, url, str(SHORT_LEASE_S))
    assert worker.wait(EXIT_PATIENCE_S) == 0


async def test_two_processes_deliver_every_write_once(
    place: OutboxPlace, source: IdempotentSource
) -> None:
    workers = [spawn("deliver", place, f"P{n}", source.url, "10", "--wait-go") for n in (1, 2)]
    for worker in workers:
        expect_line(worker, "ready")
    outbox = await place.open()
    try:
        keys = []
        for n in range(8):
            customer = await hold_customer(outbox, f"c{n}")
            keys.append(("/customers", f"c{n}"))
            for m in range(2):
                await hold_order(outbox, f"c{n}-o{m}", customer=customer.id, depends_on=customer.id)
                keys.append(("/orders", f"c{n}-o{m}"))
        for n in range(8):
            await hold_order(outbox, f"x{n}", customer=f"CU-EXISTING-{n % 2 + 1}")
            keys.append(("/orders", f"x{n}"))

        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            assert await asyncio.to_thread(worker.wait, EXIT_PATIENCE_S) == 0

        writes = await outbox.list_writes(limit=-1)
    finally:
        await outbox.close()

    assert source.applied == {key: 1 for key in keys}
    assert source.posts == source.applied
    assert (source.overlaps, source.conflicts) == (0, 0)
    assert all(write.status is WriteStatus.DELIVERED for write in writes)
    remote_customer = {w.id: w.remote_id for w in writes if w.kind == "customer"}
    for write in writes:
        if write.depends_on is not None:
            assert write.result["customer_id"] == remote_customer[write.depends_on]


async def read(place: OutboxPlace, write_id: str) -> OutboxWrite | None:
    outbox = await place.open()
    try:
        return await outbox.get(write_id)
    finally:
        await outbox.close()


async def test_a_write_answered_then_killed_is_delivered_once_by_the_next_process(
    place: OutboxPlace, source: IdempotentSource
) -> None:
    worker = spawn("enqueue", place, "PENDING-O-1", "k1", "CU-EXISTING-1")
    expect_line(worker, "enqueued PENDING-O-1")
    kill(worker)

    deliver_all(place, source.url)

    assert source.posts == {("/orders", "k1"): 1}
    assert source.applied == {("/orders", "k1"): 1}
    delivered = await read(place, "PENDING-O-1")
    assert delivered is not None and delivered.remote_id is not None


async def test_a_write_claimed_by_a_killed_process_is_delivered_once_after_its_lease(
    place: OutboxPlace, source: IdempotentSource
) -> None:
    outbox = await place.open()
    held = await hold_order(outbox, "k1", customer="CU-EXISTING-1")
    await outbox.close()
    worker = spawn("claim", place, "doomed", str(SHORT_LEASE_S))
    expect_line(worker, f"claimed {held.id}")
    kill(worker)
    claimed = await read(place, held.id)
    assert claimed is not None and claimed.owner == "doomed"

    deliver_all(place, source.url)

    assert source.posts == {("/orders", "k1"): 1}
    assert source.applied == {("/orders", "k1"): 1}


async def test_a_process_killed_after_the_source_applied_its_write_makes_no_second_order(
    place: OutboxPlace, source: IdempotentSource
) -> None:
    outbox = await place.open()
    held = await hold_order(outbox, "k1", customer="CU-EXISTING-1")
    await outbox.close()
    source.hold_key = "k1"
    # A longer lease than the others, so that the doomed process is still
    # waiting for the held answer (half the lease) when it is killed.
    worker = spawn("deliver", place, "doomed", source.url, "2")
    assert source.held.wait(EXIT_PATIENCE_S)
    kill(worker)
    source.release.set()
    source.hold_key = None

    deliver_all(place, source.url)

    assert source.posts == {("/orders", "k1"): 2}
    assert source.applied == {("/orders", "k1"): 1}
    delivered = await read(place, held.id)
    assert delivered is not None and delivered.status is WriteStatus.DELIVERED
    assert delivered.remote_id == "O-00001"
