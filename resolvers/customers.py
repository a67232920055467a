"""Customers: who may read whom, the CRM's customer (or an account still held), registering.

A shopper reads their own data, a staff channel everyone's. A new account
is held in the outbox while the CRM is unavailable; until the CRM has made
it, its provisional id reads the held account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from comptoir.resolvers.errors import Forbidden
from comptoir.resolvers.outcomes import (
    Outcome,
    Problem,
    key_problems,
    key_reused,
    needs_the_outbox,
    outcome_of,
)
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.crm.loaders import CustomerByIdLoader
from comptoir.sources.crm.models import CustomerDoc
from comptoir.sources.held import CUSTOMER, HeldWrites, held_customer, idempotency_key
from comptoir.sources.outbox import IdempotencyConflict, WriteStatus, request_hash

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")


def may_read_customer(scope: RequestScope, customer_id: str) -> bool:
    """The signed-in shopper is that customer, or the channel is a staff channel."""
    return scope.staff or (scope.shopper_id is not None and scope.shopper_id == customer_id)


def check_may_read(scope: RequestScope, customer_id: str) -> None:
    """What only the customer or a staff channel reads (orders, loyalty): :class:`Forbidden` otherwise.

    Checked by each such field itself, whoever handed it the customer (a
    mutation's payload answers a customer to a caller who may not be them).
    """
    if not may_read_customer(scope, customer_id):
        raise Forbidden("only the signed-in customer themself or a staff channel may read this")


async def customer(scope: RequestScope, held: HeldWrites, customer_id: str) -> CustomerDoc | None:
    """A customer the caller may read, or ``None``; a held account while the CRM has not made it."""
    customer_id = held.resolve(customer_id)
    if not may_read_customer(scope, customer_id):
        return None
    if CUSTOMER.holds(customer_id):
        write = await held.get(customer_id)
        if write is None or write.status is not WriteStatus.PENDING:
            return None
        scope.report.add(CUSTOMER.source, "fallback")
        return held_customer(write)
    return await scope.loaders.get(CustomerByIdLoader).load(customer_id)


async def signed_in(scope: RequestScope, held: HeldWrites) -> CustomerDoc | None:
    """The signed-in shopper (`me`); ``None`` when anonymous or unknown to the CRM."""
    return await customer(scope, held, scope.shopper_id) if scope.shopper_id else None


async def any_customer(
    scope: RequestScope, held: HeldWrites, customer_id: str
) -> CustomerDoc | None:
    """`customer(id)`: any customer, for staff channels only."""
    if not scope.staff:
        raise Forbidden("customer(id) is for staff channels only; shoppers use `me`")
    return await customer(scope, held, customer_id)


async def customer_entity(
    scope: RequestScope, held: HeldWrites, customer_id: str
) -> CustomerDoc | None:
    """A customer as a Federation entity: the same rule as `customer(id)`, or the shopper themself."""
    if not may_read_customer(scope, customer_id):
        raise Forbidden("only staff channels may read other customers")
    return await customer(scope, held, customer_id)


@dataclass(frozen=True, slots=True)
class Registration:
    """A new customer as the caller gave it (trimmed)."""

    email: str
    first_name: str
    last_name: str
    phone: str | None


def registration_problems(reg: Registration) -> list[Problem]:
    """What is wrong with a registration: the email, the names, the phone number."""
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


@needs_the_outbox
async def register(
    scope: RequestScope, held: HeldWrites, reg: Registration, key: str
) -> Outcome[CustomerDoc]:
    """`registerCustomer`: the CRM's new customer, or a held one while it is unavailable."""
    problems = key_problems(key) + registration_problems(reg)
    if problems:
        return Outcome(problems=problems)
    body: dict[str, Any] = {
        "email": reg.email,
        "first_name": reg.first_name,
        "last_name": reg.last_name,
    }
    if reg.phone:
        body["phone"] = reg.phone
    # Scoped by the caller too: a signed-in caller's key is never another's. An
    # anonymous replay of someone's key and input gets the same account, but
    # only what it sent: its orders and loyalty answer FORBIDDEN (check_may_read).
    customer_key = idempotency_key(CUSTOMER.name, scope.channel.code, scope.shopper_id or "", key)
    try:
        submitted = await held.submit(CUSTOMER, customer_key, body, input_hash=request_hash(body))
    except IdempotencyConflict:
        return Outcome(problems=[key_reused()])
    return outcome_of(scope, CUSTOMER, submitted, held_customer)
