"""The OMS's JSON: orders with lines, totals, delivery, shipments and returns."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from comptoir.sources.models import DecimalString
from pydantic import TypeAdapter
from typing_extensions import TypedDict


class OrderLineDoc(TypedDict):
    """One line of an order."""

    id: NotRequired[str]
    sku: str
    quantity: int
    unit_price: DecimalString
    discount: NotRequired[DecimalString]
    total: DecimalString


class OrderTotalsDoc(TypedDict):
    """An order's amounts."""

    subtotal: DecimalString
    discount: DecimalString
    shipping: DecimalString
    tax: DecimalString
    grand_total: DecimalString


class AddressDoc(TypedDict, total=False):
    """A postal address."""

    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str


class DeliveryDoc(TypedDict):
    """How an order reaches the shopper."""

    mode: Literal["home", "click_and_collect"]
    location_id: NotRequired[str | None]
    address: NotRequired[AddressDoc | None]


class ShipmentDoc(TypedDict):
    """A parcel of an order."""

    id: str
    status: str
    carrier: NotRequired[str | None]
    tracking_number: NotRequired[str | None]
    from_location_id: NotRequired[str | None]
    shipped_at: NotRequired[str | None]
    delivered_at: NotRequired[str | None]


OrderStatusValue = Literal["placed", "allocated", "shipped", "delivered", "cancelled", "returned"]


class OrderDoc(TypedDict):
    """An order from any channel."""

    id: str
    customer_id: str
    channel: str
    location_id: NotRequired[str | None]
    status: OrderStatusValue
    placed_at: str
    currency: str
    lines: list[OrderLineDoc]
    totals: OrderTotalsDoc
    delivery: NotRequired[DeliveryDoc | None]
    shipments: NotRequired[list[ShipmentDoc]]
    returns: NotRequired[list[Any]]
    updated_at: NotRequired[str]


ORDERS = TypeAdapter(list[OrderDoc])
