"""The reference oms: orders (reads and placing), delivery promises, returns.

Placing an order checks the customer in the crm's file of the same data
directory, as the oms of a real stack would ask the crm; promises read the
erp's stock and locations and the pim's variants, returns the erp's
locations. The oms's clock (:mod:`~comptoir.sources.reference.clock`) dates
orders and returns, and decides cut-offs and return windows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from comptoir.sources.reference.clock import Clock, wall_clock
from comptoir.sources.reference.crm import Text, next_counter
from comptoir.sources.reference.db import Database
from comptoir.sources.reference.idempotency import Handler, idempotent_route
from comptoir.sources.reference.lists import newest_first
from comptoir.sources.reference.money import ZERO, fmt, included_vat
from comptoir.sources.reference.pim import batch
from comptoir.sources.reference.promises import Promiser
from comptoir.sources.reference.returns import order_text_view, order_view, return_creator
from comptoir.sources.reference.scale import iso
from comptoir.sources.reference.storage import dumps
from comptoir.sources.reference.web import (
    RequestRefused,
    SourceParts,
    Worker,
    parse_ids,
    parse_json,
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
        raise RequestRefused(400, "invalid_body", "the promotions exceed the subtotal")
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


def order_creator(customer_exists: Callable[[str], bool], clock: Clock = wall_clock) -> Handler:
    """The handler placing an order; 422 ``unknown_customer`` for a customer the crm lacks."""

    def create(conn: sqlite3.Connection, payload: Any) -> tuple[int, str]:
        body = validate(NewOrder, payload)
        if not customer_exists(body.customer_id):
            raise RequestRefused(422, "unknown_customer", f"no customer {body.customer_id}")
        moment = clock()
        order_id = f"O-{moment.year}-{next_counter(conn, 'order'):06d}"
        doc = order_document(body, order_id, iso(moment))
        conn.execute(
            "INSERT INTO orders (id, customer_id, placed_at, doc) VALUES (?, ?, ?, ?)",
            (order_id, body.customer_id, doc["placed_at"], dumps(doc)),
        )
        return 201, dumps(order_view(doc, moment))

    return create


def _optional(path: Path) -> Database | None:
    return Database(path) if path.is_file() else None


def build(data_dir: Path, worker: Worker, clock: Clock = wall_clock) -> SourceParts:
    """The oms's routes over ``<data_dir>/oms.sqlite``, reading the crm's, erp's and pim's files."""
    db = Database(data_dir / "oms.sqlite")
    crm, erp, pim = (_optional(data_dir / f"{name}.sqlite") for name in ("crm", "erp", "pim"))
    promiser = Promiser(erp, pim, clock)
    view = order_text_view(clock)

    def customer_exists(customer_id: str) -> bool:
        if crm is None:
            return True
        with crm.connection() as conn:
            return (
                conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone()
                is not None
            )

    def accepts_returns(location_id: str) -> bool:
        if erp is None:
            return False
        with erp.connection() as conn:
            row = conn.execute("SELECT doc FROM locations WHERE id = ?", (location_id,)).fetchone()
        return row is not None and json.loads(row[0]).get("accepts_returns") is True

    create = order_creator(customer_exists, clock)
    create_return = return_creator(clock, accepts_returns)

    def orders(params: QueryParams) -> Response:
        ids = parse_ids(params, "ids", required=False)
        if ids is not None:
            return batch(db, "orders", "id", ids, "orders", view=view)
        customer_id = params.get("customer_id")
        if not customer_id:
            raise RequestRefused(400, "missing_parameter", "give ids or customer_id")
        return newest_first(db, "orders", "placed_at", "id", str, params, view=view)

    async def post_promise(request: Request) -> Response:
        payload = parse_json(await request.body())
        return await worker.run(promiser.answer, payload)

    routes = [
        Route("/orders", worker.get(orders), methods=["GET"]),
        idempotent_route(worker, db, "/orders", create),
        idempotent_route(worker, db, "/returns", create_return),
        Route("/promises", post_promise, methods=["POST"]),
    ]
    return SourceParts(routes, [db, *(other for other in (crm, erp, pim) if other is not None)])
