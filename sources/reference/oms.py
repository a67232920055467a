"""The reference oms: orders by id or by customer (newest first), and placing orders.

Placing an order checks the customer in the crm's file of the same data
directory, as the oms of a real stack would ask the crm.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from comptoir.sources.reference.crm import Text, next_counter
from comptoir.sources.reference.db import Database
from comptoir.sources.reference.idempotency import idempotent_post
from comptoir.sources.reference.lists import newest_first
from comptoir.sources.reference.money import ZERO, fmt, included_vat
from comptoir.sources.reference.pim import batch
from comptoir.sources.reference.scale import iso
from comptoir.sources.reference.storage import dumps
from comptoir.sources.reference.web import (
    SourceError,
    SourceParts,
    Worker,
    parse_ids,
    validate,
)
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Amount = Annotated[str, Field(strict=True, pattern=r"^\d{1,10}(\.\d{1,2})?$")]


class OrderLineIn(BaseModel):
    """A line of ``POST /orders``."""

    sku: Text
    quantity: Annotated[int, Field(strict=True, ge=1, le=10_000)]
    unit_price: Amount


class AddressIn(BaseModel):
    """A delivery address (extra fields are kept)."""

    model_config = ConfigDict(extra="allow")

    line1: Text
    city: Text
    postal_code: Text
    country: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{2}$")] = "FR"


class DeliveryIn(BaseModel):
    """How the order reaches the customer."""

    mode: Literal["home", "click_and_collect"]
    location_id: Text | None = None
    address: AddressIn | None = None

    @model_validator(mode="after")
    def _complete(self) -> DeliveryIn:
        if self.mode == "click_and_collect" and not self.location_id:
            raise ValueError("click_and_collect needs a location_id")
        if self.mode == "home" and self.address is None:
            raise ValueError("home delivery needs an address")
        return self


class PromotionIn(BaseModel):
    """A promotion already applied to the cart (as ``POST /carts/evaluate`` lists it)."""

    model_config = ConfigDict(extra="allow")

    id: Text | None = None
    label: str | None = None
    amount: Amount


class NewOrder(BaseModel):
    """The body of ``POST /orders``."""

    customer_id: Text
    channel: Text
    currency: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$")]
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=500)]
    delivery: DeliveryIn
    promotions: list[PromotionIn] = Field(default_factory=list)
    location_id: Text | None = None


def order_document(body: NewOrder, order_id: str, now: str) -> dict[str, object]:
    """The placed order: line totals, the promotions' discount, 20 % VAT included."""
    lines, subtotal = [], ZERO
    for index, line in enumerate(body.lines, start=1):
        total = Decimal(line.unit_price) * line.quantity
        subtotal += total
        lines.append(
            {
                "id": str(index),
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": fmt(Decimal(line.unit_price)),
                "discount": "0.00",
                "total": fmt(total),
            }
        )
    discount = sum((Decimal(p.amount) for p in body.promotions), ZERO)
    if discount > subtotal:
        raise SourceError(400, "invalid_body", "the promotions exceed the subtotal")
    shipping = ZERO
    grand = subtotal - discount + shipping
    delivery = body.delivery
    location = body.location_id or (delivery.location_id if body.channel == "store" else None)
    return {
        "id": order_id,
        "customer_id": body.customer_id,
        "channel": body.channel,
        "location_id": location,
        "status": "placed",
        "placed_at": now,
        "currency": body.currency,
        "lines": lines,
        "totals": {
            "subtotal": fmt(subtotal),
            "discount": fmt(discount),
            "shipping": fmt(shipping),
            "tax": fmt(included_vat(grand)),
            "grand_total": fmt(grand),
        },
        "delivery": {
            "mode": delivery.mode,
            "location_id": delivery.location_id if delivery.mode == "click_and_collect" else None,
            "address": delivery.address.model_dump()
            if delivery.mode == "home" and delivery.address
            else None,
        },
        "shipments": [],
        "returns": [],
        "updated_at": now,
    }


def order_creator(
    customer_exists: Callable[[str], bool],
) -> Callable[[sqlite3.Connection, Any], tuple[int, str]]:
    """The handler placing an order; 422 ``unknown_customer`` for a customer the crm lacks."""

    def create(conn: sqlite3.Connection, payload: Any) -> tuple[int, str]:
        body = validate(NewOrder, payload)
        if not customer_exists(body.customer_id):
            raise SourceError(422, "unknown_customer", f"no customer {body.customer_id}")
        moment = datetime.now(UTC)
        order_id = f"O-{moment.year}-{next_counter(conn, 'order'):06d}"
        doc = order_document(body, order_id, iso(moment))
        text = dumps(doc)
        conn.execute(
            "INSERT INTO orders (id, customer_id, placed_at, doc) VALUES (?, ?, ?, ?)",
            (order_id, body.customer_id, doc["placed_at"], text),
        )
        return 201, text

    return create


def build(data_dir: Path, worker: Worker) -> SourceParts:
    """The oms's routes over ``<data_dir>/oms.sqlite`` (customers checked in ``crm.sqlite``)."""
    db = Database(data_dir / "oms.sqlite")
    crm = Database(data_dir / "crm.sqlite") if (data_dir / "crm.sqlite").is_file() else None

    def customer_exists(customer_id: str) -> bool:
        if crm is None:
            return True
        with crm.connection() as conn:
            return (
                conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone()
                is not None
            )

    create = order_creator(customer_exists)

    def orders(params: QueryParams) -> Response:
        ids = parse_ids(params, "ids", required=False)
        if ids is not None:
            return batch(db, "orders", "id", ids, "orders")
        customer_id = params.get("customer_id")
        if not customer_id:
            raise SourceError(400, "missing_parameter", "give ids or customer_id")
        return newest_first(db, "orders", "placed_at", "id", str, params)

    async def post_order(request: Request) -> Response:
        raw = await request.body()
        return await worker.run(
            idempotent_post, db, "/orders", request.headers.get("idempotency-key"), raw, create
        )

    routes = [
        Route("/orders", worker.get(orders), methods=["GET"]),
        Route("/orders", post_order, methods=["POST"]),
    ]
    return SourceParts(routes, [db] + ([crm] if crm else []))
