"""Returns in the reference oms: the return window, what may still be returned, ``POST /returns``.

Rules:

- An order is delivered when its status is ``delivered`` or ``returned``; it
  was delivered at the latest ``delivered_at`` of its shipments, or when it
  was placed if it has none (a sale handed over at the till).
- The return window closes :data:`RETURN_WINDOW` (30 days) after delivery.
- A line's ``returnable_quantity`` is its quantity less the units of its
  returns that were not rejected (a rejected return gives the units back to
  the shopper, who may return them again), and 0 while the order is not
  delivered or once the window has closed.
- ``returnable_until`` is the end of the window while some line has units
  left to return, otherwise null.

These fields depend on the oms's clock, so they are computed on every read
(:func:`order_view`) rather than stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from comptoir.sources.reference.clock import Clock
from comptoir.sources.reference.crm import next_counter
from comptoir.sources.reference.idempotency import Handler
from comptoir.sources.reference.scale import iso
from comptoir.sources.reference.storage import dumps
from comptoir.sources.reference.web import Id, RequestRefused, validate
from pydantic import BaseModel, Field, model_validator

RETURN_WINDOW = timedelta(days=30)
"""How long after delivery an order's lines may be returned."""

Reason = Literal["too_small", "too_large", "damaged", "not_as_described", "changed_mind", "other"]

_DELIVERED = ("delivered", "returned")


def delivered_at(order: dict[str, Any]) -> datetime | None:
    """When the order reached the shopper; ``None`` while it is not delivered."""
    if order["status"] not in _DELIVERED:
        return None
    moments = [s["delivered_at"] for s in order.get("shipments") or [] if s.get("delivered_at")]
    return datetime.fromisoformat(max(moments) if moments else order["placed_at"])


def returned_units(order: dict[str, Any]) -> dict[str, int]:
    """Units of each line (by line id) in the order's returns that were not rejected."""
    units: dict[str, int] = {}
    for ret in order.get("returns") or []:
        if ret["status"] != "rejected":
            for line in ret["lines"]:
                units[line["line_id"]] = units.get(line["line_id"], 0) + int(line["quantity"])
    return units


def returnable(order: dict[str, Any], now: datetime) -> tuple[dict[str, int], datetime | None]:
    """Each line's returnable quantity at ``now``, and the window's end (``None``: closed)."""
    delivered = delivered_at(order)
    open_until = delivered + RETURN_WINDOW if delivered is not None else None
    if open_until is None or now >= open_until:
        return {line["id"]: 0 for line in order["lines"]}, None
    taken = returned_units(order)
    left = {
        line["id"]: max(0, line["quantity"] - taken.get(line["id"], 0)) for line in order["lines"]
    }
    return left, open_until if any(left.values()) else None


def order_view(order: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The order as the oms serves it at ``now``: stored facts plus the return fields."""
    left, until = returnable(order, now)
    for line in order["lines"]:
        line["returnable_quantity"] = left[line["id"]]
    order["returnable_until"] = iso(until) if until is not None else None
    return order


def order_text_view(clock: Clock) -> Callable[[str], str]:
    """Rewrites a stored order document into the served one, at the clock's current moment."""

    def view(doc: str) -> str:
        # orjson: every order read goes through here, several times faster than json both ways
        return orjson.dumps(order_view(orjson.loads(doc), clock())).decode()

    return view


class ReturnLineIn(BaseModel):
    """A line of ``POST /returns``."""

    line_id: Id
    quantity: Annotated[int, Field(strict=True, ge=1)]  # above what is left: 422, not 400
    reason: Reason


class NewReturn(BaseModel):
    """The body of ``POST /returns``; a ``location_id`` given with ``carrier`` is not kept."""

    order_id: Id
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=500)]
    method: Literal["store", "carrier"]
    location_id: Id | None = None

    @model_validator(mode="after")
    def _located(self) -> NewReturn:
        if self.method == "store" and not self.location_id:
            raise ValueError("a return to a store needs a location_id")
        return self


def refusal(
    order: dict[str, Any], body: NewReturn, now: datetime, accepts_returns: Callable[[str], bool]
) -> str | None:
    """Why ``body`` cannot be returned at ``now`` (a ``not_returnable`` message), or ``None``."""
    delivered = delivered_at(order)
    if delivered is None:
        return f"order {order['id']} is not delivered"
    if now >= delivered + RETURN_WINDOW:
        closed = iso(delivered + RETURN_WINDOW)
        return f"the return window of order {order['id']} closed at {closed}"
    left, _ = returnable(order, now)
    asked: dict[str, int] = {}
    for line in body.lines:
        if line.line_id not in left:
            return f"order {order['id']} has no line {line.line_id}"
        asked[line.line_id] = asked.get(line.line_id, 0) + line.quantity
    for line_id, quantity in asked.items():
        if quantity > left[line_id]:
            return f"line {line_id}: {quantity} asked, {left[line_id]} returnable"
    if body.method == "store" and not accepts_returns(str(body.location_id)):
        return f"location {body.location_id} does not accept returns"
    return None


def return_creator(clock: Clock, accepts_returns: Callable[[str], bool]) -> Handler:
    """The handler of ``POST /returns``, run inside the idempotent write transaction."""

    def create(conn: sqlite3.Connection, payload: Any) -> tuple[int, str]:
        body = validate(NewReturn, payload)
        row = conn.execute("SELECT doc FROM orders WHERE id = ?", (body.order_id,)).fetchone()
        if row is None:
            raise RequestRefused(404, "order_not_found", f"no order {body.order_id}")
        order = json.loads(row[0])
        now = clock()
        why = refusal(order, body, now, accepts_returns)
        if why is not None:
            raise RequestRefused(422, "not_returnable", why)
        created = iso(now)
        doc = {
            "id": f"R-{now.year}-{next_counter(conn, 'return'):06d}",
            "status": "requested",
            "method": body.method,
            "location_id": body.location_id if body.method == "store" else None,
            "lines": [line.model_dump() for line in body.lines],
            "refund": None,
            "created_at": created,
        }
        order.setdefault("returns", []).append(doc)
        order["updated_at"] = created
        conn.execute("UPDATE orders SET doc = ? WHERE id = ?", (dumps(order), body.order_id))
        return 201, dumps(doc)

    return create
