"""The price in force of a sku on a channel's price list, and a product's price range."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from comptoir.resolvers.scope import RequestScope
from comptoir.sources.erp.models import PriceRow
from comptoir.sources.pim.models import ProductDoc


@dataclass(frozen=True, slots=True)
class PriceInForce:
    """The row that prices a sku now on one list."""

    amount: Decimal
    compare_at: Decimal | None
    currency: str
    price_list: str


@lru_cache(maxsize=8192)
def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 time with offset, or ``None`` for an open bound.

    Sources repeat a few validity bounds (a price list's start, a campaign's
    end) across many rows, and every page reads them again: parsed once each.
    """
    return _parse_time(value) if value else None


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def price_in_force(
    rows: Iterable[PriceRow], price_list: str, currency: str, now: datetime
) -> PriceInForce | None:
    """The row valid now (``valid_from`` ≤ now < ``valid_to``) with the latest ``valid_from``.

    Equal ``valid_from``: the lower amount. Rows in another currency than the
    list's are ignored. ``None``: no price in force, so not for sale on that list.
    """
    best: tuple[datetime, Decimal, Decimal | None] | None = None
    open_start = datetime.min.replace(tzinfo=now.tzinfo)
    for row in rows:
        if row["price_list"] != price_list or row["currency"] != currency:
            continue
        start = parse_time(row["valid_from"]) or open_start
        end = parse_time(row["valid_to"])
        if start > now or (end is not None and now >= end):
            continue
        amount = _decimal(row["amount"])
        if amount is None:
            continue
        candidate = (start, amount, _decimal(row.get("compare_at")))
        if best is None or start > best[0] or (start == best[0] and amount < best[1]):
            best = candidate
    if best is None:
        return None
    return PriceInForce(best[1], best[2], currency, price_list)


def price_range(prices: Sequence[PriceInForce | None]) -> tuple[Decimal, Decimal] | None:
    """Lowest and highest of the prices in force, or ``None`` when nothing is priced."""
    amounts = [p.amount for p in prices if p is not None]
    if not amounts:
        return None
    return min(amounts), max(amounts)


def next_price_change(rows: Iterable[PriceRow], price_list: str, now: datetime) -> datetime | None:
    """The next time a row of ``price_list`` starts or ends: the price in force may change then."""
    soonest: datetime | None = None
    for row in rows:
        if row["price_list"] != price_list:
            continue
        for bound in (parse_time(row["valid_from"]), parse_time(row["valid_to"])):
            if bound is not None and bound > now and (soonest is None or bound < soonest):
                soonest = bound
    return soonest


def variant_price(scope: RequestScope, sku: str) -> PriceInForce | None:
    """The price in force of a sku on the channel's list (its rows loaded).

    An answer that may be stored whole is not kept past the next change of
    that price (a sale starting or ending). Worked out once per request: a
    page reads it for the variant, the product's price range and availability.
    """
    known = scope.prices_in_force
    if sku in known:
        return known[sku]
    channel = scope.channel
    rows = scope.catalog.price_rows(sku)
    if scope.tracks_changes:
        scope.changes_at(next_price_change(rows, channel.price_list, scope.now))
    price = known[sku] = price_in_force(rows, channel.price_list, channel.currency, scope.now)
    return price


def product_price_range(scope: RequestScope, product: ProductDoc) -> tuple[Decimal, Decimal] | None:
    """Lowest and highest price in force of the product's variants on the channel's list."""
    return price_range([variant_price(scope, sku) for sku in product["variant_skus"]])
