"""The cart: prices in force from the channel's list, then the promotion engine's discounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from comptoir.resolvers.cart import LineRequest, check_request, quote_cart

from tests.resolvers.fakes import FakeSources, price, product, scope_on, variant


@pytest.fixture
def shop(fake: FakeSources) -> FakeSources:
    fake.add(product("P-1", "A", "B", "NOPRICE"), variant("A", "P-1"), variant("B", "P-1"))
    fake.variants["NOPRICE"] = variant("NOPRICE", "P-1")
    fake.add(product("P-2", "STORE", channels=("store",)), variant("STORE", "P-2"))
    fake.prices = [price("A", "20.00"), price("B", "5.50"), price("B", "4.00", "EUR-STORE")]
    return fake


def ten_percent_off(body: dict[str, Any]) -> dict[str, Any]:
    """A promotion engine giving 10 % off every line and a point per euro."""
    lines = []
    for line in body["lines"]:
        total = Decimal(line["unit_price"]) * line["quantity"]
        discount = (total / 10).quantize(Decimal("0.01"))
        lines.append({**line, "discount": str(discount), "total": str(total - discount)})
    discount = sum(Decimal(line["discount"]) for line in lines)
    subtotal = sum(Decimal(line["unit_price"]) * line["quantity"] for line in body["lines"])
    return {
        "lines": lines,
        "promotions": [{"id": "PR-10", "label": "10% off", "amount": str(discount)}],
        "totals": {"subtotal": str(subtotal), "discount": str(discount), "grand_total": "0"},
        "loyalty_points": int(subtotal),
        "rejected_coupons": [c for c in body["coupon_codes"] if c != "WELCOME10"],
    }


async def test_a_cart_is_priced_from_the_list_then_discounted_by_the_engine(
    shop: FakeSources,
) -> None:
    shop.promotions = ten_percent_off
    sources = shop.source_set()
    lines = [LineRequest("A", 2), LineRequest("B", 1)]
    quote = await quote_cart(scope_on(sources), lines, ["WELCOME10", "NOPE"], None, sources)
    assert [(line.sku, line.unit_price, line.discount) for line in quote.lines] == [
        ("A", Decimal("20.00"), Decimal("4.00")),
        ("B", Decimal("5.50"), Decimal("0.55")),
    ]
    assert (quote.subtotal, quote.discount, quote.total) == (
        Decimal("45.50"),
        Decimal("4.55"),
        Decimal("40.95"),
    )
    assert quote.loyalty_points == 45 and quote.promotions_applied
    assert [(p.field, p.code) for p in quote.problems] == [
        (("input", "couponCodes", "1"), "COUPON_REJECTED")
    ]


async def test_lines_that_cannot_be_sold_are_left_out_and_said_why(shop: FakeSources) -> None:
    shop.promotions = ten_percent_off
    sources = shop.source_set()
    lines = [LineRequest("A", 1), LineRequest("UNKNOWN", 1), LineRequest("STORE", 1)]
    lines += [LineRequest("NOPRICE", 1), LineRequest("A", 0)]
    quote = await quote_cart(scope_on(sources), lines, [], None, sources)
    assert [line.sku for line in quote.lines] == ["A"]
    assert [p.code for p in quote.problems] == [
        "INVALID_QUANTITY",
        "UNKNOWN_SKU",
        "NOT_SOLD_ON_CHANNEL",
        "NO_PRICE",
    ]


async def test_without_the_promotion_engine_the_cart_keeps_list_prices(shop: FakeSources) -> None:
    shop.down.add("promo")
    sources = shop.source_set()
    scope = scope_on(sources)
    quote = await quote_cart(scope, [LineRequest("A", 3)], ["WELCOME10"], None, sources)
    assert (quote.total, quote.promotions, quote.promotions_applied) == (
        Decimal("60.00"),
        [],
        False,
    )
    assert scope.report.entries() == [{"source": "promo", "mode": "fallback"}]


def test_the_request_itself_is_checked_before_anything_is_loaded() -> None:
    problems = check_request([LineRequest("A", 100)] * 101, ["", "x" * 65] + ["C"] * 19)
    assert [p.code for p in problems][:2] == ["TOO_MANY_LINES", "INVALID_QUANTITY"]
    assert {p.code for p in problems} >= {"TOO_MANY_COUPONS", "INVALID_COUPON"}
