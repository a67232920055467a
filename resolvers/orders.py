"""Orders: a shopper's orders from every channel, one order by id, and placing an order.

An order placed while the OMS is unavailable is held (``PENDING``) and
delivered later, once; until then it leads the shopper's first page of
orders and its provisional id reads it. The body sent to the OMS carries the
prices in force and the promotions the engine applied, never amounts from
the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from comptoir.resolvers.cart import LineRequest, Quote, check_request, quote_cart
from comptoir.resolvers.customers import may_read_customer
from comptoir.resolvers.outcomes import (
    Outcome,
    Problem,
    key_problems,
    key_reused,
    needs_the_outbox,
    outcome_of,
    signed_out,
)
from comptoir.resolvers.paging import Page, check_first, encode_cursor, paginate
from comptoir.resolvers.prefetch import load_locations
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.errors import SourceError
from comptoir.sources.held import (
    CUSTOMER,
    ORDER,
    HeldWrites,
    Submitted,
    held_order,
    idempotency_key,
)
from comptoir.sources.models import money_string
from comptoir.sources.oms.loaders import CustomerOrderPageLoader, OrderByIdLoader
from comptoir.sources.oms.models import OrderDoc
from comptoir.sources.outbox import (
    IdempotencyConflict,
    OutboxUnavailable,
    OutboxWrite,
    WriteStatus,
    request_hash,
)
from comptoir.sources.registry import SourceSet

_TEXT_MAX = 200


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order document, and whether comptoir still holds it for the OMS."""

    doc: OrderDoc
    pending: bool = False


async def customer_orders(
    scope: RequestScope, held: HeldWrites, customer_id: str, first: int, after: str | None
) -> Page[OrderView]:
    """One page of the customer's orders, newest first; held ones (pending) lead the first page.

    A held order's cursor stands before the OMS's newest order, so the next
    page goes on with the OMS's list. With the OMS unavailable, the first page
    holds the held orders alone (reported ``fallback``); with the outbox
    unavailable, the OMS's orders alone.
    """
    leading: Sequence[OrderView] = []
    if after is None:
        try:
            leading = [OrderView(doc, pending=True) for doc in await held.orders_of(customer_id)]
        except OutboxUnavailable:
            leading = []
    if not leading:
        return await _oms_orders(scope, customer_id, first, after)
    scope.report.add(ORDER.source, "fallback")
    check_first(first, scope.max_page_size)
    start = encode_cursor(None, 0)
    edges = [(view, start) for view in leading[:first]]
    if len(edges) == first:
        return Page(edges, has_next_page=True)
    try:
        rest = await _oms_orders(scope, customer_id, first - len(edges), None)
    except SourceError:
        # Without the OMS, what comptoir holds is still the shopper's.
        return Page(edges, has_next_page=True)
    return Page(edges + rest.edges, rest.has_next_page)


async def _oms_orders(
    scope: RequestScope, customer_id: str, first: int, after: str | None
) -> Page[OrderView]:
    pages = scope.loaders.get(CustomerOrderPageLoader)
    orders = scope.loaders.get(OrderByIdLoader)

    async def fetch(cursor: str | None, limit: int) -> tuple[list[OrderView], str | None]:
        page = await pages.load_page(customer_id, {"limit": str(limit), "cursor": cursor or ""})
        if page is None:
            return [], None
        found = []
        for doc in await orders.load_many(page["ids"]):
            if isinstance(doc, SourceError):
                raise doc
            if doc is not None:
                found.append(OrderView(doc))
        return found, page["next_cursor"]

    return await paginate(fetch, first, after, scope.max_page_size)


async def order(scope: RequestScope, held: HeldWrites, order_id: str) -> OrderView | None:
    """An order for its owner or a staff channel; ``None`` for anyone else (not revealed).

    A provisional id reads the held order while it is pending, then the
    OMS's order it became.
    """
    if ORDER.holds(order_id):
        write = await held.get(order_id)
        if write is None or write.kind != ORDER.name or write.status is WriteStatus.FAILED:
            return None
        if write.status is WriteStatus.PENDING:
            owner = held.resolve(write.subject or "")
            if not may_read_customer(scope, owner):
                return None
            scope.report.add(ORDER.source, "fallback")
            return OrderView(held_order(write, owner), pending=True)
        order_id = write.remote_id or order_id
    doc = await scope.loaders.get(OrderByIdLoader).load(order_id)
    if doc is None or not may_read_customer(scope, doc["customer_id"]):
        return None
    return OrderView(doc)


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


async def _answer_held(scope: RequestScope, write: OutboxWrite) -> Outcome[OrderDoc]:
    """An order held under a key: the OMS's order as it is now once delivered, else as held."""
    outcome = outcome_of(scope, ORDER, Submitted(write), held_order)
    if write.status is WriteStatus.DELIVERED and write.remote_id:
        try:
            live = await scope.loaders.get(OrderByIdLoader).load(write.remote_id)
        except SourceError:
            live = None
        outcome.doc = live or outcome.doc
    return outcome


async def _store_ids(scope: RequestScope) -> set[str]:
    await load_locations(scope)
    return {i for i, doc in scope.catalog.location_index().items() if doc.get("kind") == "store"}


@needs_the_outbox
async def place_order(
    scope: RequestScope,
    held: HeldWrites,
    sources: SourceSet,
    lines: list[LineRequest],
    coupons: list[str],
    delivery: DeliveryRequest,
    key: str,
) -> Outcome[OrderDoc]:
    """`placeOrder`: priced like the cart, sent to the OMS, or held while it is unavailable.

    Raises the catalog's or the ERP's :class:`SourceError` when the lines
    cannot be checked at all: that is a fault, not the caller's mistake.
    """
    shopper = scope.shopper_id
    if shopper is None:
        return signed_out()
    problems = key_problems(key) + check_request(lines, coupons)
    if not lines:
        problems.append(
            Problem(("input", "lines"), "an order needs at least one line", "EMPTY_ORDER")
        )
    if problems:
        return Outcome(problems=problems)
    digest = order_input_hash(lines, coupons, delivery)
    already = await held.under_key(ORDER, scope.channel.code, shopper, key)
    if already is not None:
        if already.request_hash != digest:
            return Outcome(problems=[key_reused()])
        return await _answer_held(scope, already)
    depends_on = None
    if CUSTOMER.holds(shopper):
        account = await held.get(shopper)
        if account is None or account.status is WriteStatus.FAILED:
            return Outcome(
                problems=[Problem(None, "this account was not created", "UNKNOWN_CUSTOMER")]
            )
        depends_on = shopper
    problems = check_delivery(delivery, await _store_ids(scope))
    if problems:
        return Outcome(problems=problems)
    # A held account is unknown to the promotion engine: no personal promotions yet.
    customer_for_promo = None if depends_on else shopper
    quote = await quote_cart(
        scope, lines, coupons, customer_for_promo, sources, all_or_nothing=True
    )
    if quote.problems:
        return Outcome(problems=quote.problems)
    body = order_body(shopper, scope.channel.code, quote, delivery)
    order_key = idempotency_key(ORDER.name, scope.channel.code, shopper, key)
    try:
        submitted = await held.submit(
            ORDER, order_key, body, input_hash=digest, subject=shopper, depends_on=depends_on
        )
    except IdempotencyConflict:
        return Outcome(problems=[key_reused()])
    return outcome_of(scope, ORDER, submitted, held_order)
