"""Generate the erp's documents: locations, price rows of both lists, stock rows."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from comptoir.sources.reference import cases
from comptoir.sources.reference.gen_catalog import OVERRIDES, Catalog, ProductPlan
from comptoir.sources.reference.money import fmt, to_cents
from comptoir.sources.reference.places import LOCATIONS, STORES, WAREHOUSES
from comptoir.sources.reference.scale import ANCHOR, iso

WEB, STORE = cases.PRICE_LISTS
BASE_FROM = "2024-01-01T00:00:00+00:00"
CURRENT_SALE_FROM = "2026-10-15T00:00:00+00:00"
FUTURE_SALE = ("2028-01-12T00:00:00+00:00", "2028-02-09T00:00:00+00:00")
PAST_SALES = (
    ("2025-01-08T08:00:00+00:00", "2025-02-05T00:00:00+00:00"),
    ("2025-06-25T08:00:00+00:00", "2025-07-23T00:00:00+00:00"),
    ("2026-01-07T08:00:00+00:00", "2026-02-04T00:00:00+00:00"),
)
_ONLINE = {"web", "app", "marketplace"}


@dataclass
class ErpData:
    """The erp's documents, plus each sku's base price per list for the order generator."""

    locations: list[dict[str, Any]]
    prices: list[dict[str, Any]]
    stock: list[dict[str, Any]]
    base_prices: dict[str, dict[str, Decimal]] = field(default_factory=dict)


def location_documents() -> list[dict[str, Any]]:
    """Both warehouses and every store; only stores may accept returns."""
    stamp = iso(ANCHOR - timedelta(days=300))
    return [
        {
            "id": p.id,
            "kind": p.kind,
            "name": p.name,
            "city": p.city,
            "postal_code": p.postal_code,
            "country": "FR",
            "latitude": p.latitude,
            "longitude": p.longitude,
            "ship_from": p.ship_from,
            "click_and_collect": p.click_and_collect,
            "accepts_returns": p.accepts_returns,
            "updated_at": stamp,
        }
        for p in LOCATIONS
    ]


def _row(
    sku: str,
    price_list: str,
    amount: Decimal,
    valid_from: str,
    valid_to: str | None = None,
    compare_at: Decimal | None = None,
    currency: str = "EUR",
) -> dict[str, Any]:
    return {
        "sku": sku,
        "price_list": price_list,
        "currency": currency,
        "amount": fmt(amount),
        "compare_at": fmt(compare_at) if compare_at is not None else None,
        "valid_from": valid_from,
        "valid_to": valid_to,
    }


def _lists(plan: ProductPlan) -> list[str]:
    return ([WEB] if _ONLINE & set(plan.channels) else []) + (
        [STORE] if "store" in plan.channels else []
    )


def _random_rows(rng: random.Random, plan: ProductPlan) -> dict[str, list[dict[str, Any]]]:
    """Price rows of one product's skus, drawn at random: base, sales past, current and future."""
    lists = _lists(plan)
    base = {
        WEB: plan.base_price,
        STORE: plan.base_price + (Decimal(5) if rng.random() < 0.15 else Decimal(0)),
    }
    compare = to_cents(plan.base_price * Decimal("1.25")) if rng.random() < 0.08 else None
    sale_lists = (lists if rng.random() < 0.4 else lists[:1]) if rng.random() < 0.15 else []
    sale_pct = Decimal(rng.choice((20, 30, 40)))
    sale_to = rng.choice((None, "2030-12-31T23:59:59+00:00"))
    past = rng.sample(PAST_SALES, rng.randint(1, 2)) if rng.random() < 0.3 else []
    future = rng.random() < 0.08
    future_is_sale = rng.random() < 0.6
    wrong_currency = rng.random() < 0.01
    out: dict[str, list[dict[str, Any]]] = {}
    for sku in plan.skus:
        rows: list[dict[str, Any]] = []
        dropped = rng.choice(lists) if lists and rng.random() < 0.01 else None
        for price_list in lists:
            if price_list == dropped:
                continue
            amount = base[price_list]
            rows.append(_row(sku, price_list, amount, BASE_FROM, compare_at=compare))
            for start, end in past:
                rows.append(
                    _row(sku, price_list, to_cents(amount * Decimal("0.7")), start, end, amount)
                )
            if price_list in sale_lists:
                sale = to_cents(amount * (100 - sale_pct) / 100)
                rows.append(_row(sku, price_list, sale, CURRENT_SALE_FROM, sale_to, amount))
            if future and future_is_sale:
                rows.append(
                    _row(
                        sku,
                        price_list,
                        to_cents(amount * Decimal("0.75")),
                        *FUTURE_SALE,
                        compare_at=amount,
                    )
                )
            elif future:
                rows.append(_row(sku, price_list, amount + 10, "2028-03-01T00:00:00+00:00"))
            if wrong_currency and price_list == WEB:
                rows.append(_row(sku, WEB, amount - 1, "2026-09-01T00:00:00+00:00", currency="USD"))
        out[sku] = rows
    return out


def _case_rows(plan: ProductPlan) -> dict[str, list[dict[str, Any]]]:
    """Price rows of a guaranteed product: base rows, plus the row its case is about."""
    price = plan.base_price
    out: dict[str, list[dict[str, Any]]] = {}
    for sku in plan.skus:
        rows = [_row(sku, price_list, price, BASE_FROM) for price_list in _lists(plan)]
        if sku == cases.SKU_ON_SALE:
            rows.append(_row(sku, WEB, Decimal("44.90"), CURRENT_SALE_FROM, None, price))
        elif sku == cases.SKU_PAST_SALE:
            for price_list in (WEB, STORE):
                rows += [
                    _row(sku, price_list, Decimal("99.00"), s, e, price) for s, e in PAST_SALES[::2]
                ]
        elif sku == cases.SKU_FUTURE_PRICE:
            rows.append(_row(sku, WEB, Decimal("69.90"), *FUTURE_SALE, compare_at=price))
        elif sku == cases.SKU_WRONG_CURRENCY:
            rows.append(
                _row(sku, WEB, Decimal("19.90"), "2026-09-01T00:00:00+00:00", currency="USD")
            )
        elif sku == cases.SKU_NO_STORE_PRICE:
            rows = [row for row in rows if row["price_list"] != STORE]
        elif sku == cases.SKU_STORE_PRICE_EXPIRED:
            rows = [row for row in rows if row["price_list"] != STORE]
            rows.append(_row(sku, STORE, price, BASE_FROM, "2026-03-01T00:00:00+00:00"))
        elif sku == cases.SKU_EQUAL_VALID_FROM:
            rows += [
                _row(sku, WEB, Decimal("89.00"), "2026-06-01T00:00:00+00:00"),
                _row(sku, WEB, Decimal("85.00"), "2026-06-01T00:00:00+00:00"),
            ]
        out[sku] = rows
    return out


def _stock_row(
    sku: str, location: str, on_hand: int, reserved: int, updated: str
) -> dict[str, Any]:
    return {
        "sku": sku,
        "location_id": location,
        "on_hand": on_hand,
        "reserved": reserved,
        "updated_at": updated,
    }


def _random_stock(rng: random.Random, plan: ProductPlan) -> list[dict[str, Any]]:
    stores = (
        [s.id for s in rng.sample(STORES, rng.randint(3, 9))] if "store" in plan.channels else []
    )
    online = bool(_ONLINE & set(plan.channels))
    rows: list[dict[str, Any]] = []
    for sku in plan.skus:
        fate = rng.random()
        if fate < 0.015:
            continue
        held = [(WAREHOUSES[0].id, 150)] if online and rng.random() < 0.9 else []
        held += [(WAREHOUSES[1].id, 120)] if online and rng.random() < 0.65 else []
        held += [(store, 12) for store in stores if rng.random() < 0.85]
        for location, most in held:
            on_hand = 0 if fate < 0.03 or rng.random() < 0.12 else rng.randint(1, most)
            draw = rng.random()
            reserved = (
                0
                if draw < 0.75
                else (
                    on_hand + rng.randint(1, 3) if draw > 0.98 else min(on_hand, rng.randint(1, 3))
                )
            )
            rows.append(
                _stock_row(
                    sku,
                    location,
                    on_hand,
                    reserved,
                    iso(ANCHOR - timedelta(minutes=rng.uniform(0, 4320))),
                )
            )
    return rows


def _case_quantity(sku: str, location: str) -> tuple[int, int]:
    """(on_hand, reserved) of a guaranteed product's sku at ``location``."""
    if (sku, location) == (cases.SKU_FULL, cases.STORE_PARIS_CENTRAL):
        return 7, 2
    if (sku, location) == (cases.SKU_FULL, cases.STORE_BRIVE_NO_RETURNS):
        return 2, 0
    if location == cases.STORE_BRIVE_RETURNS:
        return 4, 0
    return (40 if location.startswith("L-WH") else 5), 0


def _case_stock(plan: ProductPlan) -> list[dict[str, Any]]:
    stamp = iso(ANCHOR - timedelta(hours=5))
    rows: list[dict[str, Any]] = []
    for sku in plan.skus:
        if sku == cases.SKU_NO_STOCK_ROWS:
            continue
        if sku == cases.SKU_ZERO_STOCK:
            rows += [
                _stock_row(sku, loc, 0, 0, stamp)
                for loc in ("L-WH-LYON", cases.STORE_PARIS_CENTRAL)
            ]
        elif sku == cases.SKU_OVER_RESERVED:
            rows.append(_stock_row(sku, cases.STORE_SHIP_FROM, 1, 3, stamp))
        else:
            held = (["L-WH-LYON", "L-WH-LILLE"] if _ONLINE & set(plan.channels) else []) + (
                [
                    cases.STORE_PARIS_CENTRAL,
                    cases.STORE_SHIP_FROM,
                    "L-STORE-LYON-01",
                    cases.STORE_BRIVE_RETURNS,
                ]
                if "store" in plan.channels
                else []
            )
            if sku == cases.SKU_FULL:
                held.append(cases.STORE_BRIVE_NO_RETURNS)
            for location in held:
                rows.append(_stock_row(sku, location, *_case_quantity(sku, location), stamp))
    return rows


def generate_erp(catalog: Catalog, seed: int) -> ErpData:
    """Draw price and stock rows for every sku of ``catalog``."""
    rng = random.Random(f"{seed}:erp")
    prices: list[dict[str, Any]] = []
    stock: list[dict[str, Any]] = []
    base_prices: dict[str, dict[str, Decimal]] = {}
    for plan in catalog.plans:
        fixed = plan.number in OVERRIDES
        rows = _case_rows(plan) if fixed else _random_rows(rng, plan)
        for sku, sku_rows in rows.items():
            prices.extend(sku_rows)
            bases = base_prices.setdefault(sku, {})
            for row in sku_rows:
                if (
                    row["valid_from"] == BASE_FROM
                    and row["currency"] == "EUR"
                    and row["valid_to"] is None
                ):
                    bases[str(row["price_list"])] = Decimal(str(row["amount"]))
        stock.extend(_case_stock(plan) if fixed else _random_stock(rng, plan))
    return ErpData(location_documents(), prices, stock, base_prices)
