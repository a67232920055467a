"""The CRM's HTTP calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from comptoir.sources.crm.models import (
    ACCOUNTS,
    CUSTOMERS,
    TRANSACTIONS,
    CustomerDoc,
    LoyaltyAccountDoc,
    LoyaltyTransactionDoc,
)
from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items


async def fetch_customers(
    client: SourceClient, ids: Sequence[str]
) -> tuple[dict[str, CustomerDoc], float | None]:
    """Customers by id."""
    items, max_age = await client.get_batch("/customers", "ids", ids, "customers")
    return {c["id"]: c for c in validate_items(CUSTOMERS, items, client.name, "customers")}, max_age


async def fetch_loyalty_accounts(
    client: SourceClient, customer_ids: Sequence[str]
) -> tuple[dict[str, LoyaltyAccountDoc], float | None]:
    """Loyalty accounts by customer id."""
    items, max_age = await client.get_batch(
        "/loyalty/accounts", "customer_ids", customer_ids, "loyalty_accounts"
    )
    accounts = validate_items(ACCOUNTS, items, client.name, "loyalty_accounts")
    return {a["customer_id"]: a for a in accounts}, max_age


async def fetch_loyalty_transactions(
    client: SourceClient, params: Mapping[str, str]
) -> tuple[list[LoyaltyTransactionDoc], str | None, float | None]:
    """One page of a customer's transactions, newest first."""
    response = await client.get("/loyalty/transactions", params, "loyalty_transactions")
    items = client.items_of(response.body, "loyalty_transactions")
    page = validate_items(TRANSACTIONS, items, client.name, "loyalty_transactions")
    cursor = response.body.get("next_cursor")
    return page, (cursor if isinstance(cursor, str) and cursor else None), response.max_age


async def create_customer(
    client: SourceClient, body: Mapping[str, Any], idempotency_key: str
) -> CustomerDoc:
    """``POST /customers``; raises :class:`SourceRejected` (409 ``email_taken``) and the like."""
    response = await client.post("/customers", body, "customers", idempotency_key)
    return validate_items(CUSTOMERS, [response.body], client.name, "customers")[0]


async def redeem_points(
    client: SourceClient, body: Mapping[str, Any], idempotency_key: str
) -> LoyaltyTransactionDoc:
    """``POST /loyalty/redemptions``: the ``burn`` transaction."""
    response = await client.post(
        "/loyalty/redemptions", body, "loyalty_redemptions", idempotency_key
    )
    return validate_items(TRANSACTIONS, [response.body], client.name, "loyalty_redemptions")[0]
