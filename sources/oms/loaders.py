"""The OMS's cached collections and their loaders: orders by id, pages of a customer's orders,
delivery promises by question."""

from __future__ import annotations

from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.http import SourceClient
from comptoir.sources.loaders import PageLoader, TypedLoader
from comptoir.sources.oms.client import fetch_customer_orders, fetch_orders, fetch_promises
from comptoir.sources.oms.models import OrderDoc, PromiseDoc
from comptoir.sources.pages import IdPage, fetch_pages, owner_of
from comptoir.sources.plugin import CollectionFactory, SourcePlugin

ORDERS = CollectionSpec("oms", "orders", default_max_age_s=30)
CUSTOMER_ORDERS = CollectionSpec("oms", "customer_orders", default_max_age_s=30)
PROMISES = CollectionSpec("oms", "promises", default_max_age_s=60, serve_stale=False)
"""Delivery promises by question (``sources/oms/promises.py``): fresh for
``COMPTOIR_PROMISE_CACHE_S`` (60 s by default), never served past it."""


class OrderByIdLoader(TypedLoader[OrderDoc]):
    """OMS orders by id."""

    spec = ORDERS


class CustomerOrderPageLoader(PageLoader[IdPage]):
    """Pages of a customer's orders from every channel, newest first, as ids (owner: customer)."""

    spec = CUSTOMER_ORDERS


class PromiseByQuestionLoader(TypedLoader[PromiseDoc]):
    """The allocation engine's promise for a question's key (:class:`PromiseQuestion`)."""

    spec = PROMISES


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """The OMS's collections on one client."""
    orders = collection(ORDERS, lambda ids: fetch_orders(client, ids))

    async def one_page(customer_id: str, params: dict[str, str]) -> tuple[IdPage, float | None]:
        items, cursor, max_age = await fetch_customer_orders(
            client, {**params, "customer_id": customer_id}
        )
        await orders.prime({o["id"]: o for o in items}, max_age)
        return {"ids": [o["id"] for o in items], "next_cursor": cursor}, max_age

    async def promises_of(keys: list[str]) -> tuple[dict[str, PromiseDoc], float]:
        # The configured freshness is the collection's (settings may change the spec's).
        return await fetch_promises(client, keys, promises.spec.default_max_age_s)

    promises = collection(PROMISES, promises_of)
    return {
        "orders": orders,
        "customer_orders": collection(
            CUSTOMER_ORDERS, lambda pages: fetch_pages(pages, one_page), owner_of=owner_of
        ),
        "promises": promises,
    }


SOURCE = SourcePlugin(
    name="oms",
    collections=build,
    # An order event names order ids; a customer's order list follows within its max-age,
    # and at once when comptoir itself places an order (it drops that customer's pages).
    events={"orders": ("orders",)},
)
