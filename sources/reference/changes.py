"""The change feed of the reference pim and erp files: every write appends the key it touched.

In production a search engine follows the PIM's and the ERP's change events;
the reference search source follows this feed instead. Triggers fill it
whoever writes to the file (a source, a test, a benchmark, another process),
so that a product, price or stock row changed in place is in the search
source's next answer. The feed only grows: a reader remembers the last
``seq`` it has applied.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from comptoir.sources.reference.db import Database

FEEDS: dict[str, tuple[tuple[str, str], ...]] = {
    "pim": (
        ("products", "id"),
        ("variants", "product_id"),
        ("product_categories", "product_id"),
        ("categories", "id"),
    ),
    "erp": (("prices", "sku"), ("stock", "sku"), ("locations", "id")),
}
"""For each source, the tables whose writes are fed and the column recorded as the key.

A variant's (or a category link's) key is its product: what it changes is that product.
"""


def create_change_feed(conn: sqlite3.Connection, source: str) -> None:
    """Create the ``changes`` table and its triggers in ``source``'s file (none for others)."""
    if source not in FEEDS:
        return
    conn.execute(
        "CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " tbl TEXT NOT NULL, key TEXT NOT NULL)"
    )
    for table, column in FEEDS[source]:
        for event, rows in (("INSERT", ("NEW",)), ("DELETE", ("OLD",)), ("UPDATE", ("OLD", "NEW"))):
            body = " ".join(
                f"INSERT INTO changes (tbl, key) VALUES ('{table}', {row}.{column});"
                for row in rows
            )
            conn.execute(
                f"CREATE TRIGGER changes_{table}_{event.lower()} AFTER {event} ON {table}"
                f" BEGIN {body} END"
            )


@dataclass
class Changes:
    """The keys written since a reader's last position, per table."""

    head: int
    keys: dict[str, set[str]] = field(default_factory=dict)

    def of(self, table: str) -> set[str]:
        """The keys of ``table`` that were written."""
        return self.keys.get(table, set())


def feed_head(db: Database) -> int:
    """The ``seq`` of the last change written to ``db`` (0 for none)."""
    with db.connection() as conn:
        row = conn.execute("SELECT max(seq) FROM changes").fetchone()
    return int(row[0] or 0)


def changes_since(db: Database, after: int) -> Changes | None:
    """What was written to ``db`` after ``seq`` ``after``; ``None`` when nothing was."""
    with db.connection() as conn:
        head = int(conn.execute("SELECT max(seq) FROM changes").fetchone()[0] or 0)
        if head <= after:
            return None
        changes = Changes(head)
        for table, key in conn.execute(
            "SELECT DISTINCT tbl, key FROM changes WHERE seq > ? AND seq <= ?", (after, head)
        ):
            changes.keys.setdefault(table, set()).add(key)
    return changes
