"""The pim side of the search engine, in memory: products by position, their words and facets.

Loaded from ``search.sqlite`` (the words into a private in-memory FTS5
copy), then kept in step with ``pim.sqlite`` through its change feed: a
product written there is derived again and replaces its old entry.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from comptoir.sources.reference.bitsets import Postings
from comptoir.sources.reference.search_index import (
    FEED_POSITION,
    IndexedProduct,
    ProductFacts,
    read_products,
)

FIELDS = ("channel", "brand", "color", "size", "category")
"""The product fields kept as postings: a set of products per value."""

WEIGHTS = (10.0, 1.0, 3.0)
"""bm25 weights of the name, description and brand columns: a name match ranks above the rest."""


def _values(facts: ProductFacts, field: str) -> tuple[str, ...]:
    if field == "channel":
        return facts.channels
    if field == "brand":
        return (facts.brand,) if facts.brand else ()
    if field == "color":
        return facts.colors
    if field == "size":
        return facts.sizes
    return facts.categories


def _category_names(pim: sqlite3.Connection) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for category_id, doc in pim.execute("SELECT id, doc FROM categories"):
        name = json.loads(doc).get("name")
        names[category_id] = dict(name) if isinstance(name, dict) else {}
    return names


class Catalogue:
    """Active products by position (their FTS rowid), with postings per field and labels."""

    def __init__(self, text: sqlite3.Connection, feed_position: int) -> None:
        self.text = text
        self.feed_position = feed_position
        self.products: dict[int, ProductFacts] = {}
        self.position_of: dict[str, int] = {}
        self.owner_of: dict[str, int] = {}
        self.postings = {field: Postings() for field in FIELDS}
        self.universe = 0
        self.color_labels: dict[str, dict[str, str]] = {}
        self.category_names: dict[str, dict[str, str]] = {}
        self._next_position = 1

    @classmethod
    def load(cls, snapshot: Path, pim: sqlite3.Connection) -> Catalogue:
        """The index written by the generator, with the pim's category names."""
        if not snapshot.is_file():
            raise FileNotFoundError(f"no search index at {snapshot}: generate the demo data first")
        text = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        source = sqlite3.connect(snapshot)
        try:
            source.backup(text)
        finally:
            source.close()
        (position,) = text.execute(
            "SELECT value FROM meta WHERE key = ?", (FEED_POSITION,)
        ).fetchone()
        catalogue = cls(text, int(json.loads(position)))
        for seq, doc in text.execute("SELECT seq, doc FROM products ORDER BY seq").fetchall():
            catalogue._insert(int(seq), ProductFacts.from_document(doc))
        # The facts now live in memory; only the words stay in SQLite.
        text.execute("DROP TABLE products")
        catalogue.category_names = _category_names(pim)
        return catalogue

    def _insert(self, position: int, facts: ProductFacts) -> None:
        self.products[position] = facts
        self.position_of[facts.id] = position
        self._next_position = max(self._next_position, position + 1)
        self.universe |= 1 << position
        for sku in facts.variant_skus:
            self.owner_of[sku] = position
        for field in FIELDS:
            for value in _values(facts, field):
                self.postings[field].add(value, position)
        for code, labels in facts.color_labels.items():
            merged = self.color_labels.setdefault(code, {})
            for locale, label in labels.items():
                merged.setdefault(locale, label)

    def _remove(self, position: int) -> None:
        facts = self.products.pop(position)
        del self.position_of[facts.id]
        self.universe &= ~(1 << position)
        for sku in facts.variant_skus:
            if self.owner_of.get(sku) == position:
                del self.owner_of[sku]
        for field in FIELDS:
            for value in _values(facts, field):
                self.postings[field].discard(value, position)
        self.text.execute("DELETE FROM products_text WHERE rowid = ?", (position,))

    def put(self, product_id: str, indexed: IndexedProduct | None) -> int | None:
        """Replace ``product_id``'s entry (``None``: no longer active); its position, if any."""
        position = self.position_of.get(product_id)
        if position is not None:
            self._remove(position)
        if indexed is None:
            return position
        if position is None:
            position = self._next_position
        self._insert(position, indexed.facts)
        self.text.execute(
            "INSERT INTO products_text (rowid, name, description, brand) VALUES (?, ?, ?, ?)",
            (position, indexed.name, indexed.description, indexed.facts.brand),
        )
        return position

    def apply(self, pim: sqlite3.Connection, product_ids: Iterable[str]) -> set[int]:
        """Derive ``product_ids`` again from the pim; the positions whose entry changed."""
        touched: set[int] = set()
        self.text.execute("BEGIN")
        try:
            for product_id, indexed in read_products(pim, product_ids):
                position = self.put(product_id, indexed)
                if position is not None:
                    touched.add(position)
        finally:
            self.text.execute("COMMIT")
        return touched

    def reload(self, pim: sqlite3.Connection) -> None:
        """Derive every product and category again (the category tree changed)."""
        self.category_names = _category_names(pim)
        self.color_labels = {}
        stale = set(self.position_of)
        current = {pid for (pid,) in pim.execute("SELECT id FROM products")}
        self.apply(pim, stale | current)

    def match(self, words: Sequence[str]) -> dict[int, float]:
        """The position and relevance of every product matching all ``words`` (or their start).

        Products rank first by how many of the words their name matches, so that
        a name match is always above a description match, then by bm25 with
        :data:`WEIGHTS`. The score is that count plus the bm25 rank mapped
        into [0, 1): it orders the products as they are ranked.
        """
        phrases = [f'"{word}"*' for word in words]
        try:
            ranks = self.text.execute(
                "SELECT rowid, bm25(products_text, ?, ?, ?) FROM products_text"
                " WHERE products_text MATCH ?",
                (*WEIGHTS, " AND ".join(phrases)),
            ).fetchall()
            in_name: dict[int, int] = {}
            for phrase in phrases:
                for (rowid,) in self.text.execute(
                    "SELECT rowid FROM products_text WHERE products_text MATCH ?",
                    (f"name : {phrase}",),
                ):
                    in_name[rowid] = in_name.get(rowid, 0) + 1
        except sqlite3.OperationalError as exc:
            if not str(exc).startswith("fts5:"):
                raise
            return {}  # words the full-text syntax cannot hold match no product
        scores = {}
        for rowid, rank in ranks:
            relevance = -rank  # bm25 is lower for better matches
            score = in_name.get(rowid, 0) + relevance / (1 + relevance)
            # Nine significant digits: the same score on every page of a listing.
            scores[int(rowid)] = float(f"{score:.9g}")
        return scores

    def labels(self, field: str) -> Mapping[str, Mapping[str, str]]:
        """Localized labels of ``field``'s values, where it has any (colours, categories)."""
        if field == "color":
            return self.color_labels
        if field == "category":
            return self.category_names
        return {}

    def close(self) -> None:
        """Release the in-memory words."""
        self.text.close()
