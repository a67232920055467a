"""The read entry points (`Query`)."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry
from comptoir.graph.context import GraphInfo, scope_of
from comptoir.graph.errors import public_errors, source_error
from comptoir.graph.fields import field
from comptoir.graph.lookahead import reads_below
from comptoir.graph.types.cart import Cart, CartInput, cart_of, line_requests
from comptoir.graph.types.category import Category
from comptoir.graph.types.common import GeoPointInput
from comptoir.graph.types.connection import connection
from comptoir.graph.types.customer import Customer
from comptoir.graph.types.location import Location, LocationKind
from comptoir.graph.types.order import Order
from comptoir.graph.types.product import Product, ProductConnection, Variant
from comptoir.resolvers import catalog, customers, inventory, orders
from comptoir.resolvers.cart import quote_cart
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
        description="Active products of this channel, by category and/or name, a page at a time."
    )
    async def product_search(
        self,
        info: GraphInfo,
        category_id: strawberry.ID | None = strawberry.UNSET,
        query: str | None = strawberry.UNSET,
        first: int | None = 24,
        after: str | None = strawberry.UNSET,
    ) -> ProductConnection:
        with public_errors():
            page = await catalog.search_products(
                scope_of(info),
                category_id or None,
                query or None,
                first,
                after or None,
                reads_below(info),
            )
        return connection(ProductConnection, page, Product)

    @field(description="A category by id; null when unknown.")
    async def category(self, info: GraphInfo, id: strawberry.ID) -> Category | None:
        with public_errors():
            doc = await catalog.category(scope_of(info), str(id))
        return Category(doc=doc) if doc else None

    @field(
        description="Warehouses and stores, optionally of one kind; with `near`, nearest first"
        " (within `radiusKm` when given)."
    )
    async def locations(
        self,
        info: GraphInfo,
        near: GeoPointInput | None = strawberry.UNSET,
        radius_km: float | None = strawberry.UNSET,
        kind: LocationKind | None = strawberry.UNSET,
    ) -> list[Location]:
        point = near.point() if near else None
        with public_errors():
            found = await inventory.locations(
                scope_of(info), point, radius_km or None, kind.value if kind else None
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
