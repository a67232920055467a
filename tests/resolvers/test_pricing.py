"""The price in force: the latest row valid now on the channel's list, in its currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from comptoir.resolvers.pricing import PriceInForce, price_in_force, price_range

from tests.resolvers.fakes import NOW, price


def in_force(*rows: dict[str, Any], price_list: str = "EUR-WEB") -> PriceInForce | None:
    return price_in_force(rows, price_list, "EUR", NOW)  # type: ignore[arg-type]


def test_the_row_with_the_latest_start_among_those_valid_now_is_in_force() -> None:
    found = in_force(
        price("S", "100.00"),
        price("S", "80.00", valid_from="2026-11-01T00:00:00+00:00", compare_at="100.00"),
        price("S", "60.00", valid_from="2026-12-01T00:00:00+00:00"),  # not yet
        price("S", "50.00", valid_to="2026-06-01T00:00:00+00:00"),  # over
    )
    assert found == PriceInForce(Decimal("80.00"), Decimal("100.00"), "EUR", "EUR-WEB")


def test_equal_starts_take_the_lower_amount() -> None:
    found = in_force(price("S", "90.00"), price("S", "85.00"))
    assert found is not None and found.amount == Decimal("85.00")


def test_rows_of_another_list_or_currency_or_unreadable_amount_are_ignored() -> None:
    assert in_force(price("S", "10.00", price_list="EUR-STORE")) is None
    assert in_force(price("S", "10.00", currency="USD")) is None
    assert in_force(price("S", "ten")) is None


def test_a_row_ending_now_is_no_longer_in_force() -> None:
    assert in_force(price("S", "10.00", valid_to=NOW.isoformat())) is None


def test_price_range_spans_the_priced_variants_only() -> None:
    a = PriceInForce(Decimal("20"), None, "EUR", "EUR-WEB")
    b = PriceInForce(Decimal("35"), None, "EUR", "EUR-WEB")
    assert price_range([a, None, b]) == (Decimal("20"), Decimal("35"))
    assert price_range([None, None]) is None
