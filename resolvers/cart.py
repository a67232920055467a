"""The cart: the channel's prices in force, then the promotion engine (none when it is down).

Prices always come from the channel's price list, never from the caller. A
line that cannot be sold is left out and reported as a problem; the other
lines are still priced.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from comptoir.resolvers.catalog import shown_variants
from comptoir.resolvers.outcomes import Problem
from comptoir.resolvers.prefetch import load_prices
from comptoir.resolvers.pricing import variant_price
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.errors import SourceError, SourceRejected
from comptoir.sources.models import money_string
from comptoir.sources.promo.client import evaluate_cart
from comptoir.sources.promo.loaders import SOURCE as PROMO
from comptoir.sources.promo.models import EvaluatedCart
from comptoir.sources.registry import SourceSet

log = logging.getLogger("comptoir.cart")

MIN_QUANTITY = 1
MAX_QUANTITY = 99
MAX_LINES = 100
MAX_COUPONS = 20
MAX_COUPON_LENGTH = 64
ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class LineRequest:
    """A line as the caller asked for it."""

    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class QuotedLine:
    """A priced line."""

    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class QuotedPromotion:
    """A promotion the engine applied."""

    id: str
    label: str
    amount: Decimal


@dataclass(slots=True)
class Quote:
    """A priced cart: its lines, promotions, amounts, points, and the problems found."""

    currency: str
    lines: list[QuotedLine] = field(default_factory=list)
    promotions: list[QuotedPromotion] = field(default_factory=list)
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    total: Decimal = ZERO
    loyalty_points: int | None = None
    problems: list[Problem] = field(default_factory=list)
    promotions_applied: bool = False
    """False when the promotion engine could not be asked: list prices only."""


def check_request(
    lines: list[LineRequest], coupons: list[str], path: tuple[str, ...] = ("input",)
) -> list[Problem]:
    """Problems of the request itself, before anything is loaded."""
    problems: list[Problem] = []
    if len(lines) > MAX_LINES:
        problems.append(
            Problem(
                (*path, "lines"), f"at most {MAX_LINES} lines, got {len(lines)}", "TOO_MANY_LINES"
            )
        )
    for index, line in enumerate(lines):
        if not MIN_QUANTITY <= line.quantity <= MAX_QUANTITY:
            problems.append(
                Problem(
                    (*path, "lines", str(index), "quantity"),
                    f"quantity must be between {MIN_QUANTITY} and {MAX_QUANTITY},"
                    f" got {line.quantity}",
                    "INVALID_QUANTITY",
                )
            )
    if len(coupons) > MAX_COUPONS:
        problems.append(
            Problem(
                (*path, "couponCodes"),
                f"at most {MAX_COUPONS} coupon codes, got {len(coupons)}",
                "TOO_MANY_COUPONS",
            )
        )
    for index, code in enumerate(coupons):
        if not code.strip() or len(code) > MAX_COUPON_LENGTH:
            problems.append(
                Problem(
                    (*path, "couponCodes", str(index)),
                    f"a coupon code is 1 to {MAX_COUPON_LENGTH} characters",
                    "INVALID_COUPON",
                )
            )
    return problems


async def _list_prices(
    scope: RequestScope, lines: list[LineRequest], path: tuple[str, ...]
) -> tuple[list[tuple[LineRequest, Decimal]], list[Problem]]:
    """Each sellable line with its unit price in force; a problem for every other line.

    Raises the :class:`SourceError` of the PIM or the ERP when a line cannot
    be checked at all: that is a fault, not the caller's mistake.
    """
    skus = list(dict.fromkeys(line.sku for line in lines))
    shown = dict(zip(skus, await shown_variants(scope, skus), strict=True))
    await load_prices(scope, [s for s in skus if shown[s]])
    channel = scope.channel
    priced: list[tuple[LineRequest, Decimal]] = []
    problems: list[Problem] = []
    for index, line in enumerate(lines):
        where = (*path, "lines", str(index), "sku")
        found = shown[line.sku]
        if isinstance(found, SourceError):
            raise found
        if found is None:
            if scope.catalog.variant(line.sku) is None:
                problems.append(Problem(where, f"unknown sku {line.sku}", "UNKNOWN_SKU"))
            else:
                problems.append(
                    Problem(
                        where,
                        f"{line.sku} is not sold on channel {channel.code}",
                        "NOT_SOLD_ON_CHANNEL",
                    )
                )
            continue
        price = variant_price(scope, line.sku)
        if price is None:
            problems.append(
                Problem(where, f"{line.sku} has no price on {channel.price_list}", "NO_PRICE")
            )
            continue
        priced.append((line, price.amount))
    return priced, problems


def _list_quote(currency: str, priced: list[tuple[LineRequest, Decimal]]) -> Quote:
    quote = Quote(currency=currency)
    for line, unit in priced:
        total = unit * line.quantity
        quote.lines.append(QuotedLine(line.sku, line.quantity, unit, ZERO, total))
        quote.subtotal += total
    quote.total = quote.subtotal
    return quote


def _promotion_body(
    scope: RequestScope, customer_id: str | None, coupons: list[str], quote: Quote
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": scope.channel.code,
        "currency": quote.currency,
        "coupon_codes": coupons,
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": money_string(line.unit_price),
            }
            for line in quote.lines
        ],
    }
    if customer_id is not None:
        body["customer_id"] = customer_id
    return body


async def quote_cart(
    scope: RequestScope,
    lines: list[LineRequest],
    coupons: list[str],
    customer_id: str | None,
    sources: SourceSet,
    path: tuple[str, ...] = ("input",),
    *,
    all_or_nothing: bool = False,
) -> Quote:
    """The priced cart: list prices in force, then the promotion engine's discounts and points.

    With the promotion engine unavailable (or answering nonsense), the cart
    keeps its list prices, no promotion and no points, and the request is
    reported degraded ``{promo, fallback}``. ``all_or_nothing`` (an order):
    with any problem, nothing is sent to the promotion engine either.
    """
    problems = check_request(lines, coupons, path)
    valid = [line for line in lines if MIN_QUANTITY <= line.quantity <= MAX_QUANTITY][:MAX_LINES]
    priced, unsellable = await _list_prices(scope, valid, path)
    quote = _list_quote(scope.channel.currency, priced)
    quote.problems = problems + unsellable
    if all_or_nothing and quote.problems:
        return quote
    if not quote.lines:
        quote.loyalty_points = 0
        quote.promotions_applied = True
        return quote
    usable = [c for c in coupons if c.strip() and len(c) <= MAX_COUPON_LENGTH][:MAX_COUPONS]
    try:
        body = _promotion_body(scope, customer_id, usable, quote)
        evaluated = await evaluate_cart(sources.clients[PROMO.name], body)
    except SourceRejected as exc:
        log.warning("promotion engine refused a cart: %s", exc)
        scope.report.add(PROMO.name, "fallback")
        return quote
    except SourceError:
        scope.report.add(PROMO.name, "fallback")
        return quote
    return _with_promotions(quote, evaluated, coupons, path)


def _with_promotions(
    quote: Quote, evaluated: EvaluatedCart, coupons: list[str], path: tuple[str, ...]
) -> Quote:
    """The engine's discounts on our lines; our unit prices stand whatever it echoes."""
    discounts: dict[str, Decimal] = {}
    for evaluated_line in evaluated["lines"]:
        sku = evaluated_line["sku"]
        discounts[sku] = discounts.get(sku, ZERO) + Decimal(evaluated_line["discount"])
    lines = []
    for line in quote.lines:
        discount = min(discounts.pop(line.sku, ZERO), line.total)
        lines.append(
            QuotedLine(line.sku, line.quantity, line.unit_price, discount, line.total - discount)
        )
    promotions = [
        QuotedPromotion(p["id"], p["label"], Decimal(p["amount"])) for p in evaluated["promotions"]
    ]
    discount = min(max(Decimal(evaluated["totals"]["discount"]), ZERO), quote.subtotal)
    rejected = set(evaluated.get("rejected_coupons") or ())
    problems = list(quote.problems)
    for index, code in enumerate(coupons):
        if code in rejected:
            problems.append(
                Problem(
                    (*path, "couponCodes", str(index)),
                    f"coupon {code} does not apply",
                    "COUPON_REJECTED",
                )
            )
    return Quote(
        currency=quote.currency,
        lines=lines,
        promotions=promotions,
        subtotal=quote.subtotal,
        discount=discount,
        total=quote.subtotal - discount,
        loyalty_points=evaluated["loyalty_points"],
        problems=problems,
        promotions_applied=True,
    )
