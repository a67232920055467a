"""Generate the oms's orders: every channel and status, with lines, totals, parcels, returns."""

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
from comptoir.sources.reference.gen_tracking import PLACES, Route, Tracker
from comptoir.sources.reference.money import ZERO, fmt, included_vat, to_cents
from comptoir.sources.reference.places import STORES, STREETS
from comptoir.sources.reference.returns import RETURN_WINDOW
from comptoir.sources.reference.scale import ANCHOR, DemoScale, iso
from comptoir.sources.reference.storage import dumps

_CHANNEL_MIX = (("web", 45), ("app", 20), ("store", 30), ("marketplace", 5))
_WELCOME_PCT = Decimal("0.10")


class OrderRow(NamedTuple):
    """A generated order: its stored JSON and the fields the loyalty ledger and the table need.

    ``returned_at`` holds when each refunded return was asked for, ``returns`` how many
    returns it has.
    """

    id: str
    customer_id: str
    channel: str
    status: str
    placed_at: str
    grand_total: str
    returned_at: tuple[str, ...]
    returns: int
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
            tuple(ret["created_at"] for ret in order["returns"] if ret["status"] == "refunded"),
            len(order["returns"]),
            dumps(order),
        )


@dataclass(frozen=True)
class CaseOrder:
    """The fixed shape of a guaranteed order (the omnichannel customer's unless told).

    ``stage`` pins how far a shipped order's parcel went, ``returns`` gives
    one return per line, in line order, by status.
    """

    days: float
    channel: str
    status: str
    mode: str = "home"
    discount: bool = False
    skus: tuple[str, ...] = ()
    quantity: int = 1
    stage: str | None = None
    split: bool = False
    returns: tuple[str, ...] = ()
    customer: str = cases.CUSTOMER_OMNICHANNEL


_CASE_ORDERS: tuple[CaseOrder, ...] = (
    CaseOrder(1, "web", "placed", skus=(cases.SKU_FULL,)),
    CaseOrder(2, "app", "allocated", stage="label_created"),
    CaseOrder(4, "web", "shipped", mode="click_and_collect", stage="ready_for_pickup"),
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
    CaseOrder(5, "web", "delivered", skus=(cases.SKU_FULL, "V-00001-NAVY-L"), quantity=2),
    CaseOrder(1.5, "web", "shipped", stage="in_transit"),
    CaseOrder(2, "app", "shipped", stage="out_for_delivery"),
    CaseOrder(3, "web", "shipped", stage="exception"),
    CaseOrder(
        8,
        "web",
        "delivered",
        skus=("V-00001-TEAL-S", "V-00001-NAVY-S", "V-00001-TEAL-L"),
        split=True,
    ),
    CaseOrder(
        20,
        "web",
        "returned",
        skus=("V-00001-TEAL-S", "V-00001-TEAL-L", "V-00001-NAVY-S", "V-00001-NAVY-M"),
        returns=("refunded", "received", "requested", "rejected"),
    ),
    CaseOrder(10, "web", "returned", skus=("V-00001-NAVY-M",), returns=("refunded",)),
    CaseOrder(4, "web", "delivered", skus=(cases.SKU_FULL,), customer=cases.CUSTOMER_BRIVE),
)


_CASE_CUSTOMERS = {case.customer for case in _CASE_ORDERS}
"""Their orders in one parcel leave L-WH-LYON, so that the cases can say where from."""


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
    quantity: int = 1
    stage: str | None = None
    split: bool = False
    returns: tuple[str, ...] | None = None
    """Statuses of one return per line, in line order; ``None``: drawn at random."""


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
        self.tracker = Tracker(rng)

    def _lines(self, draft: OrderDraft) -> tuple[list[dict[str, Any]], Decimal, Decimal]:
        price_list = STORE if draft.channel == "store" else WEB
        count = self.rng.choices((1, 2, 3, 4), (55, 25, 12, 8))[0]
        pool = self.sellable[draft.channel]
        skus = draft.skus or tuple(dict.fromkeys(self.rng.choice(pool) for _ in range(count)))
        lines: list[dict[str, Any]] = []
        subtotal = discount = ZERO
        for index, sku in enumerate(skus, start=1):
            quantity = draft.quantity if draft.skus else self.rng.choices((1, 2, 3), (80, 15, 5))[0]
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

    def _stage(self, draft: OrderDraft) -> str | None:
        """How far the order's parcels went; ``None``: it has none (not sent, or sold in store)."""
        if draft.channel == "store" or draft.status in ("placed", "cancelled"):
            return None
        if draft.stage is not None:
            return draft.stage
        if draft.status == "allocated":
            return "label_created" if self.rng.random() < 0.5 else None
        if draft.status in ("delivered", "returned"):
            return "delivered"
        if draft.mode == "click_and_collect":
            return self.rng.choices(("in_transit", "ready_for_pickup"), (40, 60))[0]
        stages = ("in_transit", "out_for_delivery", "exception")
        return self.rng.choices(stages, (70, 20, 10))[0]

    def _returns(
        self, draft: OrderDraft, lines: list[dict[str, Any]], delivered: datetime | None
    ) -> list[dict[str, Any]]:
        """The draft's returns: those it names, else a refunded one if returned, else at random.

        Only drafts drawn at random (``returns`` None) may get a return of a recent delivery.
        """
        if delivered is None:
            return []
        store = draft.customer.preferred_store
        if draft.returns:
            return [
                self.tracker.return_of(status, line, line["quantity"], delivered, store)
                for status, line in zip(draft.returns, lines, strict=False)
            ]
        if draft.status == "returned":
            return [
                self.tracker.return_of("refunded", lines[0], lines[0]["quantity"], delivered, store)
            ]
        if (
            draft.returns is None
            and ANCHOR - delivered < RETURN_WINDOW
            and self.rng.random() < 0.15
        ):
            status = self.rng.choices(("requested", "received", "rejected"), (45, 35, 20))[0]
            line = self.rng.choice(lines)
            quantity = self.rng.randint(1, line["quantity"])
            return [self.tracker.return_of(status, line, quantity, delivered, store)]
        return []

    def build(self, number: int, draft: OrderDraft) -> dict[str, Any]:
        """The document of order ``number``."""
        lines, subtotal, discount = self._lines(draft)
        net = subtotal - discount
        shipping = Decimal("4.90") if draft.mode == "home" and net < 60 else ZERO
        grand = net + shipping
        home = draft.customer.home
        store = PLACES[draft.location] if draft.location else None
        stage = self._stage(draft)
        shipments: list[dict[str, Any]] = []
        delivered = draft.placed if draft.status in ("delivered", "returned") else None
        last = draft.placed
        if stage is not None:
            city = store.city if store is not None and draft.mode != "home" else home.city
            route = Route(
                draft.placed,
                lines,
                city,
                store.id if draft.mode != "home" and store else None,
                stage,
                draft.split,
                "L-WH-LYON" if draft.customer.id in _CASE_CUSTOMERS else None,
            )
            journey = self.tracker.journey(route)
            shipments, last = journey.shipments, journey.last
            delivered = journey.delivered if delivered is not None else None
        returns = self._returns(draft, lines, delivered)
        stamps = [last, *(datetime.fromisoformat(r["created_at"]) for r in returns)]
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
            "updated_at": iso(min(max(stamps), ANCHOR)),
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
    status = _status(rng, channel, age)
    split = mode == "home" and rng.random() < 0.12  # when it has several lines
    return OrderDraft(customer, channel, placed, status, mode, location, discount, split=split)


def generate_orders(
    scale: DemoScale, seed: int, catalog: Catalog, erp: ErpData, customers: list[CustomerPlan]
) -> list[OrderRow]:
    """The guaranteed orders first, then random orders up to ``scale.orders``."""
    rng = random.Random(f"{seed}:oms")
    factory = OrderFactory(rng, catalog, erp)
    orders: list[OrderRow] = []
    by_id = {customer.id: customer for customer in customers}
    for case in _CASE_ORDERS:
        placed = (ANCHOR - timedelta(days=case.days)).replace(hour=10, minute=len(orders) + 5)
        location = cases.STORE_PARIS_CENTRAL if case.mode == "click_and_collect" else None
        number = len(orders) + 1
        draft = OrderDraft(
            by_id[case.customer],
            case.channel,
            placed,
            case.status,
            case.mode,
            location,
            case.discount,
            case.skus,
            case.quantity,
            case.stage,
            case.split,
            case.returns,
        )
        orders.append(OrderRow.of(factory.build(number, draft)))
    while len(orders) < scale.orders:
        orders.append(OrderRow.of(factory.build(len(orders) + 1, _random_draft(rng, customers))))
    return orders
