"""The SQLite layout of each reference source: indexed key columns plus the item's JSON document."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

_META = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_COUNTERS = "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)"
_IDEMPOTENCY = (
    "CREATE TABLE idempotency (path TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL,"
    " status INTEGER NOT NULL, response TEXT NOT NULL, created_at TEXT NOT NULL,"
    " PRIMARY KEY (path, key))"
)

SCHEMAS: dict[str, tuple[str, ...]] = {
    "pim": (
        _META,
        "CREATE TABLE categories (id TEXT PRIMARY KEY, parent_id TEXT, doc TEXT NOT NULL)",
        "CREATE TABLE products (id TEXT PRIMARY KEY, status TEXT NOT NULL, channels TEXT NOT NULL,"
        " search TEXT NOT NULL, doc TEXT NOT NULL)",
        "CREATE TABLE product_categories (category_id TEXT NOT NULL, product_id TEXT NOT NULL,"
        " PRIMARY KEY (category_id, product_id)) WITHOUT ROWID",
        "CREATE TABLE variants (id TEXT PRIMARY KEY, product_id TEXT NOT NULL, doc TEXT NOT NULL)",
    ),
    "dam": (
        _META,
        "CREATE TABLE assets (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " product_id TEXT NOT NULL, position INTEGER NOT NULL, doc TEXT NOT NULL)",
    ),
    "erp": (
        _META,
        "CREATE TABLE locations (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        "CREATE TABLE prices (seq INTEGER PRIMARY KEY, sku TEXT NOT NULL, price_list TEXT NOT NULL,"
        " doc TEXT NOT NULL)",
        "CREATE TABLE stock (seq INTEGER PRIMARY KEY, sku TEXT NOT NULL, location_id TEXT NOT NULL,"
        " doc TEXT NOT NULL)",
    ),
    "crm": (
        _META,
        _COUNTERS,
        _IDEMPOTENCY,
        "CREATE TABLE customers (id TEXT PRIMARY KEY, email_lower TEXT NOT NULL UNIQUE,"
        " doc TEXT NOT NULL)",
        "CREATE TABLE loyalty_accounts (customer_id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        "CREATE TABLE loyalty_transactions (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " customer_id TEXT NOT NULL, created_at TEXT NOT NULL, doc TEXT NOT NULL)",
    ),
    "oms": (
        _META,
        _COUNTERS,
        _IDEMPOTENCY,
        "CREATE TABLE orders (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " customer_id TEXT NOT NULL, placed_at TEXT NOT NULL, doc TEXT NOT NULL)",
    ),
    "promo": (
        _META,
        "CREATE TABLE promotions (id TEXT PRIMARY KEY, coupon_code TEXT UNIQUE, doc TEXT NOT NULL)",
        "CREATE TABLE sku_categories (sku TEXT PRIMARY KEY, product_id TEXT NOT NULL,"
        " category_ids TEXT NOT NULL)",
    ),
    "search": (
        _META,
        "CREATE TABLE products (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
        " doc TEXT NOT NULL)",
    ),
}
"""Tables of each source's file, created before the data is loaded."""

SOURCE_NAMES: tuple[str, ...] = tuple(SCHEMAS)
"""The sources that have a reference implementation: those whose storage is laid out here."""

INDEXES: dict[str, tuple[str, ...]] = {
    "pim": (
        "CREATE INDEX variants_product ON variants (product_id)",
        "CREATE INDEX products_status ON products (status, id)",
    ),
    "dam": ("CREATE INDEX assets_product ON assets (product_id, position)",),
    "erp": (
        "CREATE INDEX prices_sku ON prices (sku, price_list)",
        "CREATE INDEX stock_sku ON stock (sku, location_id)",
    ),
    "crm": (
        "CREATE INDEX loyalty_transactions_customer ON loyalty_transactions"
        " (customer_id, created_at, seq)",
    ),
    "oms": ("CREATE INDEX orders_customer ON orders (customer_id, placed_at, id)",),
    "promo": (),
    "search": (),
}
"""Indexes of each source's file, created after the data is loaded."""

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: object) -> str:
    """Compact JSON, UTF-8 kept as is: the form documents are stored and served in."""
    return _ENCODER.encode(value)


def create_schema(conn: sqlite3.Connection, source: str) -> None:
    """Create ``source``'s tables in an empty database."""
    for statement in SCHEMAS[source]:
        conn.execute(statement)


def create_indexes(conn: sqlite3.Connection, source: str) -> None:
    """Create ``source``'s secondary indexes."""
    for statement in INDEXES[source]:
        conn.execute(statement)


def insert_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """Insert ``rows`` into ``table`` in one transaction."""
    marks = ", ".join("?" for _ in columns)
    with conn:
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
