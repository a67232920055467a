"""The OMS's HTTP calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items
from comptoir.sources.oms.models import ORDERS, OrderDoc


async def fetch_orders(
    client: SourceClient, ids: Sequence[str]
) -> tuple[dict[str, OrderDoc], float | None]:
    """Orders by id."""
    items, max_age = await client.get_batch("/orders", "ids", ids, "orders")
    return {o["id"]: o for o in validate_items(ORDERS, items, client.name, "orders")}, max_age


async def fetch_customer_orders(
    client: SourceClient, params: Mapping[str, str]
) -> tuple[list[OrderDoc], str | None, float | None]:
    """One page of a customer's orders, newest first."""
    response = await client.get("/orders", params, "orders")
    page = validate_items(ORDERS, client.items_of(response.body, "orders"), client.name, "orders")
    cursor = response.body.get("next_cursor")
    return page, (cursor if isinstance(cursor, str) and cursor else None), response.max_age


async def create_order(
    client: SourceClient, body: Mapping[str, Any], idempotency_key: str
) -> OrderDoc:
    """``POST /orders``: the placed order."""
    response = await client.post("/orders", body, "orders", idempotency_key)
    return validate_items(ORDERS, [response.body], client.name, "orders")[0]
