"""What a mutation's caller hears: the problems of their input, and what became of their write.

A problem is a ``UserError`` of the payload (``field``, ``message``,
``code``), never a GraphQL error: GraphQL errors are for faults.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, ParamSpec, TypeVar

from comptoir.resolvers.scope import RequestScope
from comptoir.sources.held import ORDER, RETURN, Submitted, WriteKind
from comptoir.sources.outbox import OutboxUnavailable, OutboxWrite, WriteStatus

D = TypeVar("D")
P = ParamSpec("P")

MAX_KEY_LENGTH = 200
"""The longest ``idempotencyKey`` a caller may send."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the caller got wrong: a ``UserError`` of the payload."""

    field: tuple[str, ...] | None
    message: str
    code: str


@dataclass(slots=True)
class Outcome(Generic[D]):
    """A write's answer: the document (the source's, or as held), whether pending, the problems."""

    doc: D | None = None
    pending: bool = False
    problems: list[Problem] = field(default_factory=list)


def key_problems(key: str) -> list[Problem]:
    """The caller's ``idempotencyKey`` must be 1 to 200 characters."""
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        return [
            Problem(
                ("idempotencyKey",),
                f"idempotencyKey is 1 to {MAX_KEY_LENGTH} characters",
                "INVALID_IDEMPOTENCY_KEY",
            )
        ]
    return []


def key_reused() -> Problem:
    """The caller's key was used before for another input."""
    return Problem(
        ("idempotencyKey",),
        "this idempotencyKey was used for a different input",
        "IDEMPOTENCY_KEY_REUSED",
    )


def needs_the_outbox(
    flow: Callable[P, Awaitable[Outcome[D]]],
) -> Callable[P, Awaitable[Outcome[D]]]:
    """A write that cannot be kept in the outbox (its PostgreSQL down) is refused, never lost.

    The caller hears ``OUTBOX_UNAVAILABLE`` and tries again with the same key.
    """

    @functools.wraps(flow)
    async def refused_without_it(*args: P.args, **kwargs: P.kwargs) -> Outcome[D]:
        try:
            return await flow(*args, **kwargs)
        except OutboxUnavailable:
            problem = Problem(
                None,
                "orders, returns and accounts cannot be taken right now;"
                " try again shortly with the same idempotencyKey",
                "OUTBOX_UNAVAILABLE",
            )
            return Outcome(problems=[problem])

    return refused_without_it


def signed_out() -> Outcome[D]:
    """The answer to a write that needs a shopper token and has none."""
    return Outcome(problems=[Problem(None, "sign in first (a shopper token)", "NOT_SIGNED_IN")])


def refusal(kind: WriteKind, error: str, message: str) -> Problem:
    """A source's refusal of a write, as the caller's problem."""
    if "email_taken" in error:
        return Problem(
            ("input", "email"), "an account already exists with this email", "EMAIL_TAKEN"
        )
    if "idempotency_key_reused" in error:
        return key_reused()
    if "unknown_customer" in error:
        return Problem(None, "the OMS does not know this customer", "UNKNOWN_CUSTOMER")
    if "not_returnable" in error:
        return Problem(None, f"the OMS refused the return: {message or error}", "NOT_RETURNABLE")
    if "order_not_found" in error:
        return Problem(("input", "orderId"), "no such order", "UNKNOWN_ORDER")
    code = {ORDER: "ORDER_REFUSED", RETURN: "RETURN_REFUSED"}.get(kind, "ACCOUNT_REFUSED")
    return Problem(None, f"the {kind.source} refused it: {message or error}", code)


def outcome_of(
    scope: RequestScope,
    kind: WriteKind,
    submitted: Submitted,
    held_doc: Callable[[OutboxWrite], D],
) -> Outcome[D]:
    """A submitted write's answer: the source's document, the held one (pending), or a refusal."""
    write = submitted.write
    if write is None:
        refused = submitted.refusal
        error = refused.error if refused else "refused"
        detail = refused.result if refused and isinstance(refused.result, dict) else {}
        return Outcome(problems=[refusal(kind, error, str(detail.get("message") or ""))])
    if write.status is WriteStatus.FAILED:
        error = write.last_error or "refused"
        return Outcome(problems=[refusal(kind, error, error)])
    if write.status is WriteStatus.DELIVERED:
        delivered: D = write.result
        return Outcome(doc=delivered)
    scope.report.add(kind.source, "fallback")
    return Outcome(doc=held_doc(write), pending=True)
