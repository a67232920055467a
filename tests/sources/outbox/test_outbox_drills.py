"""Drills with real OS processes on one SQLite file and a real HTTP source.

Two processes deliver the same outbox together; processes are killed with
SIGKILL after answering, after claiming, and after the source applied a
write but before its answer was recorded. Every write must reach the source
exactly once as far as the source can tell (a repeated POST under the same
Idempotency-Key is harmless by contract; a second application is not).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from comptoir.sources.outbox import OutboxStore, WriteStatus

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


def spawn(*args: str) -> subprocess.Popen[str]:
    # This interpreter running the worker file next to this one: no outside input.
    return subprocess.Popen(  # noqa: S603
        [sys.executable, str(WORKER), *args],
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


def deliver_all(db: Path, url: str, owner: str = "after-crash") -> None:
    worker = spawn("deliver", str(db), owner, url, str(SHORT_LEASE_S))
    assert worker.wait(EXIT_PATIENCE_S) == 0


def test_two_processes_deliver_every_write_once(db_path: Path, source: IdempotentSource) -> None:
    workers = [
        spawn("deliver", str(db_path), f"P{n}", source.url, "10", "--wait-go") for n in (1, 2)
    ]
    for worker in workers:
        expect_line(worker, "ready")
    with OutboxStore(db_path) as store:
        keys = []
        for n in range(8):
            customer = hold_customer(store, f"c{n}")
            keys.append(("/customers", f"c{n}"))
            for m in range(2):
                hold_order(store, f"c{n}-o{m}", customer=customer.id, depends_on=customer.id)
                keys.append(("/orders", f"c{n}-o{m}"))
        for n in range(8):
            hold_order(store, f"x{n}", customer=f"CU-EXISTING-{n % 2 + 1}")
            keys.append(("/orders", f"x{n}"))

        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            assert worker.wait(EXIT_PATIENCE_S) == 0

        writes = store.list_writes(limit=-1)

    assert source.applied == {key: 1 for key in keys}
    assert source.posts == source.applied
    assert (source.overlaps, source.conflicts) == (0, 0)
    assert all(write.status is WriteStatus.DELIVERED for write in writes)
    remote_customer = {w.id: w.remote_id for w in writes if w.kind == "customer"}
    for write in writes:
        if write.depends_on is not None:
            assert write.result["customer_id"] == remote_customer[write.depends_on]


def test_a_write_answered_then_killed_is_delivered_once_by_the_next_process(
    db_path: Path, source: IdempotentSource
) -> None:
    worker = spawn("enqueue", str(db_path), "PENDING-O-1", "k1", "CU-EXISTING-1")
    expect_line(worker, "enqueued PENDING-O-1")
    kill(worker)

    deliver_all(db_path, source.url)

    assert source.posts == {("/orders", "k1"): 1}
    assert source.applied == {("/orders", "k1"): 1}
    with OutboxStore(db_path) as store:
        assert store.resolve_remote_id("PENDING-O-1") is not None


def test_a_write_claimed_by_a_killed_process_is_delivered_once_after_its_lease(
    db_path: Path, source: IdempotentSource
) -> None:
    with OutboxStore(db_path) as store:
        held = hold_order(store, "k1", customer="CU-EXISTING-1")
    worker = spawn("claim", str(db_path), "doomed", str(SHORT_LEASE_S))
    expect_line(worker, f"claimed {held.id}")
    kill(worker)
    with OutboxStore(db_path) as store:
        claimed = store.get(held.id)
        assert claimed is not None and claimed.owner == "doomed"

    deliver_all(db_path, source.url)

    assert source.posts == {("/orders", "k1"): 1}
    assert source.applied == {("/orders", "k1"): 1}


def test_a_process_killed_after_the_source_applied_its_write_makes_no_second_order(
    db_path: Path, source: IdempotentSource
) -> None:
    with OutboxStore(db_path) as store:
        held = hold_order(store, "k1", customer="CU-EXISTING-1")
    source.hold_key = "k1"
    # A longer lease than the others, so that the doomed process is still
    # waiting for the held answer (half the lease) when it is killed.
    worker = spawn("deliver", str(db_path), "doomed", source.url, "2")
    assert source.held.wait(EXIT_PATIENCE_S)
    kill(worker)
    source.release.set()
    source.hold_key = None

    deliver_all(db_path, source.url)

    assert source.posts == {("/orders", "k1"): 2}
    assert source.applied == {("/orders", "k1"): 1}
    with OutboxStore(db_path) as store:
        delivered = store.get(held.id)
    assert delivered is not None and delivered.status is WriteStatus.DELIVERED
    assert delivered.remote_id == "O-00001"
