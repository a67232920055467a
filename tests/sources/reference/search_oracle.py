"""The search contract worked out by brute force from the reference files, to check the engine.

Reads every product, variant, category, price, stock row and location as
documents, applies the contract's rules product by product with plain
loops, and never looks at the search index.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from comptoir.resolvers.pricing import price_in_force
from comptoir.sources.reference.cases import PRICE_LIST_CURRENCIES

BUCKETS = ("0..50", "50..100", "100..200", "200..500", "500..")


def fold(text: str) -> str:
    """Case and accents folded (the ``name`` sort's key)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """Words of a text, lower-cased and without accents, as a shopper's words are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.findall(r"[^\W_]+", bare)


def in_locale(texts: Mapping[str, str] | None, locale: str) -> str | None:
    """The contract's fallback: the locale, else ``en``, else the first locale alphabetically."""
    if not texts:
        return None
    return texts.get(locale) or texts.get("en") or texts[sorted(texts)[0]]


def in_range(price: Decimal, text: str) -> bool:
    """``a..b``: a ≤ price < b, open ends allowed."""
    low, _, high = text.partition("..")
    return (not low or price >= Decimal(low)) and (not high or price < Decimal(high))


@dataclass
class Product:
    """One active product as the contract describes it."""

    id: str
    doc: dict[str, Any]
    categories: set[str]
    colors: set[str]
    sizes: set[str]
    text_words: set[str]
    name_words: set[str]
    prices: dict[str, Decimal] = field(default_factory=dict)
    in_stock: bool = False

    def values(self, key: str, price_list: str) -> set[str]:
        """The product's values of a filter or facet key."""
        if key == "brand":
            return {self.doc["brand"]}
        if key == "color":
            return self.colors
        if key == "size":
            return self.sizes
        if key == "category":
            return self.categories
        if key == "in_stock":
            return {"true" if self.in_stock else "false"}
        price = self.prices[price_list]
        return {b for b in BUCKETS if in_range(price, b)}

    def matches(self, key: str, value: str, price_list: str) -> bool:
        """Whether the filter ``key:value`` keeps the product."""
        if key == "price":
            return in_range(self.prices[price_list], value)
        return value in self.values(key, price_list)


def _rows(data: Path, source: str, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data / f"{source}.sqlite") as conn:
        return conn.execute(sql).fetchall()


class Oracle:
    """Every active product of a data directory, with what the search contract says of it."""

    def __init__(self, data: Path, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        categories = {
            cid: json.loads(doc)
            for cid, doc in _rows(data, "pim", "SELECT id, doc FROM categories")
        }
        self.category_names = {cid: doc["name"] for cid, doc in categories.items()}
        variants = {
            vid: json.loads(doc) for vid, doc in _rows(data, "pim", "SELECT id, doc FROM variants")
        }
        prices: dict[str, list[dict[str, Any]]] = {}
        for (doc,) in _rows(data, "erp", "SELECT doc FROM prices"):
            row = json.loads(doc)
            prices.setdefault(row["sku"], []).append(row)
        ship_from = {
            loc["id"]
            for loc in (
                json.loads(doc) for (doc,) in _rows(data, "erp", "SELECT doc FROM locations")
            )
            if loc["ship_from"]
        }
        available = {
            row["sku"]
            for row in (json.loads(doc) for (doc,) in _rows(data, "erp", "SELECT doc FROM stock"))
            if row["location_id"] in ship_from and row["on_hand"] - row["reserved"] > 0
        }
        self.color_labels: dict[str, dict[str, str]] = {}
        self.products: dict[str, Product] = {}
        for (doc,) in _rows(data, "pim", "SELECT doc FROM products"):
            product = json.loads(doc)
            if product["status"] != "active":
                continue
            lineage: set[str] = set()
            for cid in product["category_ids"]:
                while cid is not None:
                    lineage.add(cid)
                    cid = categories[cid]["parent_id"]
            options = [variants[sku]["options"] for sku in product["variant_skus"]]
            for option in options:
                for locale, label in option["color"].items():
                    self.color_labels.setdefault(option["color_code"], {})[locale] = label
            texts = [*product["name"].values(), *product["description"].values(), product["brand"]]
            found = Product(
                product["id"],
                product,
                lineage,
                {o["color_code"] for o in options},
                {o["size"] for o in options},
                {w for text in texts for w in words(text)},
                {w for text in product["name"].values() for w in words(text)},
            )
            for price_list, currency in PRICE_LIST_CURRENCIES.items():
                amounts = [
                    p.amount
                    for sku in product["variant_skus"]
                    if (p := price_in_force(prices.get(sku, []), price_list, currency, now))
                ]
                if amounts:
                    found.prices[price_list] = min(amounts)
            found.in_stock = any(sku in available for sku in product["variant_skus"])
            self.products[found.id] = found

    def find(
        self,
        channel: str,
        price_list: str,
        *,
        q: str = "",
        category_id: str | None = None,
        filters: Iterable[str] = (),
        skip_key: str | None = None,
    ) -> list[Product]:
        """The products a query finds (``skip_key``: every filter but that key's)."""
        wanted: dict[str, list[str]] = {}
        for text in filters:
            key, _, value = text.partition(":")
            if key != skip_key:
                wanted.setdefault(key, []).append(value)
        query_words = words(q)
        return [
            p
            for p in self.products.values()
            if channel in p.doc["channels"]
            and price_list in p.prices
            and (category_id is None or category_id in p.categories)
            and all(any(w.startswith(qw) for w in p.text_words) for qw in query_words)
            and all(
                any(p.matches(key, value, price_list) for value in values)
                for key, values in wanted.items()
            )
        ]

    def facet(
        self, key: str, channel: str, price_list: str, locale: str = "en", **query: Any
    ) -> list[tuple[str, str, int]]:
        """A facet's ``(value, label, count)``: disjunctive, no zero count, the contract's order."""
        counts: Counter[str] = Counter()
        for product in self.find(channel, price_list, skip_key=key, **query):
            counts.update(product.values(key, price_list))
        if key == "price":
            return [(b, b, counts[b]) for b in BUCKETS if counts[b]]
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [(value, self.label(key, value, locale), n) for value, n in ordered]

    def label(self, key: str, value: str, locale: str) -> str:
        """A facet value's label in ``locale`` (colours and categories are localized)."""
        if key == "color":
            return in_locale(self.color_labels.get(value), locale) or value
        if key == "category":
            return in_locale(self.category_names.get(value), locale) or value
        return value
