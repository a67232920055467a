"""The attacks of the security tests (and of bench/attack.py), as plain requests."""

from __future__ import annotations

import json
from typing import Any, Final

LONG: Final = "x" * 65_536
"""An id or a text of 64 KiB: over every bound, and over httpx's longest URL component."""

JSON_HEADERS: Final = {"Content-Type": "application/json"}

BAD_BODIES: Final[dict[str, bytes]] = {
    "null": b"null",
    "a string": b'"{ __typename }"',
    "a number": b"42",
    "a list": b'[{"query": "{ __typename }"}]',
    "invalid UTF-8": b'{"query": "{ __typename }", "x": "\xff\xfe"}',
    "a lone surrogate": b'{"query": "{ product(id: \\"\\ud800\\") { id } }"}',
    "nested 100,000 deep": b'{"query": "{ __typename }", "variables": {"v": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}}",
    "not JSON": b"{not json",
}
"""Bodies that are not a GraphQL request: each must be a 400, never a 500."""


def body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    """A GraphQL request's JSON body."""
    return json.dumps({"query": query, "variables": variables or {}}).encode()


PRODUCT_BY_ID: Final = "query($id: ID!) { product(id: $id) { id } }"
PRODUCTS_BY_IDS: Final = "query($ids: [ID!]!) { products(ids: $ids) { id } }"
SEARCH: Final = "query($q: String) { productSearch(query: $q, first: 2) { edges { node { id } } } }"
AFTER: Final = (
    "query($after: String) { productSearch(first: 2, after: $after) { edges { node { id } } } }"
)
CART: Final = (
    "query($input: CartInput!) { cart(input: $input) {"
    " lines { sku } total { amount } userErrors { field code } } }"
)
ENTITIES: Final = (
    "query($r: [_Any!]!) { _entities(representations: $r) {"
    " ... on Product { id } ... on Order { id } ... on Variant { sku } } }"
)
INPUT_TYPO: Final = "{ cart(input: {lnes: []}) { total { amount } } }"


def forged_cursor(source_cursor: str) -> str:
    """A cursor in comptoir's shape carrying ``source_cursor`` (as an attacker would forge it)."""
    import base64

    raw = b"c1" + json.dumps([source_cursor, 0]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def representations(count: int, typename: str = "Order") -> list[dict[str, str]]:
    """``count`` representations of unknown entities."""
    return [{"__typename": typename, "id": f"O-UNKNOWN-{n}"} for n in range(count)]
