"""Orders from every channel, as the OMS has them or as comptoir holds them until it is back."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from comptoir.graph.context import GraphInfo, scope_of
from comptoir.graph.errors import public_errors
from comptoir.graph.fields import field
from comptoir.graph.lookahead import reads_below
from comptoir.graph.types.common import Money, described, money
from comptoir.graph.types.connection import Connection
from comptoir.graph.types.delivery import DeliveryMode
from comptoir.graph.types.product import Variant
from comptoir.graph.types.returns import Return
from comptoir.resolvers import catalog, customers, orders, returns
from comptoir.resolvers.customers import may_read_customer
from comptoir.resolvers.orders import OrderView
from comptoir.sources.oms.models import OrderDoc, OrderLineDoc, ShipmentDoc

if TYPE_CHECKING:
    from comptoir.graph.types.customer import Customer


@strawberry.enum(description="Where an order stands.")
class OrderStatus(enum.Enum):
    """PENDING is comptoir's own: held locally until the OMS accepts the order."""

    PENDING = described("pending", "Held by comptoir; not yet accepted by the OMS.")
    PLACED = described("placed", description="Accepted by the OMS.")
    ALLOCATED = described("allocated", "The locations that ship it are chosen.")
    SHIPPED = described("shipped", description="On its way (see `shipments`).")
    DELIVERED = described("delivered", description="Delivered or collected.")
    CANCELLED = described("cancelled", description="Cancelled.")
    RETURNED = described("returned", description="Some of it was sent back.")


@strawberry.type(description="A line of an order.")
class OrderLine:
    """One sku of an order with its quantity and amounts."""

    doc: strawberry.Private[OrderLineDoc]
    currency: strawberry.Private[str]
    position: strawberry.Private[int] = 1

    @field(description="The line's id in its order (what a return names).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc.get("id") or str(self.position))

    @field(description="The sku ordered.")
    def sku(self) -> strawberry.ID:
        return strawberry.ID(self.doc["sku"])

    @field(description="Units ordered.")
    def quantity(self) -> int:
        return self.doc["quantity"]

    @field(description="Price of one unit when ordered.")
    def unit_price(self) -> Money:
        return money(self.doc["unit_price"], self.currency)

    @field(description="Discount on this line.")
    def discount(self) -> Money:
        return money(self.doc.get("discount") or "0", self.currency)

    @field(description="What the line costs after its discount.")
    def total(self) -> Money:
        return money(self.doc["total"], self.currency)

    @field(
        description="Units that may still be returned: 0 before delivery, once the return window"
        " has closed, or once returned."
    )
    def returnable_quantity(self) -> int:
        return self.doc.get("returnable_quantity", 0)

    @field(description="The variant, as this channel shows it today; null if no longer shown.")
    async def variant(self, info: GraphInfo) -> Variant | None:
        with public_errors():
            found = await catalog.shown_variant(scope_of(info), self.doc["sku"], reads_below(info))
        return Variant(*found) if found else None


@strawberry.type(description="An order's amounts.")
class OrderTotals:
    """Subtotal, discount, shipping, tax (included) and grand total."""

    subtotal: Money = strawberry.field(description="Sum of the lines before discounts.")
    discount: Money = strawberry.field(description="Every discount of the order.")
    shipping: Money = strawberry.field(description="Shipping cost.")
    tax: Money = strawberry.field(description="Tax included in the grand total.")
    grand_total: Money = strawberry.field(description="What the shopper pays.")


@strawberry.enum(description="Where a parcel stands in its journey.")
class ShipmentStatus(enum.Enum):
    """The carrier's statuses, as the OMS reports them."""

    LABEL_CREATED = described(
        "label_created", "Packed and labelled; the carrier does not have it yet."
    )
    IN_TRANSIT = described("in_transit", description="On its way.")
    OUT_FOR_DELIVERY = described("out_for_delivery", "On the delivery round today.")
    READY_FOR_PICKUP = described("ready_for_pickup", "Waiting in the store for the shopper.")
    DELIVERED = described("delivered", description="Delivered or collected.")
    EXCEPTION = described("exception", "Held up (address, damage, absence): the carrier will say.")


@strawberry.type(description="A step of a parcel's journey.")
class ShipmentEvent:
    """One carrier event."""

    at: datetime = strawberry.field(description="When it happened.")
    status: ShipmentStatus = strawberry.field(description="The parcel's status from then on.")
    location: str | None = strawberry.field(description="Where, e.g. a city or a hub.")


@strawberry.type(description="Units of an order line in a parcel.")
class ShipmentLine:
    """What a parcel holds of one order line."""

    line_id: strawberry.ID = strawberry.field(description="The order line's id (`OrderLine.id`).")
    quantity: int = strawberry.field(description="Units of it in this parcel.")


@strawberry.type(description="A parcel of an order.")
class Shipment:
    """A shipment from a warehouse or store."""

    id: strawberry.ID = strawberry.field(description="The OMS's shipment id.")
    status: ShipmentStatus = strawberry.field(description="Where the parcel stands.")
    carrier: str | None = strawberry.field(description="Carrier, e.g. colissimo.")
    tracking_number: str | None = strawberry.field(description="The carrier's tracking number.")
    tracking_url: str | None = strawberry.field(
        description="The carrier's tracking page for this parcel."
    )
    from_location_id: strawberry.ID | None = strawberry.field(description="Where it left from.")
    shipped_at: datetime | None = strawberry.field(description="When it left.")
    delivered_at: datetime | None = strawberry.field(description="When it arrived.")
    estimated_delivery_at: datetime | None = strawberry.field(
        description="When the carrier expects to deliver it; null once it is held up"
        " (EXCEPTION) or when unknown."
    )
    events: list[ShipmentEvent] = strawberry.field(description="Its journey, oldest first.")
    lines: list[ShipmentLine] = strawberry.field(description="What it holds.")


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def shipment_of(doc: ShipmentDoc) -> Shipment:
    """The GraphQL shipment of an OMS shipment."""
    return Shipment(
        id=strawberry.ID(doc["id"]),
        status=ShipmentStatus(doc["status"]),
        carrier=doc.get("carrier"),
        tracking_number=doc.get("tracking_number"),
        tracking_url=doc.get("tracking_url"),
        from_location_id=strawberry.ID(origin) if (origin := doc.get("from_location_id")) else None,
        shipped_at=_time(doc.get("shipped_at")),
        delivered_at=_time(doc.get("delivered_at")),
        estimated_delivery_at=_time(doc.get("estimated_delivery_at")),
        events=[
            ShipmentEvent(
                at=datetime.fromisoformat(event["at"]),
                status=ShipmentStatus(event["status"]),
                location=event.get("location"),
            )
            for event in doc.get("events") or []
        ],
        lines=[
            ShipmentLine(line_id=strawberry.ID(line["line_id"]), quantity=line["quantity"])
            for line in doc.get("lines") or []
        ],
    )


@strawberry.federation.type(
    keys=["id"], description="An order from any channel (web, app, store, marketplace)."
)
class Order:
    """An OMS order, or a pending one held by comptoir."""

    doc: strawberry.Private[OrderDoc]
    pending: strawberry.Private[bool] = False

    @field(description="The OMS's order id, or comptoir's provisional id while PENDING.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["id"])

    @field(description="The channel where the order was placed.")
    def channel(self) -> str:
        return self.doc["channel"]

    @field(description="When the order was placed.")
    def placed_at(self) -> datetime:
        return datetime.fromisoformat(self.doc["placed_at"])

    @field(description="Where the order stands; PENDING until the OMS has accepted it.")
    def status(self) -> OrderStatus:
        return OrderStatus.PENDING if self.pending else OrderStatus(self.doc["status"])

    @field(description="The order's lines.")
    def lines(self) -> list[OrderLine]:
        currency = self.doc["currency"]
        return [
            OrderLine(doc=line, currency=currency, position=index)
            for index, line in enumerate(self.doc["lines"], start=1)
        ]

    @field(description="The order's amounts.")
    def totals(self) -> OrderTotals:
        totals = self.doc["totals"]
        currency = self.doc["currency"]
        return OrderTotals(
            subtotal=money(totals["subtotal"], currency),
            discount=money(totals["discount"], currency),
            shipping=money(totals["shipping"], currency),
            tax=money(totals["tax"], currency),
            grand_total=money(totals["grand_total"], currency),
        )

    @field(description="Home delivery or click and collect.")
    def delivery_mode(self) -> DeliveryMode | None:
        delivery = self.doc.get("delivery")
        return DeliveryMode(delivery["mode"]) if delivery else None

    @field(description="The store of a store order or of a click-and-collect pick-up.")
    def location_id(self) -> strawberry.ID | None:
        delivery: dict[str, Any] = dict(self.doc.get("delivery") or {})
        location = delivery.get("location_id") or self.doc.get("location_id")
        return strawberry.ID(location) if location else None

    @field(description="Parcels of the order, with their journey (its owner and staff channels).")
    def shipments(self, info: GraphInfo) -> list[Shipment]:
        if not may_read_customer(scope_of(info), self.doc["customer_id"]):
            return []
        return [shipment_of(s) for s in self.doc.get("shipments") or []]

    @field(
        description="The end of the return window; null before delivery, once it has closed, or"
        " when nothing is left to return."
    )
    def returnable_until(self) -> datetime | None:
        return _time(self.doc.get("returnable_until"))

    @field(
        description="Returns of the order, oldest first, then those comptoir holds until the OMS"
        " is back (`pending`); its owner and staff channels only."
    )
    async def returns(self, info: GraphInfo) -> list[Return]:
        context = info.context
        with public_errors():
            found = await returns.order_returns(
                context.scope, context.held, OrderView(self.doc, self.pending)
            )
        return [Return(view=view) for view in found]

    @field(
        description="The customer who placed it; null when the CRM does not know them.",
        graphql_type=Annotated["Customer", strawberry.lazy("comptoir.graph.types.customer")] | None,
    )
    async def customer(self, info: GraphInfo) -> Customer | None:
        from comptoir.graph.types.customer import Customer

        context = info.context
        with public_errors():
            doc = await customers.customer(context.scope, context.held, self.doc["customer_id"])
        return Customer(doc=doc) if doc else None

    @classmethod
    def of(cls, view: OrderView | None) -> Order | None:
        """The GraphQL order of an order (as the OMS has it, or as comptoir holds it)."""
        return cls(doc=view.doc, pending=view.pending) if view else None

    @classmethod
    async def resolve_reference(cls, info: GraphInfo, id: strawberry.ID) -> Order | None:
        """`_entities`: the same rule as `order(id)`."""
        context = info.context
        with public_errors():
            return cls.of(await orders.order(context.scope, context.held, str(id)))


@strawberry.type(description="A page of orders, newest first (Relay connection).")
class OrderConnection(Connection[Order]):
    """A customer's orders from every channel."""
