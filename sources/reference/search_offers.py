"""The erp side of the search engine, in memory: each sku's price in force per list, and stock.

A sku's price in force on a list follows the erp contract: the row valid
now (``valid_from`` ≤ now < ``valid_to``, nulls open) with the latest
``valid_from``, the lower amount on a tie, rows in another currency than the
list's ignored. The price in force changes with time alone, so the offers
remember the next moment a row starts or ends and are priced again then.
A sku is available when some ship-from location holds more than it has
reserved. A product's price on a list is the lowest of its skus' there, and
it is in stock when one of its skus is available (:class:`ProductOffers`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from comptoir.sources.reference.bitsets import Postings
from comptoir.sources.reference.cases import PRICE_LIST_CURRENCIES
from comptoir.sources.reference.search_catalogue import Catalogue
from comptoir.sources.reference.search_query import bucket_of

_CHUNK = 500
_PRICE_COLUMNS = (
    "sku, json_extract(doc, '$.price_list'), json_extract(doc, '$.currency'),"
    " json_extract(doc, '$.amount'), json_extract(doc, '$.valid_from'),"
    " json_extract(doc, '$.valid_to')"
)
_READABLE = "json_valid(doc)"
"""A row whose document is not JSON prices or stocks nothing (and must not stop the rest)."""
_AVAILABLE = (
    f"{_READABLE} AND coalesce(json_extract(doc, '$.on_hand'), 0)"
    " - coalesce(json_extract(doc, '$.reserved'), 0) > 0"
)


@lru_cache(maxsize=8192)
def moment(value: str) -> datetime | None:
    """An ISO 8601 time with offset, or ``None`` when ``value`` is not one."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _amount(value: object) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


class Offers:
    """Each sku's price in force per price list, and the skus available for home delivery."""

    def __init__(self, feed_position: int) -> None:
        self.feed_position = feed_position
        self.prices: dict[str, dict[str, Decimal]] = {
            price_list: {} for price_list in PRICE_LIST_CURRENCIES
        }
        self.available: set[str] = set()
        self.ship_from: list[str] = []
        self.next_change: datetime | None = None

    def _price(self, rows: Iterable[tuple[object, ...]], now: datetime) -> None:
        """Price the skus of ``rows`` (every row of each of them) at ``now``."""
        best: dict[tuple[str, str], tuple[datetime | None, Decimal]] = {}
        for sku, price_list, currency, amount_text, start_text, end_text in rows:
            if PRICE_LIST_CURRENCIES.get(str(price_list)) != currency:
                continue
            amount = _amount(amount_text)
            start = moment(str(start_text)) if start_text else None
            end = moment(str(end_text)) if end_text else None
            if amount is None or (start_text and start is None) or (end_text and end is None):
                continue  # a row the erp could not price with either
            for edge in (start, end):
                if (
                    edge is not None
                    and edge > now
                    and (self.next_change is None or edge < self.next_change)
                ):
                    self.next_change = edge
            if (start is not None and start > now) or (end is not None and now >= end):
                continue
            key = (str(sku), str(price_list))
            held = best.get(key)
            if (
                held is None
                or (start is not None and (held[0] is None or start > held[0]))
                or (start == held[0] and amount < held[1])
            ):
                best[key] = (start, amount)
        for (sku, price_list), (_, amount) in best.items():
            self.prices[price_list][sku] = amount

    def reprice_all(self, erp: sqlite3.Connection, now: datetime) -> None:
        """Price every sku again (at start, and when a row started or ended)."""
        for prices in self.prices.values():
            prices.clear()
        self.next_change = None
        self._price(erp.execute(f"SELECT {_PRICE_COLUMNS} FROM prices WHERE {_READABLE}"), now)

    def reprice(self, erp: sqlite3.Connection, skus: Iterable[str], now: datetime) -> None:
        """Price ``skus`` again from their rows (some were written)."""
        for chunk in _chunks(skus):
            for prices in self.prices.values():
                for sku in chunk:
                    prices.pop(sku, None)
            marks = ", ".join("?" * len(chunk))
            self._price(
                erp.execute(
                    f"SELECT {_PRICE_COLUMNS} FROM prices WHERE {_READABLE} AND sku IN ({marks})",
                    chunk,
                ),
                now,
            )

    def restock_all(self, erp: sqlite3.Connection) -> None:
        """Read the ship-from locations and every available sku again."""
        self.ship_from = [
            location_id
            for (location_id,) in erp.execute(
                f"SELECT id FROM locations WHERE {_READABLE} AND json_extract(doc, '$.ship_from')"
            )
        ]
        marks = ", ".join("?" * len(self.ship_from))
        self.available = {
            sku
            for (sku,) in erp.execute(
                f"SELECT DISTINCT sku FROM stock WHERE location_id IN ({marks}) AND {_AVAILABLE}",
                self.ship_from,
            )
        }

    def restock(self, erp: sqlite3.Connection, skus: Iterable[str]) -> None:
        """Read the availability of ``skus`` again (some of their stock rows were written)."""
        marks = ", ".join("?" * len(self.ship_from))
        for chunk in _chunks(skus):
            self.available.difference_update(chunk)
            self.available.update(
                sku
                for (sku,) in erp.execute(
                    f"SELECT DISTINCT sku FROM stock WHERE sku IN ({', '.join('?' * len(chunk))})"
                    f" AND location_id IN ({marks}) AND {_AVAILABLE}",
                    [*chunk, *self.ship_from],
                )
            )

    def due(self, now: datetime) -> bool:
        """Whether a price row started or ended since the skus were priced."""
        return self.next_change is not None and now >= self.next_change


class ProductOffers:
    """Per product: its price on each list (the lowest of its skus') and whether it is in stock."""

    def __init__(self, price_lists: Iterable[str]) -> None:
        self.price_of: dict[str, dict[int, Decimal]] = {name: {} for name in price_lists}
        self.priced: dict[str, int] = dict.fromkeys(self.price_of, 0)
        self.buckets: dict[str, Postings] = {name: Postings() for name in self.price_of}
        self.in_stock = 0
        self.settled: set[int] = set()

    def settle(self, positions: Iterable[int], catalogue: Catalogue, offers: Offers) -> None:
        """Work out again the price and stock of the products at ``positions``."""
        for position in positions:
            facts = catalogue.products.get(position)
            bit = 1 << position
            for price_list, sku_prices in offers.prices.items():
                price_of = self.price_of[price_list]
                old = price_of.pop(position, None)
                if old is not None:
                    self.priced[price_list] &= ~bit
                    bucket = bucket_of(old)
                    if bucket is not None:
                        self.buckets[price_list].discard(bucket, position)
                skus = facts.variant_skus if facts is not None else ()
                new = min((sku_prices[sku] for sku in skus if sku in sku_prices), default=None)
                if new is not None:
                    price_of[position] = new
                    self.priced[price_list] |= bit
                    bucket = bucket_of(new)
                    if bucket is not None:
                        self.buckets[price_list].add(bucket, position)
            stocked = facts is not None and any(sku in offers.available for sku in skus)
            self.in_stock = self.in_stock | bit if stocked else self.in_stock & ~bit
            if facts is None:
                self.settled.discard(position)
            else:
                self.settled.add(position)
