"""The outbox, on each backend: durable, idempotent, ordered, leased."""

from __future__ import annotations

import asyncio

import pytest
from comptoir.sources.outbox import (
    IdempotencyConflict,
    LeaseLost,
    Outbox,
    UnknownDependency,
    WriteIdTaken,
    WriteStatus,
    request_hash,
)

from tests.cache.fakes import FakeClock
from tests.sources.outbox.conftest import OutboxPlace
from tests.sources.outbox.writes import hold_customer, hold_order

LEASE_S = 30.0


async def claim_ids(outbox: Outbox, owner: str = "A", **kwargs: object) -> list[str]:
    claimed = await outbox.claim_due(owner, lease_s=LEASE_S, **kwargs)  # type: ignore[arg-type]
    return [write.id for write in claimed]


async def test_an_enqueued_write_is_seen_by_another_handle_on_the_same_outbox(
    outbox: Outbox, place: OutboxPlace
) -> None:
    held = await hold_order(outbox, "k1")
    await outbox.close()

    reopened = await place.open()
    try:
        found = await reopened.get(held.id)
    finally:
        await reopened.close()

    assert found is not None
    assert found.status is WriteStatus.PENDING
    assert found.body == held.body
    assert found.idempotency_key == "k1"


async def test_the_same_key_held_at_once_by_several_handles_is_one_write(
    outbox: Outbox, place: OutboxPlace
) -> None:
    others = [await place.open() for _ in range(3)]
    try:
        held = await asyncio.gather(
            *(
                hold_order(handle, "k1", write_id=f"PENDING-{n}")
                for n, handle in enumerate([outbox, *others])
            )
        )
    finally:
        for handle in others:
            await handle.close()

    assert len({write.id for write in held}) == 1
    assert (await outbox.stats()).depth == 1


async def test_the_same_key_and_input_returns_the_write_already_held(outbox: Outbox) -> None:
    first = await hold_order(outbox, "k1", write_id="PENDING-1")
    again = await hold_order(outbox, "k1", write_id="PENDING-2")

    assert again.id == "PENDING-1"
    assert again.seq == first.seq
    assert await outbox.get("PENDING-2") is None
    assert (await outbox.stats()).depth == 1


async def test_the_same_key_with_another_input_is_a_conflict(outbox: Outbox) -> None:
    first = await hold_order(outbox, "k1", customer="CU-1")

    with pytest.raises(IdempotencyConflict) as raised:
        await hold_order(outbox, "k1", customer="CU-2", write_id="PENDING-2")

    assert raised.value.existing.id == first.id
    assert (await outbox.stats()).depth == 1


async def test_the_input_hash_given_by_the_caller_decides_sameness(outbox: Outbox) -> None:
    common = {"kind": "order", "source": "oms", "path": "/orders", "idempotency_key": "k"}
    await outbox.enqueue(write_id="P-1", body={"at": 1}, input_hash="caller-input", **common)

    again = await outbox.enqueue(
        write_id="P-2", body={"at": 2}, input_hash="caller-input", **common
    )

    assert again.id == "P-1"
    assert again.request_hash == "caller-input"


def test_request_hash_ignores_key_order() -> None:
    assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})
    assert request_hash({"a": 1}) != request_hash({"a": 2})


async def test_a_key_is_scoped_to_its_source_and_path(outbox: Outbox) -> None:
    order = await hold_order(outbox, "same-key")
    customer = await hold_customer(outbox, "same-key")

    assert order.id != customer.id
    assert await outbox.find_by_key("oms", "/orders", "same-key") == order
    assert await outbox.find_by_key("crm", "/customers", "same-key") == customer


async def test_a_taken_provisional_id_is_refused(outbox: Outbox) -> None:
    await hold_order(outbox, "k1", write_id="PENDING-1")

    with pytest.raises(WriteIdTaken):
        await hold_order(outbox, "k2", write_id="PENDING-1")


async def test_depends_on_must_name_a_held_write(outbox: Outbox) -> None:
    with pytest.raises(UnknownDependency):
        await hold_order(outbox, "k1", depends_on="PENDING-CU-nobody")


async def test_writes_are_claimed_in_the_order_they_were_held(outbox: Outbox) -> None:
    for n in range(5):
        await hold_order(outbox, f"k{n}", customer=f"CU-{n}")

    assert await claim_ids(outbox) == [f"PENDING-O-k{n}" for n in range(5)]


async def test_a_subjects_later_write_waits_for_its_earlier_one(outbox: Outbox) -> None:
    await hold_order(outbox, "first", customer="CU-1")
    await hold_order(outbox, "second", customer="CU-1")
    await hold_order(outbox, "other", customer="CU-2")

    assert await claim_ids(outbox, "A") == ["PENDING-O-first", "PENDING-O-other"]
    # Still held by A, the earlier write keeps B from the later one.
    assert await claim_ids(outbox, "B") == []

    await outbox.mark_delivered("PENDING-O-first", "A", result={"id": "O-1"}, remote_id="O-1")
    assert await claim_ids(outbox, "B") == ["PENDING-O-second"]


async def test_a_write_waits_for_its_parent_and_then_carries_the_parents_remote_id(
    outbox: Outbox,
) -> None:
    customer = await hold_customer(outbox, "new")
    order = await hold_order(outbox, "o1", customer=customer.id, depends_on=customer.id)

    assert await claim_ids(outbox) == [customer.id]
    await outbox.mark_delivered(customer.id, "A", result={"id": "CU-9"}, remote_id="CU-9")

    (claimed,) = await outbox.claim_due("A", lease_s=LEASE_S)
    assert claimed.id == order.id
    assert claimed.depends_on_remote_id == "CU-9"
    assert claimed.resolved_body()["customer_id"] == "CU-9"
    assert claimed.body["customer_id"] == customer.id


async def test_a_claimed_write_goes_to_no_one_else_until_its_lease_runs_out(
    outbox: Outbox, clock: FakeClock
) -> None:
    await hold_order(outbox, "k1")
    assert await claim_ids(outbox, "A") == ["PENDING-O-k1"]

    clock.advance(LEASE_S - 1)
    assert await claim_ids(outbox, "B") == []

    clock.advance(1)
    assert await claim_ids(outbox, "B") == ["PENDING-O-k1"]
    with pytest.raises(LeaseLost):
        await outbox.mark_retry("PENDING-O-k1", "A", error="late", next_attempt_at=clock())
    with pytest.raises(LeaseLost):
        await outbox.renew("PENDING-O-k1", "A", lease_s=LEASE_S)


async def test_a_renewed_lease_keeps_the_write(outbox: Outbox, clock: FakeClock) -> None:
    await hold_order(outbox, "k1")
    await claim_ids(outbox, "A")

    clock.advance(LEASE_S - 1)
    await outbox.renew("PENDING-O-k1", "A", lease_s=LEASE_S)
    clock.advance(LEASE_S - 1)

    assert await claim_ids(outbox, "B") == []


async def test_a_write_is_not_due_before_its_next_attempt(outbox: Outbox, clock: FakeClock) -> None:
    await hold_order(outbox, "k1")
    await claim_ids(outbox)
    retried = await outbox.mark_retry(
        "PENDING-O-k1", "A", error="503", next_attempt_at=clock() + 10
    )

    assert retried.attempts == 1
    assert retried.last_error == "503"
    assert retried.owner is None
    assert await outbox.next_wakeup() == clock() + 10
    assert await claim_ids(outbox) == []
    clock.advance(10)
    assert await claim_ids(outbox) == ["PENDING-O-k1"]


async def test_released_claims_are_claimable_again_without_an_attempt(outbox: Outbox) -> None:
    await hold_order(outbox, "k1", customer="CU-1")
    await hold_order(outbox, "k2", customer="CU-2")
    await claim_ids(outbox, "A")

    assert await outbox.release("A", ["PENDING-O-k2"]) == 1
    assert await claim_ids(outbox, "B") == ["PENDING-O-k2"]
    assert await outbox.release("A") == 1
    assert (await outbox.get("PENDING-O-k1")).attempts == 0  # type: ignore[union-attr]


async def test_a_refused_write_fails_with_its_dependents_and_retry_brings_them_back(
    outbox: Outbox,
) -> None:
    customer = await hold_customer(outbox, "taken")
    order = await hold_order(outbox, "o1", customer=customer.id, depends_on=customer.id)
    await claim_ids(outbox)

    failed = await outbox.mark_failed(
        customer.id, "A", error="409 email_taken", result={"error": "email_taken"}
    )

    assert failed.status is WriteStatus.FAILED
    assert failed.result == {"error": "email_taken"}
    orphan = await outbox.get(order.id)
    assert orphan is not None and orphan.status is WriteStatus.FAILED
    assert orphan.last_error == f"depends on failed write {customer.id}"
    assert await claim_ids(outbox) == []
    assert (await outbox.stats()).failed == 2

    assert await outbox.retry([customer.id]) == [customer.id, order.id]
    assert await claim_ids(outbox) == [customer.id]
    assert (await outbox.stats()).failed == 0


async def test_retry_of_all_failed_writes(outbox: Outbox) -> None:
    for key in ("a", "b"):
        await hold_order(outbox, key, customer=key)
    await claim_ids(outbox)
    for key in ("a", "b"):
        await outbox.mark_failed(f"PENDING-O-{key}", "A", error="422")

    assert await outbox.retry(all_failed=True) == ["PENDING-O-a", "PENDING-O-b"]
    assert (await outbox.stats()).depth == 2


async def test_retry_needs_ids_or_all_failed(outbox: Outbox) -> None:
    with pytest.raises(ValueError):
        await outbox.retry()
    with pytest.raises(ValueError):
        await outbox.retry(["x"], all_failed=True)


async def test_a_delivered_write_resolves_to_its_remote_id_and_keeps_its_first_result(
    outbox: Outbox,
) -> None:
    held = await hold_order(outbox, "k1")
    assert await outbox.resolve_remote_id(held.id) is None
    await claim_ids(outbox, "A")

    await outbox.mark_delivered(held.id, "A", result={"id": "O-1"}, remote_id="O-1")
    again = await outbox.mark_delivered(
        held.id, "B", result={"id": "O-1", "late": True}, remote_id="O-1"
    )

    assert again.result == {"id": "O-1"}
    assert again.attempts == 1
    assert await outbox.resolve_remote_id(held.id) == "O-1"
    by_remote = await outbox.by_remote_id("O-1")
    assert by_remote is not None and by_remote.id == held.id


async def test_a_failed_write_cannot_be_marked_delivered(outbox: Outbox) -> None:
    held = await hold_order(outbox, "k1")
    await claim_ids(outbox)
    await outbox.mark_failed(held.id, "A", error="422")

    with pytest.raises(LeaseLost):
        await outbox.mark_delivered(held.id, "A", result={}, remote_id=None)


async def test_stats_and_a_subjects_pending_writes(outbox: Outbox, clock: FakeClock) -> None:
    assert (await outbox.stats()).oldest_pending_age_s is None
    await hold_order(outbox, "a1", customer="CU-A")
    clock.advance(5)
    await hold_order(outbox, "a2", customer="CU-A")
    await hold_order(outbox, "b1", customer="CU-B")
    clock.advance(2)

    stats = await outbox.stats()
    assert (stats.depth, stats.failed, stats.oldest_pending_age_s) == (3, 0, 7.0)
    pending = await outbox.pending_for_subject("CU-A", kind="order")
    assert [write.id for write in pending] == ["PENDING-O-a1", "PENDING-O-a2"]
    assert await outbox.pending_for_subject("CU-A", kind="customer") == []
    assert [w.id for w in await outbox.list_writes(source="oms", limit=1)] == ["PENDING-O-a1"]


async def test_make_due_ends_the_backoff_of_one_source(outbox: Outbox, clock: FakeClock) -> None:
    order = await hold_order(outbox, "o1")
    customer = await hold_customer(outbox, "c1")
    await claim_ids(outbox)
    for write in (order, customer):
        await outbox.mark_retry(write.id, "A", error="503", next_attempt_at=clock() + 60)

    assert await outbox.make_due("oms") == 1
    assert await claim_ids(outbox) == [order.id]


async def test_purge_forgets_old_deliveries_but_not_a_pending_writes_parent(
    outbox: Outbox, clock: FakeClock
) -> None:
    customer = await hold_customer(outbox, "c1")
    lone = await hold_order(outbox, "lone", customer="CU-7")
    await hold_order(outbox, "o1", customer=customer.id, depends_on=customer.id)
    await claim_ids(outbox)
    for write in (customer, lone):
        await outbox.mark_delivered(write.id, "A", result={"id": "X"}, remote_id=f"R-{write.id}")
    clock.advance(100)

    assert await outbox.purge_delivered(older_than_s=50) == 1
    assert await outbox.get(lone.id) is None
    assert await outbox.get(customer.id) is not None


async def test_a_fresh_write_is_left_to_the_request_that_holds_it(
    outbox: Outbox, clock: FakeClock
) -> None:
    fresh = await hold_order(outbox, "fresh", customer="CU-1")

    assert await claim_ids(outbox, "round", fresh_s=2.0) == []
    claimed = await outbox.claim(fresh.id, "request", lease_s=LEASE_S)
    assert claimed is not None and claimed.owner == "request"
    await outbox.mark_retry(fresh.id, "request", error="503", next_attempt_at=clock())
    # Tried once: rounds take it whatever its age.
    assert await claim_ids(outbox, "round", fresh_s=2.0) == [fresh.id]


async def test_a_write_nobody_tried_is_taken_once_it_is_no_longer_fresh(
    outbox: Outbox, clock: FakeClock
) -> None:
    held = await hold_order(outbox, "orphan")

    clock.advance(1.9)
    assert await claim_ids(outbox, "round", fresh_s=2.0) == []
    clock.advance(0.1)
    assert await claim_ids(outbox, "round", fresh_s=2.0) == [held.id]
