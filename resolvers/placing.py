"""Placing an order: checking the delivery, the OMS body, and the order as comptoir holds it.

The body sent to the OMS carries the prices in force and the promotions the
engine applied, never amounts from the caller. While the OMS has not taken
it, the order is shown from that same body, marked pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from comptoir.resolvers.checkout import LineRequest, Problem, Quote
from comptoir.resolvers.pricing import money_string
from comptoir.sources.oms.models import OrderDoc
from comptoir.sources.outbox import OutboxWrite, request_hash

ESTIMATED_VAT_RATE = Decimal("0.20")
"""Tax shown on a pending order (VAT included in the price) until the OMS gives its own."""

_TEXT_MAX = 200


@dataclass(frozen=True, slots=True)
class Address:
    """A delivery address as the caller gave it."""

    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str


@dataclass(frozen=True, slots=True)
class DeliveryRequest:
    """How the order reaches the shopper: ``home`` (an address), ``click_and_collect`` (a store)."""

    mode: str
    location_id: str | None
    address: Address | None


def check_delivery(
    delivery: DeliveryRequest, stores: set[str], path: tuple[str, ...] = ("input", "delivery")
) -> list[Problem]:
    """Problems of the delivery: a store for click and collect, a complete address for home."""
    if delivery.mode == "click_and_collect":
        if not delivery.location_id:
            return [
                Problem(
                    (*path, "locationId"), "click and collect needs a store", "LOCATION_REQUIRED"
                )
            ]
        if delivery.location_id not in stores:
            return [
                Problem(
                    (*path, "locationId"),
                    f"{delivery.location_id} is not a store",
                    "UNKNOWN_LOCATION",
                )
            ]
        return []
    address = delivery.address
    if address is None:
        return [Problem((*path, "address"), "home delivery needs an address", "ADDRESS_REQUIRED")]
    problems = []
    for name, value in (
        ("line1", address.line1),
        ("city", address.city),
        ("postalCode", address.postal_code),
    ):
        if not value.strip() or len(value) > _TEXT_MAX:
            problems.append(
                Problem(
                    (*path, "address", name),
                    f"{name} is 1 to {_TEXT_MAX} characters",
                    "INVALID_ADDRESS",
                )
            )
    if len(address.country) != 2 or not address.country.isascii() or not address.country.isupper():
        problems.append(
            Problem(
                (*path, "address", "country"),
                "country is an ISO 3166 code of two capital letters, e.g. FR",
                "INVALID_ADDRESS",
            )
        )
    return problems


def order_input_hash(
    lines: list[LineRequest], coupons: list[str], delivery: DeliveryRequest
) -> str:
    """What makes two calls "the same order": the lines, coupons and delivery asked for."""
    address = delivery.address
    return request_hash(
        {
            "lines": [[line.sku, line.quantity] for line in lines],
            "coupons": coupons,
            "delivery": {
                "mode": delivery.mode,
                "location_id": delivery.location_id,
                "address": None
                if address is None
                else [
                    address.line1,
                    address.line2,
                    address.city,
                    address.postal_code,
                    address.country,
                ],
            },
        }
    )


def order_body(
    customer_id: str, channel: str, quote: Quote, delivery: DeliveryRequest
) -> dict[str, Any]:
    """``POST /orders``'s body: our prices in force and the promotions applied."""
    wire: dict[str, Any] = {"mode": delivery.mode}
    if delivery.mode == "click_and_collect":
        wire["location_id"] = delivery.location_id
    elif delivery.address is not None:
        address = delivery.address
        wire["address"] = {
            "line1": address.line1,
            "city": address.city,
            "postal_code": address.postal_code,
            "country": address.country,
            **({"line2": address.line2} if address.line2 else {}),
        }
    body: dict[str, Any] = {
        "customer_id": customer_id,
        "channel": channel,
        "currency": quote.currency,
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": money_string(line.unit_price),
            }
            for line in quote.lines
        ],
        "delivery": wire,
    }
    if quote.promotions:
        body["promotions"] = [
            {"id": p.id, "label": p.label, "amount": money_string(p.amount)}
            for p in quote.promotions
        ]
    return body


def pending_order(write: OutboxWrite, customer_id: str | None = None) -> OrderDoc:
    """The order as comptoir holds it: an OMS-shaped document under the provisional id."""
    body = write.body
    lines = []
    subtotal = Decimal("0")
    for index, line in enumerate(body["lines"], start=1):
        total = Decimal(line["unit_price"]) * line["quantity"]
        subtotal += total
        lines.append(
            {
                "id": str(index),
                "sku": line["sku"],
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "discount": "0.00",
                "total": money_string(total),
            }
        )
    discount = sum((Decimal(p["amount"]) for p in body.get("promotions") or ()), Decimal("0"))
    grand = subtotal - discount
    tax = grand - grand / (1 + ESTIMATED_VAT_RATE)
    delivery = body["delivery"]
    doc: dict[str, Any] = {
        "id": write.id,
        "customer_id": customer_id or body["customer_id"],
        "channel": body["channel"],
        "location_id": delivery.get("location_id"),
        "status": "placed",
        "placed_at": datetime.fromtimestamp(write.created_at, UTC).isoformat(),
        "currency": body["currency"],
        "lines": lines,
        "totals": {
            "subtotal": money_string(subtotal),
            "discount": money_string(discount),
            "shipping": "0.00",
            "tax": money_string(tax),
            "grand_total": money_string(grand),
        },
        "delivery": {
            "mode": delivery["mode"],
            "location_id": delivery.get("location_id"),
            "address": delivery.get("address"),
        },
        "shipments": [],
        "returns": [],
    }
    return cast(OrderDoc, doc)
