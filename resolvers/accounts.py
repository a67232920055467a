"""The write flows: registering a customer, placing an order, redeeming points.

Each checks the caller's input first (a problem: nothing is held, nothing is
sent), then holds the write in the outbox and tries it at once. A write whose
source is unavailable is answered pending, reported ``fallback``, and
delivered later; redeeming points is refused instead, since it needs a live
balance.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from comptoir.resolvers.catalog import fill_whole
from comptoir.resolvers.checkout import LineRequest, Problem, check_request, quote_cart
from comptoir.resolvers.placing import (
    DeliveryRequest,
    check_delivery,
    order_body,
    order_input_hash,
    pending_order,
)
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.crm.client import redeem_points
from comptoir.sources.crm.loaders import LoyaltyAccountByCustomerIdLoader
from comptoir.sources.crm.models import CustomerDoc
from comptoir.sources.erp.loaders import LocationsLoader
from comptoir.sources.errors import SourceError, SourceRejected
from comptoir.sources.oms.loaders import OrderByIdLoader
from comptoir.sources.outbox import IdempotencyConflict, OutboxWrite, WriteStatus, request_hash
from comptoir.sources.registry import ChangeEvent, SourceSet
from comptoir.sources.writes import (
    CUSTOMER,
    ORDER,
    Submitted,
    WriteDesk,
    WriteKind,
    idempotency_key,
    is_provisional,
)

MAX_KEY_LENGTH = 200
MAX_POINTS = 10_000_000
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True, slots=True)
class WriteScope:
    """What a write needs: the request, the outbox desk, and the sources."""

    request: RequestScope
    desk: WriteDesk
    sources: SourceSet


@dataclass(slots=True)
class Outcome:
    """A write's answer: the document (held or delivered), whether pending, the problems."""

    doc: Any = None
    pending: bool = False
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Registration:
    """A new customer as the caller gave it."""

    email: str
    first_name: str
    last_name: str
    phone: str | None


def _key_problems(key: str) -> list[Problem]:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        return [
            Problem(
                ("idempotencyKey",),
                f"idempotencyKey is 1 to {MAX_KEY_LENGTH} characters",
                "INVALID_IDEMPOTENCY_KEY",
            )
        ]
    return []


def _reused() -> Problem:
    return Problem(
        ("idempotencyKey",),
        "this idempotencyKey was used for a different input",
        "IDEMPOTENCY_KEY_REUSED",
    )


def _signed_out() -> Outcome:
    return Outcome(problems=[Problem(None, "sign in first (a shopper token)", "NOT_SIGNED_IN")])


def _registration_problems(reg: Registration) -> list[Problem]:
    problems = []
    if not _EMAIL.match(reg.email) or len(reg.email) > 254:
        problems.append(Problem(("input", "email"), "not an email address", "INVALID_EMAIL"))
    for name, value in (("firstName", reg.first_name), ("lastName", reg.last_name)):
        if not value or len(value) > 100:
            problems.append(
                Problem(("input", name), f"{name} is 1 to 100 characters", "INVALID_NAME")
            )
    if reg.phone is not None and not _PHONE.match(reg.phone):
        problems.append(
            Problem(
                ("input", "phone"),
                "a phone number in E.164 form, e.g. +33612345678",
                "INVALID_PHONE",
            )
        )
    return problems


def _refusal_problem(kind: WriteKind, error: str, message: str) -> Problem:
    if "email_taken" in error:
        return Problem(
            ("input", "email"), "an account already exists with this email", "EMAIL_TAKEN"
        )
    if "idempotency_key_reused" in error:
        return _reused()
    if "unknown_customer" in error:
        return Problem(None, "the OMS does not know this customer", "UNKNOWN_CUSTOMER")
    code = "ORDER_REFUSED" if kind is ORDER else "ACCOUNT_REFUSED"
    return Problem(None, f"the {kind.source} refused it: {message or error}", code)


def _answer(
    ws: WriteScope,
    kind: WriteKind,
    submitted: Submitted,
    held_doc: Callable[[OutboxWrite], Any],
) -> Outcome:
    """A submitted write's answer: the source's document, the held one, or the problems."""
    write = submitted.write
    if write is None:
        refusal = submitted.refusal
        error = refusal.error if refusal else "refused"
        detail = refusal.result if refusal and isinstance(refusal.result, dict) else {}
        return Outcome(problems=[_refusal_problem(kind, error, str(detail.get("message") or ""))])
    if write.status is WriteStatus.FAILED:
        error = write.last_error or "refused"
        return Outcome(problems=[_refusal_problem(kind, error, error)])
    if write.status is WriteStatus.DELIVERED:
        return Outcome(doc=write.result)
    ws.request.loaders.report.add(kind.source, "fallback")
    return Outcome(doc=held_doc(write), pending=True)


def provisional_customer(write: OutboxWrite) -> CustomerDoc:
    """A held account as a CRM-shaped customer under its provisional id."""
    body = write.body
    doc: dict[str, Any] = {
        "id": write.id,
        "email": body["email"],
        "first_name": body.get("first_name"),
        "last_name": body.get("last_name"),
        "phone": body.get("phone"),
        "identities": [],
    }
    return cast(CustomerDoc, doc)


async def register(ws: WriteScope, reg: Registration, key: str) -> Outcome:
    """`registerCustomer`: the CRM's new customer, or a provisional one while it is unavailable."""
    problems = _key_problems(key) + _registration_problems(reg)
    if problems:
        return Outcome(problems=problems)
    body: dict[str, Any] = {
        "email": reg.email,
        "first_name": reg.first_name,
        "last_name": reg.last_name,
    }
    if reg.phone:
        body["phone"] = reg.phone
    customer_key = idempotency_key(CUSTOMER.name, ws.request.channel.code, key)
    return await _submit(ws, CUSTOMER, customer_key, body, request_hash(body), provisional_customer)


async def _submit(
    ws: WriteScope,
    kind: WriteKind,
    key: str,
    body: dict[str, Any],
    digest: str,
    held_doc: Callable[[OutboxWrite], Any],
    *,
    subject: str | None = None,
    depends_on: str | None = None,
) -> Outcome:
    """Hold the write and try it: the source's document, the held one, or the problems."""
    try:
        submitted = await ws.desk.submit(
            kind, key, body, input_hash=digest, subject=subject, depends_on=depends_on
        )
    except IdempotencyConflict:
        return Outcome(problems=[_reused()])
    return _answer(ws, kind, submitted, held_doc)


async def _stores(scope: RequestScope) -> set[str]:
    await fill_whole(scope, "locations", scope.loaders.get(LocationsLoader), "id")
    found = scope.catalog.whole["locations"]
    if isinstance(found, SourceError):
        raise found
    return {i for i, doc in found.items() if doc.get("kind") == "store"}


async def held_order(ws: WriteScope, write: OutboxWrite) -> Outcome:
    """An order held under a key: the OMS's order as it is now once delivered, else as held."""
    outcome = _answer(ws, ORDER, Submitted(write), pending_order)
    if write.status is WriteStatus.DELIVERED and write.remote_id:
        try:
            live = await ws.request.loaders.get(OrderByIdLoader).load(write.remote_id)
        except SourceError:
            live = None
        outcome.doc = live or outcome.doc
    return outcome


async def _held_under_key(ws: WriteScope, shopper: str, key: str) -> OutboxWrite | None:
    """The order held under the caller's key, also when it was placed before the account existed.

    A shopper who ordered with a held account's provisional id and retries
    once the CRM has made it must get the same order, not a second one.
    """
    for alias in await ws.desk.aliases(shopper):
        held = await ws.desk.find(
            ORDER, idempotency_key(ORDER.name, ws.request.channel.code, alias, key)
        )
        if held is not None:
            return held
    return None


async def place_order(
    ws: WriteScope,
    lines: list[LineRequest],
    coupons: list[str],
    delivery: DeliveryRequest,
    key: str,
    promo: Any,
) -> Outcome:
    """`placeOrder`: priced like the cart, sent to the OMS, or held while it is unavailable."""
    scope = ws.request
    shopper = scope.shopper_id
    if shopper is None:
        return _signed_out()
    problems = _key_problems(key) + check_request(lines, coupons)
    if not lines:
        problems.append(
            Problem(("input", "lines"), "an order needs at least one line", "EMPTY_ORDER")
        )
    if problems:
        return Outcome(problems=problems)
    order_key = idempotency_key(ORDER.name, scope.channel.code, shopper, key)
    digest = order_input_hash(lines, coupons, delivery)
    held = await _held_under_key(ws, shopper, key)
    if held is not None:
        return (
            Outcome(problems=[_reused()])
            if held.request_hash != digest
            else await held_order(ws, held)
        )
    depends_on = None
    if is_provisional(CUSTOMER, shopper):
        account = await ws.desk.get(shopper)
        if account is None or account.status is WriteStatus.FAILED:
            return Outcome(
                problems=[Problem(None, "this account was not created", "UNKNOWN_CUSTOMER")]
            )
        depends_on = shopper
    problems = check_delivery(delivery, await _stores(scope))
    if problems:
        return Outcome(problems=problems)
    customer_for_promo = None if depends_on else shopper
    quote = await quote_cart(scope, lines, coupons, customer_for_promo, promo, all_or_nothing=True)
    if quote.problems:
        return Outcome(problems=quote.problems)
    body = order_body(shopper, scope.channel.code, quote, delivery)
    return await _submit(
        ws, ORDER, order_key, body, digest, pending_order, subject=shopper, depends_on=depends_on
    )


def _redemption_problem(exc: SourceRejected) -> Problem:
    if exc.status == 409:
        return _reused()
    if "insufficient" in exc.error:
        return Problem(("points",), "not enough points: " + exc.message, "INSUFFICIENT_POINTS")
    if "no_loyalty_account" in exc.error:
        return Problem(None, "no loyalty account", "NO_LOYALTY_ACCOUNT")
    return Problem(
        ("points",), f"the CRM refused it: {exc.message or exc.error}", "REDEMPTION_REFUSED"
    )


async def redeem(ws: WriteScope, points: int, key: str) -> Outcome:
    """`redeemLoyaltyPoints`: burned against the CRM's live balance, never held for later."""
    scope = ws.request
    shopper = scope.shopper_id
    if shopper is None:
        return _signed_out()
    problems = _key_problems(key)
    if not 1 <= points <= MAX_POINTS:
        problems.append(
            Problem(("points",), f"points must be between 1 and {MAX_POINTS}", "INVALID_POINTS")
        )
    if problems:
        return Outcome(problems=problems)
    if is_provisional(CUSTOMER, shopper):
        return Outcome(problems=[Problem(None, "no loyalty account yet", "NO_LOYALTY_ACCOUNT")])
    crm = ws.sources.clients[CUSTOMER.source]
    try:
        await redeem_points(
            crm,
            {"customer_id": shopper, "points": points},
            idempotency_key("redemption", scope.channel.code, shopper, key),
        )
    except SourceRejected as exc:
        return Outcome(problems=[_redemption_problem(exc)])
    except SourceError:
        scope.loaders.report.add(CUSTOMER.source, "unavailable")
        return Outcome(
            problems=[
                Problem(
                    None,
                    "the loyalty service is unavailable;"
                    " points are only redeemed against a live balance",
                    "LOYALTY_UNAVAILABLE",
                )
            ]
        )
    await ws.sources.apply_events(
        CUSTOMER.source,
        [
            ChangeEvent("loyalty_accounts", (shopper,)),
            ChangeEvent("loyalty_transactions", (shopper,)),
        ],
    )
    loader = scope.loaders.get(LoyaltyAccountByCustomerIdLoader)
    loader.clear(shopper)
    try:
        account = await loader.load(shopper)
    except SourceError:
        account = None
    return Outcome(doc=account)
