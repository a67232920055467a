"""Returns: what an order's owner may still send back, asking for a return, and listing them.

Every rule the OMS would refuse a return for is checked here first, against
the order as the OMS last served it (its lines' ``returnable_quantity``,
less the units of returns comptoir still holds for it): nothing is held or
sent that the OMS is known to refuse. A return is then held in the outbox
like an order, sent at once, and — while the OMS is unavailable — answered
``pending`` and delivered once when it is back (the same key, so the OMS
makes one return however often it is sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from comptoir.resolvers.customers import may_read_customer
from comptoir.resolvers.orders import OrderView, order
from comptoir.resolvers.outcomes import (
    Outcome,
    Problem,
    key_problems,
    key_reused,
    needs_the_outbox,
    outcome_of,
    signed_out,
)
from comptoir.resolvers.prefetch import load_locations
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.erp.models import LocationDoc
from comptoir.sources.held import RETURN, HeldWrites, Submitted, held_return, idempotency_key
from comptoir.sources.oms.models import ReturnDoc
from comptoir.sources.outbox import IdempotencyConflict, OutboxUnavailable, request_hash

MAX_RETURN_LINES = 100


@dataclass(frozen=True, slots=True)
class ReturnLineRequest:
    """A line to send back: the order line's id, how many units, and why (the OMS's reason)."""

    line_id: str
    quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    """A return as asked: the order, its lines, ``store`` (a ``location_id``) or ``carrier``."""

    order_id: str
    lines: list[ReturnLineRequest]
    method: str
    location_id: str | None


@dataclass(frozen=True, slots=True)
class ReturnView:
    """A return as the OMS has it, or as comptoir holds it until the OMS is back."""

    doc: ReturnDoc
    pending: bool = False


def _input_problems(request: ReturnRequest) -> list[Problem]:
    problems: list[Problem] = []
    if not request.lines:
        problems.append(
            Problem(("input", "lines"), "a return needs at least one line", "EMPTY_RETURN")
        )
    if len(request.lines) > MAX_RETURN_LINES:
        problems.append(
            Problem(("input", "lines"), f"at most {MAX_RETURN_LINES} lines", "TOO_MANY_LINES")
        )
    for index, line in enumerate(request.lines):
        if line.quantity < 1:
            problems.append(
                Problem(
                    ("input", "lines", str(index), "quantity"),
                    "quantity is at least 1",
                    "INVALID_QUANTITY",
                )
            )
    if request.method == "store" and not request.location_id:
        problems.append(
            Problem(
                ("input", "locationId"), "a return to a store needs a store", "LOCATION_REQUIRED"
            )
        )
    return problems


def held_units(held_returns: list[ReturnDoc]) -> dict[str, int]:
    """Units of each line in returns comptoir holds and the OMS does not have yet."""
    units: dict[str, int] = {}
    for ret in held_returns:
        for line in ret["lines"]:
            units[line["line_id"]] = units.get(line["line_id"], 0) + line["quantity"]
    return units


def eligibility_problems(
    view: OrderView, request: ReturnRequest, already_held: dict[str, int]
) -> list[Problem]:
    """Why the OMS would refuse these lines of this order (as it was last served), if it would."""
    doc = view.doc
    if view.pending or doc.get("returnable_until") is None:
        return [
            Problem(
                ("input", "orderId"),
                "nothing of this order can be returned: not delivered yet, its return window"
                " has closed, or everything was returned",
                "NOT_RETURNABLE",
            )
        ]
    left = {
        line["id"]: max(0, line.get("returnable_quantity", 0) - already_held.get(line["id"], 0))
        for line in doc["lines"]
        if "id" in line
    }
    problems: list[Problem] = []
    asked: dict[str, int] = {}
    for index, line in enumerate(request.lines):
        if line.line_id not in left:
            problems.append(
                Problem(
                    ("input", "lines", str(index), "lineId"),
                    f"the order has no line {line.line_id}",
                    "UNKNOWN_LINE",
                )
            )
            continue
        asked[line.line_id] = asked.get(line.line_id, 0) + line.quantity
        if asked[line.line_id] > left[line.line_id]:
            problems.append(
                Problem(
                    ("input", "lines", str(index), "quantity"),
                    f"line {line.line_id}: {asked[line.line_id]} asked,"
                    f" {left[line.line_id]} returnable",
                    "QUANTITY_TOO_HIGH",
                )
            )
    return problems


async def _location_problems(scope: RequestScope, request: ReturnRequest) -> list[Problem]:
    if request.method != "store" or not request.location_id:
        return []
    await load_locations(scope)
    location = scope.catalog.location_index().get(request.location_id)
    if location is None:
        return [
            Problem(
                ("input", "locationId"), f"no location {request.location_id}", "UNKNOWN_LOCATION"
            )
        ]
    if not location.get("accepts_returns"):
        return [
            Problem(
                ("input", "locationId"),
                f"{location['name']} does not take returns",
                "LOCATION_REFUSES_RETURNS",
            )
        ]
    return []


def return_body(order_id: str, request: ReturnRequest) -> dict[str, object]:
    """``POST /returns``'s body."""
    body: dict[str, object] = {
        "order_id": order_id,
        "lines": [
            {"line_id": line.line_id, "quantity": line.quantity, "reason": line.reason}
            for line in request.lines
        ],
        "method": request.method,
    }
    if request.method == "store":
        body["location_id"] = request.location_id
    return body


@needs_the_outbox
async def request_return(
    scope: RequestScope, held: HeldWrites, request: ReturnRequest, key: str
) -> Outcome[ReturnDoc]:
    """`requestReturn`: checked, held, sent; pending while the OMS is unavailable.

    Only the order's owner or a staff channel may ask; anyone else hears
    ``UNKNOWN_ORDER``, as for an order that does not exist. Raises the
    OMS's :class:`SourceError` when the order cannot be read at all (a
    fault: its eligibility cannot be checked).
    """
    if scope.shopper_id is None and not scope.staff:
        return signed_out()
    problems = key_problems(key) + _input_problems(request)
    if problems:
        return Outcome(problems=problems)
    view = await order(scope, held, request.order_id)
    if view is None:
        return Outcome(problems=[Problem(("input", "orderId"), "no such order", "UNKNOWN_ORDER")])
    owner = view.doc["customer_id"]
    order_id = view.doc["id"]
    body = return_body(order_id, request)
    digest = request_hash(body)
    already = await held.under_key(RETURN, scope.channel.code, owner, key)
    if already is not None:
        if already.request_hash != digest:
            return Outcome(problems=[key_reused()])
        return outcome_of(scope, RETURN, Submitted(already), held_return)
    holding = [held_return(w) for w in await held.returns_of(owner, order_id)]
    problems = eligibility_problems(view, request, held_units(holding))
    problems += await _location_problems(scope, request)
    if problems:
        return Outcome(problems=problems)
    return_key = idempotency_key(RETURN.name, scope.channel.code, owner, key)
    try:
        submitted = await held.submit(RETURN, return_key, body, input_hash=digest, subject=owner)
    except IdempotencyConflict:
        return Outcome(problems=[key_reused()])
    return outcome_of(scope, RETURN, submitted, held_return)


async def order_returns(scope: RequestScope, held: HeldWrites, view: OrderView) -> list[ReturnView]:
    """The order's returns as the OMS has them, then those comptoir still holds for it.

    Empty for anyone but the order's owner and staff channels. Held returns
    are left out while the outbox cannot be read.
    """
    doc = view.doc
    if not may_read_customer(scope, doc["customer_id"]):
        return []
    found = [ReturnView(ret) for ret in doc.get("returns") or []]
    if view.pending:
        return found
    try:
        writes = await held.returns_of(doc["customer_id"], doc["id"])
    except OutboxUnavailable:
        return found
    if writes:
        scope.report.add(RETURN.source, "fallback")
    return found + [ReturnView(held_return(w), pending=True) for w in writes]


async def return_location(scope: RequestScope, location_id: str) -> LocationDoc | None:
    """The location a return is brought to, ``None`` when the ERP does not know it."""
    await load_locations(scope)
    return scope.catalog.location_index().get(location_id)
