"""Cache keys: versioned, and carrying everything the value depends on.

``comptoir:v1:<source>:<collection>:<id>`` for a batch-read item (the raw
upstream item(s) of one id, which depend on nothing else: a sku's price rows
hold every price list, a product's document every locale and channel), and
``comptoir:v1:<source>:<collection>:<id>|<scope>`` for a value that also
depends on a scope (a list page's filters: channel, query, cursor, limit).
Bump :data:`KEY_VERSION` whenever the shape of a cached value changes.
"""

from __future__ import annotations

from collections.abc import Mapping

KEY_VERSION = "v1"
PREFIX = f"comptoir:{KEY_VERSION}"


def item_key(source: str, collection: str, item_id: str) -> str:
    """The key of one id of a batch-read collection."""
    return f"{PREFIX}:{source}:{collection}:{item_id}"


def scoped_key(source: str, collection: str, item_id: str, scope: Mapping[str, str]) -> str:
    """The key of a value that depends on ``item_id`` and on ``scope`` (sorted, so stable)."""
    parts = "&".join(f"{name}={scope[name]}" for name in sorted(scope))
    return f"{item_key(source, collection, item_id)}|{parts}"
