"""The read entry points (`Query`)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry
from comptoir.graph.context import GraphInfo, scope_of
from comptoir.graph.errors import public_errors, source_error
from comptoir.graph.fields import field
from comptoir.graph.lookahead import reads_below, selects
from comptoir.graph.types.cart import Cart, CartInput, cart_of, line_requests
from comptoir.graph.types.category import Category
from comptoir.graph.types.common import GeoPointInput
from comptoir.graph.types.customer import Customer
from comptoir.graph.types.location import Location, LocationKind
from comptoir.graph.types.order import Order
from comptoir.graph.types.product import Product, Variant
from comptoir.graph.types.search import (
    ProductConnection,
    ProductFilterInput,
    ProductSortKey,
)
from comptoir.resolvers import catalog, customers, inventory, orders, search
from comptoir.resolvers.cart import quote_cart
from comptoir.resolvers.search_request import ProductFilters, SearchRequest
from comptoir.sources.errors import SourceError


async def _fail(error: SourceError) -> None:
    """An item of a list that fails alone: its error is reported at its own path."""
    raise source_error(error)


@strawberry.type(description="Read the catalog, stock, locations, customers and orders.")
class Query:
    """Every read of comptoir."""

    @field(
        description="A product; null when unknown, not active, or not in this channel's assortment."
    )
    async def product(self, info: GraphInfo, id: strawberry.ID) -> Product | None:
        with public_errors():
            doc = await catalog.shown_product(scope_of(info), str(id), reads_below(info))
        return Product(doc) if doc else None

    @field(
        description="Products in the order of `ids` (at most 100),"
        " null where `product(id)` would be null.",
        graphql_type=list[Product | None],
    )
    async def products(
        self, info: GraphInfo, ids: list[strawberry.ID]
    ) -> list[Product | Awaitable[None] | None]:
        with public_errors():
            docs = await catalog.shown_products(
                scope_of(info), [str(i) for i in ids], reads_below(info)
            )
        return [
            _fail(doc) if isinstance(doc, SourceError) else (Product(doc) if doc else None)
            for doc in docs
        ]

    @field(
        description="A variant by sku; null when unknown or its product is not shown on this channel."
    )
    async def variant(self, info: GraphInfo, sku: strawberry.ID) -> Variant | None:
        return await Variant.resolve_reference(info, sku)

    @field(
        description="Find the channel's products: by words, category and filters, in the order of"
        " `sort`, a page at a time, with the total found and facet counts. When the search"
        " source is unavailable, the catalog's list by category and words, in id order, without"
        " `totalCount` or `facets` (`extensions.degraded`: search, fallback); `filters` and"
        " `sort` then get an error with code SOURCE_UNAVAILABLE."
    )
    async def product_search(
        self,
        info: GraphInfo,
        query: Annotated[
            str | None,
            strawberry.argument(
                description="Words to find in names, descriptions and brands, in any locale;"
                " the last may be the start of a word. Case and accents are ignored."
            ),
        ] = strawberry.UNSET,
        category_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this category and its subcategories."),
        ] = strawberry.UNSET,
        filters: Annotated[
            ProductFilterInput | None,
            strawberry.argument(description="What the shopper picked in the facets."),
        ] = strawberry.UNSET,
        sort: Annotated[
            ProductSortKey | None,
            strawberry.argument(description="The order of the products; RELEVANCE by default."),
        ] = strawberry.UNSET,
        first: Annotated[
            int | None,
            strawberry.argument(description="How many products (0 to the page size limit, 100)."),
        ] = 24,
        after: Annotated[
            str | None,
            strawberry.argument(description="The `endCursor` of the page before (same `sort`)."),
        ] = strawberry.UNSET,
    ) -> ProductConnection:
        request = SearchRequest(
            query=query or None,
            category_id=str(category_id) if category_id else None,
            filters=filters.filters() if filters else ProductFilters(),
            sort=sort.source_sort if sort else None,
            first=24 if first is None else first,
            after=after or None,
            facets=selects(info, "facets"),
            total=selects(info, "totalCount"),
        )
        with public_errors():
            listing = await search.product_search(scope_of(info), request, reads_below(info))
        return ProductConnection.of(listing)

    @field(description="A category by id; null when unknown.")
    async def category(self, info: GraphInfo, id: strawberry.ID) -> Category | None:
        with public_errors():
            doc = await catalog.category(scope_of(info), str(id))
        return Category(doc=doc) if doc else None

    @field(
        description="Warehouses and stores, optionally of one kind, or only those that take"
        " returns (or not); with `near`, nearest first (within `radiusKm` when given)."
    )
    async def locations(
        self,
        info: GraphInfo,
        near: GeoPointInput | None = strawberry.UNSET,
        radius_km: float | None = strawberry.UNSET,
        kind: LocationKind | None = strawberry.UNSET,
        accepts_returns: Annotated[
            bool | None,
            strawberry.argument(
                description="true: only stores that take returns; false: only those that do not."
            ),
        ] = strawberry.UNSET,
    ) -> list[Location]:
        point = near.point() if near else None
        with public_errors():
            found = await inventory.locations(
                scope_of(info),
                point,
                radius_km or None,
                kind.value if kind else None,
                accepts_returns if isinstance(accepts_returns, bool) else None,
            )
        return [Location.near(n) for n in found]

    @field(description="The signed-in shopper; null when anonymous or unknown to the CRM.")
    async def me(self, info: GraphInfo) -> Customer | None:
        context = info.context
        with public_errors():
            return Customer.of(await customers.signed_in(context.scope, context.held))

    @field(
        description="Any customer, for staff channels only; elsewhere an error with code FORBIDDEN."
    )
    async def customer(self, info: GraphInfo, id: strawberry.ID) -> Customer | None:
        context = info.context
        with public_errors():
            return Customer.of(await customers.any_customer(context.scope, context.held, str(id)))

    @field(
        description="An order, for its owner or a staff channel; null for anyone else."
        " A pending order's provisional id resolves to the OMS's order once delivered."
    )
    async def order(self, info: GraphInfo, id: strawberry.ID) -> Order | None:
        context = info.context
        with public_errors():
            return Order.of(await orders.order(context.scope, context.held, str(id)))

    @field(
        description="Price a cart for this channel: list prices in force, then promotions and points;"
        " list prices only (reported `degraded`) when the promotion engine is unavailable."
    )
    async def cart(self, info: GraphInfo, input: CartInput) -> Cart:
        context = info.context
        scope = context.scope
        with public_errors():
            quote = await quote_cart(
                scope,
                line_requests(input.lines),
                list(input.coupon_codes or ()),
                scope.shopper_id,
                context.sources,
            )
        return cart_of(quote)
