"""Generate the oms's orders: every channel and status, consistent lines and totals."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from comptoir.sources.reference import cases
from comptoir.sources.reference.gen_catalog import Catalog
from comptoir.sources.reference.gen_crm import CustomerPlan
from comptoir.sources.reference.gen_erp import STORE, WEB, ErpData
from comptoir.sources.reference.money import ZERO, fmt, included_vat, to_cents
from comptoir.sources.reference.places import CARRIERS, STORES, STREETS
from comptoir.sources.reference.scale import ANCHOR, DemoScale, iso
from comptoir.sources.reference.storage import dumps

_CHANNEL_MIX = (("web", 45), ("app", 20), ("store", 30), ("marketplace", 5))
_WELCOME_PCT = Decimal("0.10")


class OrderRow(NamedTuple):
    """A generated order: its stored JSON and the fields the loyalty ledger and the table need."""

    id: str
    customer_id: str
    channel: str
    status: str
    placed_at: str
    grand_total: str
    returned_at: tuple[str, ...]
    doc: str

    @classmethod
    def of(cls, order: dict[str, Any]) -> OrderRow:
        """Compact an order document (the document is kept serialized)."""
        return cls(
            order["id"],
            order["customer_id"],
            order["channel"],
            order["status"],
            order["placed_at"],
            order["totals"]["grand_total"],
            tuple(ret["created_at"] for ret in order["returns"]),
            dumps(order),
        )


@dataclass(frozen=True)
class CaseOrder:
    """The fixed shape of one of the omnichannel customer's orders."""

    days: float
    channel: str
    status: str
    mode: str = "home"
    discount: bool = False
    skus: tuple[str, ...] = ()


_CASE_ORDERS: tuple[CaseOrder, ...] = (
    CaseOrder(1, "web", "placed", skus=(cases.SKU_FULL,)),
    CaseOrder(2, "app", "allocated"),
    CaseOrder(4, "web", "shipped", mode="click_and_collect"),
    CaseOrder(6, "store", "delivered", mode="click_and_collect"),
    CaseOrder(9, "marketplace", "delivered"),
    CaseOrder(12, "web", "cancelled"),
    CaseOrder(30, "web", "returned"),
    CaseOrder(45, "web", "delivered"),
    CaseOrder(60, "web", "delivered", discount=True),
    *(
        CaseOrder(
            60 + 28 * k,
            ("web", "store", "app", "web", "store", "marketplace")[k % 6],
            "delivered",
            mode="click_and_collect" if k % 6 in (1, 4) else "home",
        )
        for k in range(1, 24)
    ),
)


@dataclass
class OrderDraft:
    """An order being drawn: who, where, when and how it ends."""

    customer: CustomerPlan
    channel: str
    placed: datetime
    status: str
    mode: str
    location: str | None
    discount: bool
    skus: tuple[str, ...] = ()


class OrderFactory:
    """Builds order documents with consistent lines, totals, deliveries, shipments and returns."""

    def __init__(self, rng: random.Random, catalog: Catalog, erp: ErpData) -> None:
        self.rng = rng
        self.base = erp.base_prices
        self.sellable: dict[str, list[str]] = {}
        for channel in cases.CHANNELS:
            price_list = STORE if channel == "store" else WEB
            self.sellable[channel] = [
                sku
                for plan in catalog.plans
                if plan.status == "active" and channel in plan.channels
                for sku in plan.skus
                if price_list in erp.base_prices.get(sku, {})
            ]
        self.shipments = 0

    def _lines(self, draft: OrderDraft) -> tuple[list[dict[str, Any]], Decimal, Decimal]:
        price_list = STORE if draft.channel == "store" else WEB
        count = self.rng.choices((1, 2, 3, 4), (55, 25, 12, 8))[0]
        pool = self.sellable[draft.channel]
        skus = draft.skus or tuple(dict.fromkeys(self.rng.choice(pool) for _ in range(count)))
        lines: list[dict[str, Any]] = []
        subtotal = discount = ZERO
        for index, sku in enumerate(skus, start=1):
            quantity = 1 if draft.skus else self.rng.choices((1, 2, 3), (80, 15, 5))[0]
            unit = self.base[sku][price_list]
            gross = unit * quantity
            line_discount = to_cents(gross * _WELCOME_PCT) if draft.discount else ZERO
            subtotal += gross
            discount += line_discount
            lines.append(
                {
                    "id": str(index),
                    "sku": sku,
                    "quantity": quantity,
                    "unit_price": fmt(unit),
                    "discount": fmt(line_discount),
                    "total": fmt(gross - line_discount),
                }
            )
        return lines, subtotal, discount

    def _shipments(self, draft: OrderDraft) -> tuple[list[dict[str, Any]], datetime]:
        last = draft.placed
        if draft.channel == "store" or draft.status in ("placed", "allocated", "cancelled"):
            return [], last
        self.shipments += 1
        origin = "L-WH-LYON" if self.rng.random() < 0.7 else "L-WH-LILLE"
        if draft.customer.id == cases.CUSTOMER_OMNICHANNEL:
            origin = "L-WH-LYON"
        shipped = draft.placed + timedelta(hours=self.rng.uniform(18, 40))
        delivered = (
            shipped + timedelta(hours=self.rng.uniform(30, 80))
            if draft.status != "shipped"
            else None
        )
        last = delivered or shipped
        return [
            {
                "id": f"S-{self.shipments}",
                "status": "shipped" if delivered is None else "delivered",
                "carrier": self.rng.choice(CARRIERS),
                "tracking_number": f"{self.rng.randrange(10**12):012d}FR",
                "from_location_id": origin,
                "shipped_at": iso(shipped),
                "delivered_at": iso(delivered) if delivered else None,
            }
        ], last

    def build(self, number: int, draft: OrderDraft) -> dict[str, Any]:
        """The document of order ``number``."""
        lines, subtotal, discount = self._lines(draft)
        net = subtotal - discount
        shipping = Decimal("4.90") if draft.mode == "home" and net < 60 else ZERO
        grand = net + shipping
        shipments, last = self._shipments(draft)
        returns: list[dict[str, Any]] = []
        if draft.status == "returned":
            last += timedelta(days=self.rng.uniform(3, 14))
            returns.append(
                {
                    "id": f"R-{number}",
                    "status": "refunded",
                    "lines": [{"line_id": "1", "quantity": lines[0]["quantity"]}],
                    "created_at": iso(last),
                }
            )
        home = draft.customer.home
        address = (
            None
            if draft.mode != "home"
            else {
                "line1": f"{self.rng.randint(1, 120)} {self.rng.choice(STREETS)}",
                "city": home.city,
                "postal_code": home.postal_code,
                "country": "FR",
            }
        )
        return {
            "id": f"O-{draft.placed.year}-{number:06d}",
            "customer_id": draft.customer.id,
            "channel": draft.channel,
            "location_id": draft.location if draft.channel == "store" else None,
            "status": draft.status,
            "placed_at": iso(draft.placed),
            "currency": "EUR",
            "lines": lines,
            "totals": {
                "subtotal": fmt(subtotal),
                "discount": fmt(discount),
                "shipping": fmt(shipping),
                "tax": fmt(included_vat(grand)),
                "grand_total": fmt(grand),
            },
            "delivery": {
                "mode": draft.mode,
                "location_id": draft.location if draft.mode != "home" else None,
                "address": address,
            },
            "shipments": shipments,
            "returns": returns,
            "updated_at": iso(min(last, ANCHOR)),
        }


def _status(rng: random.Random, channel: str, age_days: float) -> str:
    if channel == "store":
        return "returned" if rng.random() < 0.05 else "delivered"
    if age_days < 2:
        return rng.choices(("placed", "allocated", "shipped", "cancelled"), (50, 30, 15, 5))[0]
    if age_days < 7:
        return rng.choices(("shipped", "delivered", "cancelled"), (60, 35, 5))[0]
    return rng.choices(("delivered", "cancelled", "returned"), (88, 6, 6))[0]


def _random_draft(rng: random.Random, customers: list[CustomerPlan]) -> OrderDraft:
    customer = customers[int(len(customers) * rng.random() ** 1.6)]
    if customer.id == cases.CUSTOMER_NO_ORDERS:
        customer = customers[-1]
    channel = rng.choices([c for c, _ in _CHANNEL_MIX], [w for _, w in _CHANNEL_MIX])[0]
    age = rng.uniform(0.01, min(730.0, (ANCHOR - customer.created).total_seconds() / 86400))
    placed = (ANCHOR - timedelta(days=age)).replace(microsecond=0)
    near = customer.preferred_store or rng.choice(STORES).id
    if channel == "store":
        mode, location = "click_and_collect", near if rng.random() < 0.7 else rng.choice(STORES).id
    elif channel != "marketplace" and rng.random() < 0.25:
        mode, location = "click_and_collect", near
    else:
        mode, location = "home", None
    discount = channel != "store" and rng.random() < 0.1
    return OrderDraft(
        customer, channel, placed, _status(rng, channel, age), mode, location, discount
    )


def generate_orders(
    scale: DemoScale, seed: int, catalog: Catalog, erp: ErpData, customers: list[CustomerPlan]
) -> list[OrderRow]:
    """The omnichannel customer's case orders first, then random orders up to ``scale.orders``."""
    rng = random.Random(f"{seed}:oms")
    factory = OrderFactory(rng, catalog, erp)
    orders: list[OrderRow] = []
    lea = customers[0]
    for case in _CASE_ORDERS:
        placed = (ANCHOR - timedelta(days=case.days)).replace(hour=10, minute=len(orders) + 5)
        location = cases.STORE_PARIS_CENTRAL if case.mode == "click_and_collect" else None
        draft = OrderDraft(
            lea, case.channel, placed, case.status, case.mode, location, case.discount, case.skus
        )
        orders.append(OrderRow.of(factory.build(len(orders) + 1, draft)))
    while len(orders) < scale.orders:
        orders.append(OrderRow.of(factory.build(len(orders) + 1, _random_draft(rng, customers))))
    return orders
