"""The OMS's JSON: orders with lines, totals, delivery, shipments and returns; delivery promises."""

from __future__ import annotations

from typing import Literal, NotRequired

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
    returnable_quantity: NotRequired[int]


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


ShipmentStatusValue = Literal[
    "label_created", "in_transit", "out_for_delivery", "ready_for_pickup", "delivered", "exception"
]


class ShipmentEventDoc(TypedDict):
    """A step of a parcel's journey."""

    at: str
    status: ShipmentStatusValue
    location: NotRequired[str | None]


class ShipmentLineDoc(TypedDict):
    """Units of an order line in a parcel."""

    line_id: str
    quantity: int


class ShipmentDoc(TypedDict):
    """A parcel of an order."""

    id: str
    status: ShipmentStatusValue
    carrier: NotRequired[str | None]
    tracking_number: NotRequired[str | None]
    tracking_url: NotRequired[str | None]
    from_location_id: NotRequired[str | None]
    shipped_at: NotRequired[str | None]
    delivered_at: NotRequired[str | None]
    estimated_delivery_at: NotRequired[str | None]
    lines: NotRequired[list[ShipmentLineDoc]]
    events: NotRequired[list[ShipmentEventDoc]]


ReturnReasonValue = Literal[
    "too_small", "too_large", "damaged", "not_as_described", "changed_mind", "other"
]
ReturnStatusValue = Literal["requested", "received", "refunded", "rejected"]


class ReturnLineDoc(TypedDict):
    """Units of an order line sent back, and why."""

    line_id: str
    quantity: int
    reason: ReturnReasonValue


class RefundDoc(TypedDict):
    """What a refunded return paid back."""

    amount: DecimalString
    currency: str


class ReturnDoc(TypedDict):
    """A return of some of an order's units."""

    id: str
    status: ReturnStatusValue
    method: Literal["store", "carrier"]
    location_id: NotRequired[str | None]
    lines: list[ReturnLineDoc]
    refund: NotRequired[RefundDoc | None]
    created_at: str


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
    returns: NotRequired[list[ReturnDoc]]
    returnable_until: NotRequired[str | None]
    updated_at: NotRequired[str]


ORDERS = TypeAdapter(list[OrderDoc])
RETURNS = TypeAdapter(list[ReturnDoc])


class DeliveryOptionDoc(TypedDict):
    """One way the allocation engine can get a basket to a destination."""

    mode: Literal["home", "click_and_collect"]
    service: str
    location_id: NotRequired[str | None]
    from_location_ids: list[str]
    split: bool
    earliest_at: str
    latest_at: str
    order_before: NotRequired[str | None]
    price: DecimalString
    currency: str


class UnavailableLineDoc(TypedDict):
    """A line of the basket that no option covers."""

    sku: str
    reason: str


class PromiseDoc(TypedDict):
    """``POST /promises``'s answer: options fastest first, and the lines none can serve."""

    options: list[DeliveryOptionDoc]
    unavailable: list[UnavailableLineDoc]


PROMISES = TypeAdapter(list[PromiseDoc])
