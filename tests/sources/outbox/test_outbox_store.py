"""The outbox store: durable, idempotent, ordered, leased."""

from __future__ import annotations

from pathlib import Path

import pytest
from comptoir.sources.outbox import (
    IdempotencyConflict,
    LeaseLost,
    OutboxStore,
    UnknownDependency,
    WriteIdTaken,
    WriteStatus,
    request_hash,
)

from tests.cache.fakes import FakeClock
from tests.sources.outbox.writes import hold_customer, hold_order

LEASE_S = 30.0


def claim_ids(store: OutboxStore, owner: str = "A", **kwargs: object) -> list[str]:
    return [write.id for write in store.claim_due(owner, lease_s=LEASE_S, **kwargs)]  # type: ignore[arg-type]


def test_an_enqueued_write_is_seen_by_a_new_store_on_the_same_file(
    store: OutboxStore, db_path: Path
) -> None:
    held = hold_order(store, "k1")
    store.close()

    with OutboxStore(db_path) as reopened:
        found = reopened.get(held.id)

    assert found is not None
    assert found.status is WriteStatus.PENDING
    assert found.body == held.body
    assert found.idempotency_key == "k1"


def test_the_same_key_and_input_returns_the_write_already_held(store: OutboxStore) -> None:
    first = hold_order(store, "k1", write_id="PENDING-1")
    again = hold_order(store, "k1", write_id="PENDING-2")

    assert again.id == "PENDING-1"
    assert again.seq == first.seq
    assert store.get("PENDING-2") is None
    assert store.stats().depth == 1


def test_the_same_key_with_another_input_is_a_conflict(store: OutboxStore) -> None:
    first = hold_order(store, "k1", customer="CU-1")

    with pytest.raises(IdempotencyConflict) as raised:
        hold_order(store, "k1", customer="CU-2", write_id="PENDING-2")

    assert raised.value.existing.id == first.id
    assert store.stats().depth == 1


def test_the_input_hash_given_by_the_caller_decides_sameness(store: OutboxStore) -> None:
    common = {"kind": "order", "source": "oms", "path": "/orders", "idempotency_key": "k"}
    store.enqueue(write_id="P-1", body={"at": 1}, input_hash="caller-input", **common)

    again = store.enqueue(write_id="P-2", body={"at": 2}, input_hash="caller-input", **common)

    assert again.id == "P-1"
    assert again.request_hash == "caller-input"


def test_request_hash_ignores_key_order() -> None:
    assert request_hash({"a": 1, "b": [1, 2]}) == request_hash({"b": [1, 2], "a": 1})
    assert request_hash({"a": 1}) != request_hash({"a": 2})


def test_a_key_is_scoped_to_its_source_and_path(store: OutboxStore) -> None:
    order = hold_order(store, "same-key")
    customer = hold_customer(store, "same-key")

    assert order.id != customer.id
    assert store.find_by_key("oms", "/orders", "same-key") == order
    assert store.find_by_key("crm", "/customers", "same-key") == customer


def test_a_taken_provisional_id_is_refused(store: OutboxStore) -> None:
    hold_order(store, "k1", write_id="PENDING-1")

    with pytest.raises(WriteIdTaken):
        hold_order(store, "k2", write_id="PENDING-1")


def test_depends_on_must_name_a_held_write(store: OutboxStore) -> None:
    with pytest.raises(UnknownDependency):
        hold_order(store, "k1", depends_on="PENDING-CU-nobody")


def test_writes_are_claimed_in_the_order_they_were_held(store: OutboxStore) -> None:
    for n in range(5):
        hold_order(store, f"k{n}", customer=f"CU-{n}")

    assert claim_ids(store) == [f"PENDING-O-k{n}" for n in range(5)]


def test_a_subjects_later_write_waits_for_its_earlier_one(store: OutboxStore) -> None:
    hold_order(store, "first", customer="CU-1")
    hold_order(store, "second", customer="CU-1")
    hold_order(store, "other", customer="CU-2")

    assert claim_ids(store, "A") == ["PENDING-O-first", "PENDING-O-other"]
    # Still held by A, the earlier write keeps B from the later one.
    assert claim_ids(store, "B") == []

    store.mark_delivered("PENDING-O-first", "A", result={"id": "O-1"}, remote_id="O-1")
    assert claim_ids(store, "B") == ["PENDING-O-second"]


def test_a_write_waits_for_its_parent_and_then_carries_the_parents_remote_id(
    store: OutboxStore,
) -> None:
    customer = hold_customer(store, "new")
    order = hold_order(store, "o1", customer=customer.id, depends_on=customer.id)

    assert claim_ids(store) == [customer.id]
    store.mark_delivered(customer.id, "A", result={"id": "CU-9"}, remote_id="CU-9")

    (claimed,) = store.claim_due("A", lease_s=LEASE_S)
    assert claimed.id == order.id
    assert claimed.depends_on_remote_id == "CU-9"
    assert claimed.resolved_body()["customer_id"] == "CU-9"
    assert claimed.body["customer_id"] == customer.id


def test_a_claimed_write_goes_to_no_one_else_until_its_lease_runs_out(
    store: OutboxStore, clock: FakeClock
) -> None:
    hold_order(store, "k1")
    assert claim_ids(store, "A") == ["PENDING-O-k1"]

    clock.advance(LEASE_S - 1)
    assert claim_ids(store, "B") == []

    clock.advance(1)
    assert claim_ids(store, "B") == ["PENDING-O-k1"]
    with pytest.raises(LeaseLost):
        store.mark_retry("PENDING-O-k1", "A", error="late", next_attempt_at=clock())
    with pytest.raises(LeaseLost):
        store.renew("PENDING-O-k1", "A", lease_s=LEASE_S)


def test_a_renewed_lease_keeps_the_write(store: OutboxStore, clock: FakeClock) -> None:
    hold_order(store, "k1")
    claim_ids(store, "A")

    clock.advance(LEASE_S - 1)
    store.renew("PENDING-O-k1", "A", lease_s=LEASE_S)
    clock.advance(LEASE_S - 1)

    assert claim_ids(store, "B") == []


def test_a_write_is_not_due_before_its_next_attempt(store: OutboxStore, clock: FakeClock) -> None:
    hold_order(store, "k1")
    claim_ids(store)
    retried = store.mark_retry("PENDING-O-k1", "A", error="503", next_attempt_at=clock() + 10)

    assert retried.attempts == 1
    assert retried.last_error == "503"
    assert retried.owner is None
    assert store.next_wakeup() == clock() + 10
    assert claim_ids(store) == []
    clock.advance(10)
    assert claim_ids(store) == ["PENDING-O-k1"]


def test_released_claims_are_claimable_again_without_an_attempt(store: OutboxStore) -> None:
    hold_order(store, "k1", customer="CU-1")
    hold_order(store, "k2", customer="CU-2")
    claim_ids(store, "A")

    assert store.release("A", ["PENDING-O-k2"]) == 1
    assert claim_ids(store, "B") == ["PENDING-O-k2"]
    assert store.release("A") == 1
    assert store.get("PENDING-O-k1").attempts == 0  # type: ignore[union-attr]


def test_a_refused_write_fails_with_its_dependents_and_retry_brings_them_back(
    store: OutboxStore,
) -> None:
    customer = hold_customer(store, "taken")
    order = hold_order(store, "o1", customer=customer.id, depends_on=customer.id)
    claim_ids(store)

    failed = store.mark_failed(
        customer.id, "A", error="409 email_taken", result={"error": "email_taken"}
    )

    assert failed.status is WriteStatus.FAILED
    assert failed.result == {"error": "email_taken"}
    orphan = store.get(order.id)
    assert orphan is not None and orphan.status is WriteStatus.FAILED
    assert orphan.last_error == f"depends on failed write {customer.id}"
    assert claim_ids(store) == []
    assert store.stats().failed == 2

    assert store.retry([customer.id]) == [customer.id, order.id]
    assert claim_ids(store) == [customer.id]
    assert store.stats().failed == 0


def test_retry_of_all_failed_writes(store: OutboxStore) -> None:
    for key in ("a", "b"):
        hold_order(store, key, customer=key)
    claim_ids(store)
    for key in ("a", "b"):
        store.mark_failed(f"PENDING-O-{key}", "A", error="422")

    assert store.retry(all_failed=True) == ["PENDING-O-a", "PENDING-O-b"]
    assert store.stats().depth == 2


def test_retry_needs_ids_or_all_failed(store: OutboxStore) -> None:
    with pytest.raises(ValueError):
        store.retry()
    with pytest.raises(ValueError):
        store.retry(["x"], all_failed=True)


def test_a_delivered_write_resolves_to_its_remote_id_and_keeps_its_first_result(
    store: OutboxStore,
) -> None:
    held = hold_order(store, "k1")
    assert store.resolve_remote_id(held.id) is None
    claim_ids(store, "A")

    store.mark_delivered(held.id, "A", result={"id": "O-1"}, remote_id="O-1")
    again = store.mark_delivered(held.id, "B", result={"id": "O-1", "late": True}, remote_id="O-1")

    assert again.result == {"id": "O-1"}
    assert again.attempts == 1
    assert store.resolve_remote_id(held.id) == "O-1"
    by_remote = store.by_remote_id("O-1")
    assert by_remote is not None and by_remote.id == held.id


def test_a_failed_write_cannot_be_marked_delivered(store: OutboxStore) -> None:
    held = hold_order(store, "k1")
    claim_ids(store)
    store.mark_failed(held.id, "A", error="422")

    with pytest.raises(LeaseLost):
        store.mark_delivered(held.id, "A", result={}, remote_id=None)


def test_stats_and_a_subjects_pending_writes(store: OutboxStore, clock: FakeClock) -> None:
    assert store.stats().oldest_pending_age_s is None
    hold_order(store, "a1", customer="CU-A")
    clock.advance(5)
    hold_order(store, "a2", customer="CU-A")
    hold_order(store, "b1", customer="CU-B")
    clock.advance(2)

    stats = store.stats()
    assert (stats.depth, stats.failed, stats.oldest_pending_age_s) == (3, 0, 7.0)
    pending = store.pending_for_subject("CU-A", kind="order")
    assert [write.id for write in pending] == ["PENDING-O-a1", "PENDING-O-a2"]
    assert store.pending_for_subject("CU-A", kind="customer") == []
    assert [w.id for w in store.list_writes(source="oms", limit=1)] == ["PENDING-O-a1"]


def test_make_due_ends_the_backoff_of_one_source(store: OutboxStore, clock: FakeClock) -> None:
    order = hold_order(store, "o1")
    customer = hold_customer(store, "c1")
    claim_ids(store)
    for write in (order, customer):
        store.mark_retry(write.id, "A", error="503", next_attempt_at=clock() + 60)

    assert store.make_due("oms") == 1
    assert claim_ids(store) == [order.id]


def test_purge_forgets_old_deliveries_but_not_a_pending_writes_parent(
    store: OutboxStore, clock: FakeClock
) -> None:
    customer = hold_customer(store, "c1")
    lone = hold_order(store, "lone", customer="CU-7")
    hold_order(store, "o1", customer=customer.id, depends_on=customer.id)
    claim_ids(store)
    for write in (customer, lone):
        store.mark_delivered(write.id, "A", result={"id": "X"}, remote_id=f"R-{write.id}")
    clock.advance(100)

    assert store.purge_delivered(older_than_s=50) == 1
    assert store.get(lone.id) is None
    assert store.get(customer.id) is not None
