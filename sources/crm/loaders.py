"""The CRM's cached collections and their loaders: customers, loyalty accounts and transactions."""

from __future__ import annotations

from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.crm.client import (
    fetch_customers,
    fetch_loyalty_accounts,
    fetch_loyalty_transactions,
)
from comptoir.sources.crm.models import CustomerDoc, LoyaltyAccountDoc, TransactionPage
from comptoir.sources.http import SourceClient
from comptoir.sources.loaders import PageLoader, TypedLoader
from comptoir.sources.pages import fetch_pages, owner_of
from comptoir.sources.plugin import CollectionFactory, SourcePlugin

CUSTOMERS = CollectionSpec("crm", "customers", default_max_age_s=60)
LOYALTY_ACCOUNTS = CollectionSpec("crm", "loyalty_accounts", default_max_age_s=30)
LOYALTY_TRANSACTIONS = CollectionSpec("crm", "loyalty_transactions", default_max_age_s=30)


class CustomerByIdLoader(TypedLoader[CustomerDoc]):
    """CRM customers by id."""

    spec = CUSTOMERS


class LoyaltyAccountByCustomerIdLoader(TypedLoader[LoyaltyAccountDoc]):
    """CRM loyalty accounts by customer id."""

    spec = LOYALTY_ACCOUNTS


class LoyaltyTransactionPageLoader(PageLoader[TransactionPage]):
    """Pages of a customer's loyalty transactions, newest first (owner: the customer id)."""

    spec = LOYALTY_TRANSACTIONS


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """The CRM's collections on one client."""

    async def one_page(
        customer_id: str, params: dict[str, str]
    ) -> tuple[TransactionPage, float | None]:
        items, cursor, max_age = await fetch_loyalty_transactions(
            client, {**params, "customer_id": customer_id}
        )
        return {"items": items, "next_cursor": cursor}, max_age

    return {
        "customers": collection(CUSTOMERS, lambda ids: fetch_customers(client, ids)),
        "loyalty_accounts": collection(
            LOYALTY_ACCOUNTS, lambda ids: fetch_loyalty_accounts(client, ids)
        ),
        "loyalty_transactions": collection(
            LOYALTY_TRANSACTIONS, lambda pages: fetch_pages(pages, one_page), owner_of=owner_of
        ),
    }


SOURCE = SourcePlugin(
    name="crm",
    collections=build,
    events={
        "customers": ("customers",),
        "loyalty_accounts": ("loyalty_accounts",),
        "loyalty_transactions": ("loyalty_transactions",),
    },
)
