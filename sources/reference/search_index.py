"""What the reference search engine indexes of the pim, and the index file the generator writes.

``search.sqlite`` holds, for every active product, the facts the engine
filters and sorts on (:class:`ProductFacts`, as JSON) and its words in an
FTS5 table (names, descriptions and brand in every locale; case and accents
folded by the ``unicode61 remove_diacritics 2`` tokenizer). It is derived
from ``pim.sqlite`` and records the position of the pim's change feed it was
built at, so that a running engine can apply what changed since.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from comptoir.sources.reference.storage import dumps, insert_rows

TEXT_TABLE = (
    "CREATE VIRTUAL TABLE products_text USING fts5(name, description, brand,"
    " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)
"""The words of each active product; its rowid is the product's ``seq`` in ``products``."""

FEED_POSITION = "pim_changes"
"""The ``meta`` key holding the pim change feed's ``seq`` the index was built at."""

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """What the engine knows of an active product from the pim (categories with ancestors)."""

    id: str
    channels: tuple[str, ...]
    brand: str
    categories: tuple[str, ...]
    colors: tuple[str, ...]
    color_labels: Mapping[str, Mapping[str, str]]
    sizes: tuple[str, ...]
    names: Mapping[str, str]
    updated_at: str
    variant_skus: tuple[str, ...]

    def document(self) -> str:
        """The facts as stored in ``search.sqlite``."""
        return dumps(asdict(self))

    @classmethod
    def from_document(cls, text: str) -> ProductFacts:
        """Facts read back from their stored document."""
        doc = json.loads(text)
        return cls(
            doc["id"],
            tuple(doc["channels"]),
            doc["brand"],
            tuple(doc["categories"]),
            tuple(doc["colors"]),
            doc["color_labels"],
            tuple(doc["sizes"]),
            doc["names"],
            doc["updated_at"],
            tuple(doc["variant_skus"]),
        )


@dataclass(frozen=True, slots=True)
class IndexedProduct:
    """An active product's facts and the text its words are drawn from."""

    facts: ProductFacts
    name: str
    description: str


def _texts(localized: Any) -> str:
    """Every locale's text, one per line (a locale may be missing)."""
    if not isinstance(localized, dict):
        return ""
    return "\n".join(str(localized[locale]) for locale in sorted(localized))


def ancestors(parents: Mapping[str, str | None]) -> dict[str, tuple[str, ...]]:
    """Each category with its ancestors, from each category's parent (a cycle stops the walk)."""
    found: dict[str, tuple[str, ...]] = {}
    for category in parents:
        chain = [category]
        parent = parents.get(category)
        while parent is not None and parent in parents and parent not in chain:
            chain.append(parent)
            parent = parents[parent]
        found[category] = tuple(chain)
    return found


def category_parents(pim: sqlite3.Connection) -> dict[str, str | None]:
    """Each category's parent."""
    return dict(pim.execute("SELECT id, parent_id FROM categories").fetchall())


def _document(text: str) -> dict[str, Any]:
    """A stored document; an unreadable one reads as empty (it has nothing to index)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _strings(value: Any) -> tuple[str, ...]:
    """The strings of a list field (anything else holds none)."""
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _variants(pim: sqlite3.Connection, skus: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(skus), _CHUNK):
        chunk = skus[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for sku, doc in pim.execute(f"SELECT id, doc FROM variants WHERE id IN ({marks})", chunk):
            found[sku] = _document(doc)
    return found


def _indexed(
    product_id: str,
    product: dict[str, Any],
    variants: Mapping[str, dict[str, Any]],
    lineage: Mapping[str, tuple[str, ...]],
) -> IndexedProduct:
    skus = _strings(product.get("variant_skus"))
    options: list[dict[str, Any]] = [
        option
        for sku in skus
        if sku in variants and isinstance(option := variants[sku].get("options"), dict)
    ]
    categories = {
        ancestor
        for category in _strings(product.get("category_ids"))
        for ancestor in lineage.get(category, (category,))
    }
    brand = str(product.get("brand") or "")
    names = product.get("name") if isinstance(product.get("name"), dict) else {}
    labels: dict[str, dict[str, str]] = {}
    for option in options:
        code, label = option.get("color_code"), option.get("color")
        if code and isinstance(label, dict):
            merged = labels.setdefault(str(code), {})
            for locale, text in label.items():
                merged.setdefault(str(locale), str(text))
    facts = ProductFacts(
        id=product_id,
        channels=tuple(sorted(set(_strings(product.get("channels"))))),
        brand=brand,
        categories=tuple(sorted(categories)),
        colors=tuple(sorted({str(o["color_code"]) for o in options if o.get("color_code")})),
        color_labels=labels,
        sizes=tuple(sorted({str(o["size"]) for o in options if o.get("size")})),
        names={str(locale): str(text) for locale, text in (names or {}).items()},
        updated_at=str(product.get("updated_at") or ""),
        variant_skus=skus,
    )
    return IndexedProduct(facts, _texts(product.get("name")), _texts(product.get("description")))


def read_products(
    pim: sqlite3.Connection, ids: Iterable[str] | None = None
) -> Iterator[tuple[str, IndexedProduct | None]]:
    """``(id, indexed product)`` of each product ``ids`` (all when ``None``), in id order.

    ``None`` stands for a product that is not (or no longer) active, or absent.
    """
    lineage = ancestors(category_parents(pim))
    if ids is None:
        rows = pim.execute("SELECT id, status, doc FROM products ORDER BY id").fetchall()
        wanted: list[str] = [row[0] for row in rows]
    else:
        wanted = sorted(set(ids))
        rows = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows += pim.execute(
                f"SELECT id, status, doc FROM products WHERE id IN ({marks})", chunk
            ).fetchall()
    active = {pid: _document(doc) for pid, status, doc in rows if status == "active"}
    skus = sorted({sku for doc in active.values() for sku in _strings(doc.get("variant_skus"))})
    variants = _variants(pim, skus)
    for pid in wanted:
        product = active.get(pid)
        yield pid, None if product is None else _indexed(pid, product, variants, lineage)


def write_search_index(conn: sqlite3.Connection, pim_path: Path) -> None:
    """Fill an empty ``search.sqlite`` (its ``meta`` and ``products`` made) from ``pim_path``."""
    conn.execute(TEXT_TABLE)
    pim = sqlite3.connect(pim_path)
    try:
        position = pim.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]
        products = [found for _, found in read_products(pim) if found is not None]
    finally:
        pim.close()
    insert_rows(
        conn,
        "products",
        ("seq", "id", "doc"),
        [(seq, p.facts.id, p.facts.document()) for seq, p in enumerate(products, 1)],
    )
    insert_rows(
        conn,
        "products_text",
        ("rowid", "name", "description", "brand"),
        [(seq, p.name, p.description, p.facts.brand) for seq, p in enumerate(products, 1)],
    )
    insert_rows(conn, "meta", ("key", "value"), [(FEED_POSITION, dumps(position))])
