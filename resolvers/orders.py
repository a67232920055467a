"""A shopper's orders from every channel, newest first, and single orders by id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from comptoir.resolvers.paging import Page, check_first, encode_cursor, paginate
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.errors import SourceError
from comptoir.sources.oms.loaders import CustomerOrderPageLoader, OrderByIdLoader
from comptoir.sources.oms.models import OrderDoc
from comptoir.sources.pages import page_id


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order document, and whether comptoir still holds it for the OMS."""

    doc: OrderDoc
    pending: bool = False


async def customer_orders(
    scope: RequestScope,
    customer_id: str,
    first: int,
    after: str | None,
    held: Sequence[OrderView] = (),
) -> Page[OrderView]:
    """One page of the customer's orders, newest first; ``held`` ones (pending) lead the first page.

    A held order's cursor stands before the OMS's newest order, so the next
    page goes on with the OMS's list. With the OMS unavailable, the first page
    holds the held orders alone.
    """
    if after is None and held:
        check_first(first, scope.max_page_size)
        start = encode_cursor(None, 0)
        leading = [(view, start) for view in held[:first]]
        if len(leading) == first:
            return Page(leading, has_next_page=True)
        try:
            rest = await _oms_orders(scope, customer_id, first - len(leading), None)
        except SourceError:
            # Without the OMS, what comptoir holds is still the shopper's (reported fallback).
            return Page(leading, has_next_page=True)
        return Page(leading + rest.edges, rest.has_next_page)
    return await _oms_orders(scope, customer_id, first, after)


async def _oms_orders(
    scope: RequestScope, customer_id: str, first: int, after: str | None
) -> Page[OrderView]:
    loaders = scope.loaders

    async def fetch(cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
        page = await loaders.get(CustomerOrderPageLoader).load(
            page_id(customer_id, {"limit": str(limit), "cursor": cursor or ""})
        )
        docs = await loaders.get(OrderByIdLoader).load_many(page["ids"])
        found = []
        for doc in docs:
            if isinstance(doc, SourceError):
                raise doc
            if doc is not None:
                found.append(OrderView(doc))
        return found, page["next_cursor"]

    return await paginate(fetch, first, after, scope.max_page_size)


async def find_order(scope: RequestScope, order_id: str) -> OrderView | None:
    """The order of ``order_id``, or ``None`` when the OMS does not know it."""
    doc = await scope.loaders.get(OrderByIdLoader).load(order_id)
    return OrderView(doc) if doc else None
