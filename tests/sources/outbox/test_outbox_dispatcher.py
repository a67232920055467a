"""The dispatcher on each backend: order, backoff, refusals, dependencies, a loop that lives on."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter, defaultdict

import pytest
from comptoir.sources.outbox import (
    Delivered,
    DeliveryOutcome,
    Outbox,
    OutboxDispatcher,
    OutboxWrite,
    Rejected,
    WriteStatus,
)

from tests.cache.fakes import FakeClock
from tests.sources.outbox.conftest import OutboxPlace
from tests.sources.outbox.sources_double import SwitchableSources
from tests.sources.outbox.writes import hold_customer, hold_order

# Bounds a wait that should end within milliseconds; never a measure.
PATIENCE_S = 10.0


@pytest.fixture
def sources() -> SwitchableSources:
    return SwitchableSources()


async def status_of(outbox: Outbox, write_id: str) -> WriteStatus:
    write = await outbox.get(write_id)
    assert write is not None
    return write.status


async def test_writes_reach_their_source_in_the_order_they_were_held(
    outbox: Outbox, sources: SwitchableSources
) -> None:
    held = [(await hold_order(outbox, f"k{n}", customer=f"CU-{n % 2}")).id for n in range(4)]
    dispatcher = OutboxDispatcher(outbox, sources, owner="A")

    while (await dispatcher.run_once()).claimed:
        pass

    assert sources.sent_ids == held
    assert [await status_of(outbox, write_id) for write_id in held] == [WriteStatus.DELIVERED] * 4
    assert await outbox.resolve_remote_id(held[0]) == f"R-{held[0]}"


async def test_an_unavailable_source_holds_back_its_later_writes_and_others_go_on(
    outbox: Outbox, sources: SwitchableSources, clock: FakeClock
) -> None:
    orders = [(await hold_order(outbox, f"k{n}", customer=f"CU-{n}")).id for n in range(3)]
    customer = (await hold_customer(outbox, "c1")).id
    sources.down.add("oms")
    dispatcher = OutboxDispatcher(outbox, sources, owner="A", base_backoff_s=1, jitter=False)

    report = await dispatcher.run_once()

    assert (report.retried, report.released, report.delivered) == (1, 2, 1)
    # Sources run side by side: which one answered first is not part of the contract.
    assert sorted(sources.sent_ids) == sorted([orders[0], customer])
    held = [await outbox.get(write_id) for write_id in orders]
    assert [write.owner for write in held if write is not None] == [None] * 3
    # Until the backoff of its first write ends, the source gets nothing more.
    assert (await dispatcher.run_once()).claimed == 0

    sources.down.clear()
    clock.advance(1)
    while (await dispatcher.run_once()).claimed:
        pass
    assert sources.sent_ids[2:] == orders


async def test_backoff_doubles_from_its_base_up_to_its_ceiling(
    outbox: Outbox, sources: SwitchableSources, clock: FakeClock
) -> None:
    held = await hold_order(outbox, "k1")
    sources.down.add("oms")
    dispatcher = OutboxDispatcher(
        outbox, sources, owner="A", base_backoff_s=0.5, max_backoff_s=4, jitter=False
    )

    waits = []
    for _ in range(6):
        await dispatcher.run_once()
        write = await outbox.get(held.id)
        assert write is not None
        waits.append(write.next_attempt_at - clock())
        clock.advance(waits[-1])

    assert waits == [0.5, 1, 2, 4, 4, 4]
    assert (await outbox.get(held.id)).attempts == 6  # type: ignore[union-attr]


async def test_jittered_backoff_stays_between_zero_and_the_ceiling(
    outbox: Outbox, sources: SwitchableSources, clock: FakeClock
) -> None:
    held = await hold_order(outbox, "k1")
    sources.down.add("oms")
    dispatcher = OutboxDispatcher(
        outbox,
        sources,
        owner="A",
        base_backoff_s=0.5,
        max_backoff_s=4,
        rand=random.Random(7).random,
    )

    waits, ceilings = [], [0.5, 1, 2, 4, 4, 4, 4, 4]
    for _ in ceilings:
        await dispatcher.run_once()
        write = await outbox.get(held.id)
        assert write is not None
        waits.append(write.next_attempt_at - clock())
        clock.advance(waits[-1])

    assert all(0 <= wait <= ceiling for wait, ceiling in zip(waits, ceilings, strict=True))
    assert waits != ceilings
    assert len(set(waits)) == len(waits)


async def test_a_refused_write_is_kept_failed_and_not_retried_until_an_operator_says_so(
    outbox: Outbox, sources: SwitchableSources, clock: FakeClock
) -> None:
    held = (await hold_order(outbox, "k1", customer="CU-unknown")).id
    sources.refused[held] = Rejected(422, "unknown_customer", {"error": "unknown_customer"})
    dispatcher = OutboxDispatcher(outbox, sources, owner="A")

    assert (await dispatcher.run_once()).rejected == 1
    clock.advance(3600)
    assert (await dispatcher.run_once()).claimed == 0

    failed = await outbox.list_writes(status=WriteStatus.FAILED)
    assert [write.id for write in failed] == [held]
    assert failed[0].last_error == "422 unknown_customer"
    assert failed[0].result == {"error": "unknown_customer"}
    assert sources.sent_ids == [held]

    del sources.refused[held]
    await outbox.retry([held])
    assert (await dispatcher.run_once()).delivered == 1
    assert sources.sent_ids == [held, held]


async def test_an_order_of_a_pending_customer_is_sent_with_the_customers_new_id(
    outbox: Outbox, sources: SwitchableSources
) -> None:
    customer = (await hold_customer(outbox, "new")).id
    order = (await hold_order(outbox, "o1", customer=customer, depends_on=customer)).id
    dispatcher = OutboxDispatcher(outbox, sources, owner="A")

    first = await dispatcher.run_once()
    second = await dispatcher.run_once()

    assert (first.delivered, second.delivered) == (1, 1)
    assert sources.sent == [
        (customer, (await outbox.get(customer)).body),  # type: ignore[union-attr]
        (order, {"customer_id": f"R-{customer}", "lines": [{"sku": "V-1", "quantity": 1}]}),
    ]


async def test_waking_a_source_that_is_back_ends_its_backoff(
    outbox: Outbox, sources: SwitchableSources
) -> None:
    held = (await hold_order(outbox, "k1")).id
    sources.down.add("oms")
    dispatcher = OutboxDispatcher(outbox, sources, owner="A", base_backoff_s=60, jitter=False)
    await dispatcher.run_once()
    sources.down.clear()
    assert (await dispatcher.run_once()).claimed == 0

    dispatcher.wake("oms")

    assert (await dispatcher.run_once()).delivered == 1
    assert await status_of(outbox, held) is WriteStatus.DELIVERED


async def test_a_delivery_past_its_time_budget_is_abandoned_as_unavailable(
    outbox: Outbox,
) -> None:
    held = (await hold_order(outbox, "k1")).id

    async def hangs(write: OutboxWrite) -> DeliveryOutcome:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    dispatcher = OutboxDispatcher(outbox, hangs, owner="A", lease_s=1, deliver_timeout_s=0.05)

    assert (await dispatcher.run_once()).retried == 1
    write = await outbox.get(held)
    assert write is not None and write.status is WriteStatus.PENDING
    assert write.last_error is not None and write.last_error.startswith("TimeoutError")


def test_the_delivery_budget_must_fit_in_the_lease(outbox: Outbox) -> None:
    with pytest.raises(ValueError):
        OutboxDispatcher(outbox, SwitchableSources(), owner="A", lease_s=1, deliver_timeout_s=1)


async def test_an_exception_from_deliver_is_logged_and_retried_and_the_loop_lives_on(
    live_outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    held = (await hold_order(live_outbox, "k1")).id
    calls = 0

    async def flaky(write: OutboxWrite) -> DeliveryOutcome:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError("peer went away")
        return Delivered({"id": "O-1"}, "O-1")

    dispatcher = OutboxDispatcher(live_outbox, flaky, owner="A", base_backoff_s=0.01, poll_s=0.05)
    dispatcher.start()
    try:
        async with asyncio.timeout(PATIENCE_S):
            await dispatcher.drain()
    finally:
        await dispatcher.stop()

    write = await live_outbox.get(held)
    assert write is not None and write.status is WriteStatus.DELIVERED
    assert (calls, write.attempts, write.last_error) == (
        2,
        2,
        "ConnectionResetError: peer went away",
    )
    assert any(
        held in record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR
    )


async def test_drain_returns_once_every_write_is_delivered(
    live_outbox: Outbox, sources: SwitchableSources
) -> None:
    dispatcher = OutboxDispatcher(live_outbox, sources, owner="A", poll_s=0.05)
    dispatcher.start()
    held = [(await hold_order(live_outbox, f"k{n}", customer=f"CU-{n % 3}")).id for n in range(12)]
    dispatcher.wake()
    try:
        async with asyncio.timeout(PATIENCE_S):
            await dispatcher.drain()
    finally:
        await dispatcher.stop()

    assert sorted(sources.sent_ids) == sorted(held)
    assert (await live_outbox.stats()).depth == 0


async def test_stop_finishes_the_delivery_under_way_and_gives_back_the_other_claims(
    live_outbox: Outbox,
) -> None:
    held = [(await hold_order(live_outbox, f"k{n}", customer=f"CU-{n}")).id for n in range(3)]
    started, finish = asyncio.Event(), asyncio.Event()

    async def slow(write: OutboxWrite) -> DeliveryOutcome:
        started.set()
        await finish.wait()
        return Delivered({"id": "O-1"}, "O-1")

    dispatcher = OutboxDispatcher(live_outbox, slow, owner="A")
    dispatcher.start()
    async with asyncio.timeout(PATIENCE_S):
        await started.wait()
        stopping = asyncio.create_task(dispatcher.stop())
        await asyncio.sleep(0)
        finish.set()
        await stopping

    assert await status_of(live_outbox, held[0]) is WriteStatus.DELIVERED
    rest = [await live_outbox.get(write_id) for write_id in held[1:]]
    assert all(w is not None and w.owner is None and w.attempts == 0 for w in rest)


async def test_two_dispatchers_on_one_outbox_never_deliver_the_same_write_at_once(
    place: OutboxPlace,
) -> None:
    first, second = await place.open(), await place.open()
    held = [await hold_order(first, f"k{n}", customer=f"CU-{n % 5}") for n in range(30)]
    seq_of = {write.id: write.seq for write in held}
    in_flight: set[str] = set()
    overlaps, sent = 0, Counter[str]()
    order_by_subject: dict[str, list[int]] = defaultdict(list)

    async def deliver(write: OutboxWrite) -> DeliveryOutcome:
        nonlocal overlaps
        overlaps += write.id in in_flight
        in_flight.add(write.id)
        sent[write.id] += 1
        order_by_subject[write.subject or ""].append(write.seq)
        await asyncio.sleep(0.001)
        in_flight.discard(write.id)
        return Delivered({"id": f"R-{write.id}"}, f"R-{write.id}")

    dispatchers = [
        OutboxDispatcher(handle, deliver, owner=owner, batch_size=3, poll_s=0.01)
        for handle, owner in ((first, "A"), (second, "B"))
    ]
    for dispatcher in dispatchers:
        dispatcher.start()
    try:
        async with asyncio.timeout(PATIENCE_S):
            await asyncio.gather(*(dispatcher.drain() for dispatcher in dispatchers))
    finally:
        for dispatcher in dispatchers:
            await dispatcher.stop()
        await first.close()
        await second.close()

    assert overlaps == 0
    assert sent == Counter(seq_of.keys())
    assert all(seqs == sorted(seqs) for seqs in order_by_subject.values())


async def test_a_round_leaves_a_fresh_write_to_the_request_that_delivers_it_at_once(
    outbox: Outbox, sources: SwitchableSources
) -> None:
    dispatcher = OutboxDispatcher(outbox, sources, owner="A", fresh_s=2.0)
    held = await hold_order(outbox, "k1")

    assert (await dispatcher.run_once()).claimed == 0
    write, outcome = await dispatcher.deliver_now(held.id)

    assert isinstance(outcome, Delivered)
    assert write is not None and write.status is WriteStatus.DELIVERED
    assert sources.sent_ids == [held.id]
