"""Relay connections of products, and the product search behind `productSearch` and `Category.products`."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from comptoir.graph.context import scope_of
from comptoir.graph.errors import bad_input, source_error
from comptoir.graph.lookahead import selected_names
from comptoir.graph.types.common import PageInfo
from comptoir.graph.types.product import Product
from comptoir.resolvers.catalog import CatalogNeeds, prefetch_whole, shown_products
from comptoir.resolvers.paging import InvalidPageRequest, paginate
from comptoir.sources.errors import SourceError
from comptoir.sources.pages import page_id
from comptoir.sources.pim.loaders import ProductPageLoader
from strawberry.types import Info


@strawberry.type(description="A product in a list, with its cursor.")
class ProductEdge:
    """One edge of a product connection."""

    cursor: str = strawberry.field(description="Pass as `after` to continue after this product.")
    node: Product = strawberry.field(description="The product.")


@strawberry.type(description="A page of products (Relay connection).")
class ProductConnection:
    """Products in the source's order (by id)."""

    edges: list[ProductEdge] = strawberry.field(
        description="The products of this page with their cursors."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether more follow, and the cursor to get them."
    )

    @strawberry.field(description="The products of this page, without cursors.")
    def nodes(self) -> list[Product]:
        return [edge.node for edge in self.edges]


async def search_products(
    info: Info[Any, Any],
    category_id: str | None,
    query: str | None,
    first: int | None,
    after: str | None,
) -> ProductConnection:
    """Active products of the channel's assortment, filtered by category and name."""
    scope = scope_of(info)
    filters = {
        "channel": scope.channel.assortment,
        "category_id": category_id or "",
        "q": query or "",
    }

    needs = CatalogNeeds.from_fields(selected_names(info))

    async def fetch(cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        # The whole collections (locations, categories) depend on no page: they
        # load alongside it (once the page request is known to be valid).
        page, _ = await asyncio.gather(
            scope.loaders.get(ProductPageLoader).load(
                page_id("", {**filters, "limit": str(limit), "cursor": cursor or ""})
            ),
            prefetch_whole(scope, needs),
        )
        return page["ids"], page["next_cursor"]

    try:
        page = await paginate(fetch, 24 if first is None else first, after, scope.max_page_size)
    except InvalidPageRequest as exc:
        raise bad_input(str(exc)) from exc
    except SourceError as exc:
        raise source_error(exc) from exc
    ids = [product_id for product_id, _ in page.edges]
    docs = await shown_products(scope, ids, needs)
    edges = []
    for (_, cursor), doc in zip(page.edges, docs, strict=True):
        if isinstance(doc, SourceError):
            raise source_error(doc)
        if doc is not None:
            edges.append(ProductEdge(cursor=cursor, node=Product(doc=doc)))
    return ProductConnection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
    )
