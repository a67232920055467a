"""Loyalty: a customer's account and transactions, and redeeming points against the live balance.

Redeeming is never held for later: points the CRM cannot check now are not
burned on trust, so the caller hears ``LOYALTY_UNAVAILABLE`` instead.
"""

from __future__ import annotations

from comptoir.resolvers.outcomes import Outcome, Problem, key_problems, key_reused, signed_out
from comptoir.resolvers.paging import Page, paginate
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.crm.client import redeem_points
from comptoir.sources.crm.loaders import (
    LOYALTY_ACCOUNTS,
    LoyaltyAccountByCustomerIdLoader,
    LoyaltyTransactionPageLoader,
)
from comptoir.sources.crm.models import LoyaltyAccountDoc, LoyaltyTransactionDoc
from comptoir.sources.errors import SourceError, SourceRejected
from comptoir.sources.held import CUSTOMER, idempotency_key
from comptoir.sources.registry import ChangeEvent, SourceSet

MAX_POINTS = 10_000_000
"""The most points one redemption may burn."""

CRM = LOYALTY_ACCOUNTS.source


async def account(scope: RequestScope, customer_id: str) -> LoyaltyAccountDoc | None:
    """The customer's loyalty account; ``None`` when they have none."""
    return await scope.loaders.get(LoyaltyAccountByCustomerIdLoader).load(customer_id)


async def transactions(
    scope: RequestScope, customer_id: str, first: int, after: str | None
) -> Page[LoyaltyTransactionDoc]:
    """One page of the account's transactions, newest first."""
    pages = scope.loaders.get(LoyaltyTransactionPageLoader)

    async def fetch(
        cursor: str | None, limit: int
    ) -> tuple[list[LoyaltyTransactionDoc], str | None]:
        page = await pages.load_page(customer_id, {"limit": str(limit), "cursor": cursor or ""})
        return (page["items"], page["next_cursor"]) if page else ([], None)

    return await paginate(fetch, first, after, scope.max_page_size)


def _redemption_problem(exc: SourceRejected) -> Problem:
    if exc.status == 409:
        return key_reused()
    if "insufficient" in exc.error:
        return Problem(("points",), "not enough points: " + exc.message, "INSUFFICIENT_POINTS")
    if "no_loyalty_account" in exc.error:
        return Problem(None, "no loyalty account", "NO_LOYALTY_ACCOUNT")
    return Problem(
        ("points",), f"the CRM refused it: {exc.message or exc.error}", "REDEMPTION_REFUSED"
    )


async def redeem(
    scope: RequestScope, sources: SourceSet, points: int, key: str
) -> Outcome[LoyaltyAccountDoc]:
    """`redeemLoyaltyPoints`: burned against the CRM's live balance; the account after it."""
    shopper = scope.shopper_id
    if shopper is None:
        return signed_out()
    problems = key_problems(key)
    if not 1 <= points <= MAX_POINTS:
        problems.append(
            Problem(("points",), f"points must be between 1 and {MAX_POINTS}", "INVALID_POINTS")
        )
    if problems:
        return Outcome(problems=problems)
    if CUSTOMER.holds(shopper):
        return Outcome(problems=[Problem(None, "no loyalty account yet", "NO_LOYALTY_ACCOUNT")])
    try:
        await redeem_points(
            sources.clients[CRM],
            {"customer_id": shopper, "points": points},
            idempotency_key("redemption", scope.channel.code, shopper, key),
        )
    except SourceRejected as exc:
        return Outcome(problems=[_redemption_problem(exc)])
    except SourceError:
        scope.report.add(CRM, "unavailable")
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
    await sources.apply_events(
        CRM,
        [
            ChangeEvent("loyalty_accounts", (shopper,)),
            ChangeEvent("loyalty_transactions", (shopper,)),
        ],
    )
    loader = scope.loaders.get(LoyaltyAccountByCustomerIdLoader)
    loader.clear(shopper)
    try:
        after = await loader.load(shopper)
    except SourceError:
        after = None
    return Outcome(doc=after)
