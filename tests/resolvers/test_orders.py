"""Orders: the delivery checks, the OMS's body, and held orders leading a shopper's list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
from comptoir.resolvers.cart import LineRequest, Quote, QuotedLine, QuotedPromotion
from comptoir.resolvers.orders import (
    Address,
    DeliveryRequest,
    check_delivery,
    customer_orders,
    order_body,
    order_input_hash,
)
from comptoir.sources.held import HeldWrites, held_order
from comptoir.sources.outbox import OutboxDispatcher, OutboxWrite, SqliteOutbox

from tests.resolvers.fakes import FakeSources, scope_on

PARIS = Address("1 rue de Rivoli", None, "Paris", "75001", "FR")
HOME = DeliveryRequest("home", None, PARIS)
PICK_UP = DeliveryRequest("click_and_collect", "L-STORE-1", None)
QUOTE = Quote(
    currency="EUR",
    lines=[QuotedLine("A", 2, Decimal("20.00"), Decimal("4.00"), Decimal("36.00"))],
    promotions=[QuotedPromotion("PR-10", "10% off", Decimal("4.00"))],
)


def codes(delivery: DeliveryRequest) -> list[str]:
    return [p.code for p in check_delivery(delivery, {"L-STORE-1"})]


def test_a_delivery_needs_a_known_store_or_a_complete_address() -> None:
    assert codes(HOME) == [] and codes(PICK_UP) == []
    assert codes(DeliveryRequest("click_and_collect", None, None)) == ["LOCATION_REQUIRED"]
    assert codes(DeliveryRequest("click_and_collect", "L-WAREHOUSE", None)) == ["UNKNOWN_LOCATION"]
    assert codes(DeliveryRequest("home", None, None)) == ["ADDRESS_REQUIRED"]
    bad = Address(" ", None, "Paris", "75001", "france")
    assert codes(DeliveryRequest("home", None, bad)) == ["INVALID_ADDRESS", "INVALID_ADDRESS"]


def test_the_same_order_asked_twice_hashes_the_same_and_another_does_not() -> None:
    lines = [LineRequest("A", 2)]
    assert order_input_hash(lines, ["C"], HOME) == order_input_hash(list(lines), ["C"], HOME)
    assert order_input_hash(lines, ["C"], HOME) != order_input_hash(lines, [], HOME)
    assert order_input_hash(lines, [], HOME) != order_input_hash(lines, [], PICK_UP)


def test_the_oms_gets_our_prices_in_force_and_the_promotions_applied() -> None:
    body = order_body("CU-1", "web", QUOTE, PICK_UP)
    assert body == {
        "customer_id": "CU-1",
        "channel": "web",
        "currency": "EUR",
        "lines": [{"sku": "A", "quantity": 2, "unit_price": "20.00"}],
        "delivery": {"mode": "click_and_collect", "location_id": "L-STORE-1"},
        "promotions": [{"id": "PR-10", "label": "10% off", "amount": "4.00"}],
    }


@pytest.fixture
async def held(tmp_path: Path) -> AsyncIterator[HeldWrites]:
    """Held writes on a fresh outbox file (no dispatcher running: nothing is sent)."""
    store = await SqliteOutbox.open(tmp_path / "outbox.sqlite")

    async def never(write: OutboxWrite) -> object:
        raise AssertionError("nothing is delivered here")

    yield HeldWrites(store, OutboxDispatcher(store, never, owner="test"))  # type: ignore[arg-type]
    await store.close()


async def hold(held: HeldWrites, key: str, customer: str) -> OutboxWrite:
    return await held.store.enqueue(
        write_id=f"PENDING-O-{key}",
        kind="order",
        source="oms",
        path="/orders",
        idempotency_key=key,
        body=order_body(customer, "web", QUOTE, HOME),
        subject=customer,
    )


async def test_a_held_order_reads_as_the_oms_would_show_it_with_an_estimated_tax(
    held: HeldWrites,
) -> None:
    doc = held_order(await hold(held, "k-1", "CU-1"))
    assert (doc["id"], doc["customer_id"], doc["status"]) == ("PENDING-O-k-1", "CU-1", "placed")
    totals = doc["totals"]
    assert (totals["subtotal"], totals["discount"], totals["grand_total"]) == (
        "40.00",
        "4.00",
        "36.00",
    )
    assert totals["tax"] == "6.00"  # 20 % VAT included in 36.00


async def test_with_the_oms_down_the_first_page_holds_the_held_orders_newest_first(
    fake: FakeSources, held: HeldWrites
) -> None:
    await hold(held, "k-1", "CU-1")
    await hold(held, "k-2", "CU-1")
    await hold(held, "k-3", "CU-2")
    fake.down.add("oms")
    scope = scope_on(fake.source_set(), shopper="CU-1")
    page = await customer_orders(scope, held, "CU-1", 10, None)
    assert [(view.doc["id"], view.pending) for view, _ in page.edges] == [
        ("PENDING-O-k-2", True),
        ("PENDING-O-k-1", True),
    ]
    assert scope.report.entries() == [
        {"source": "oms", "mode": "fallback"},
        {"source": "oms", "mode": "unavailable"},
    ]
