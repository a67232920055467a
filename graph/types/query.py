"""The read entry points (`Query`)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry
from comptoir.graph.context import scope_of
from comptoir.graph.errors import bad_input, forbidden, source_error
from comptoir.graph.lookahead import selected_names
from comptoir.graph.types.cart import Cart, CartInput, price_cart
from comptoir.graph.types.category import Category
from comptoir.graph.types.common import GeoPointInput
from comptoir.graph.types.connections import ProductConnection, search_products
from comptoir.graph.types.customer import Customer, load_customer, load_order
from comptoir.graph.types.location import Location, LocationKind
from comptoir.graph.types.order import Order
from comptoir.graph.types.product import Product, Variant
from comptoir.resolvers.catalog import (
    CatalogNeeds,
    fill_whole,
    shown_products,
)
from comptoir.resolvers.inventory import near as locations_near
from comptoir.sources.erp.loaders import LocationsLoader
from comptoir.sources.errors import SourceError
from comptoir.sources.pim.loaders import CategoryTreeLoader
from strawberry.types import Info

MAX_IDS = 100


async def _raise(error: SourceError) -> None:
    """An item of a list that fails alone: its error is reported at its own path."""
    raise source_error(error)


async def _products(info: Info[Any, Any], ids: list[str]) -> list[Product | Awaitable[None] | None]:
    scope = scope_of(info)
    docs = await shown_products(scope, ids, CatalogNeeds.from_fields(selected_names(info)))
    return [
        _raise(doc) if isinstance(doc, SourceError) else (Product(doc=doc) if doc else None)
        for doc in docs
    ]


@strawberry.type(description="Read the catalog, stock, locations, customers and orders.")
class Query:
    """Every read of comptoir."""

    @strawberry.field(
        description="A product; null when unknown, not active, or not in this channel's assortment."
    )
    async def product(self, info: Info[Any, Any], id: strawberry.ID) -> Product | None:
        scope = scope_of(info)
        needs = CatalogNeeds.from_fields(selected_names(info))
        doc = (await shown_products(scope, [str(id)], needs))[0]
        if isinstance(doc, SourceError):
            raise source_error(doc)
        return Product(doc=doc) if doc else None

    @strawberry.field(
        description="Products in the order of `ids` (at most 100), null where `product(id)` would be null.",
        graphql_type=list[Product | None],
    )
    async def products(self, info: Info[Any, Any], ids: list[strawberry.ID]) -> Any:
        if len(ids) > MAX_IDS:
            raise bad_input(f"`ids` takes at most {MAX_IDS} ids, got {len(ids)}")
        return await _products(info, [str(i) for i in ids])

    @strawberry.field(
        description="A variant by sku; null when unknown or its product is not shown on this channel."
    )
    async def variant(self, info: Info[Any, Any], sku: strawberry.ID) -> Variant | None:
        return await Variant.resolve_reference(info, sku)

    @strawberry.field(
        description="Active products of this channel, by category and/or name, a page at a time."
    )
    async def product_search(
        self,
        info: Info[Any, Any],
        category_id: strawberry.ID | None = strawberry.UNSET,
        query: str | None = strawberry.UNSET,
        first: int | None = 24,
        after: str | None = strawberry.UNSET,
    ) -> ProductConnection:
        return await search_products(info, category_id or None, query or None, first, after or None)

    @strawberry.field(description="A category by id; null when unknown.")
    async def category(self, info: Info[Any, Any], id: strawberry.ID) -> Category | None:
        scope = scope_of(info)
        await fill_whole(scope, "categories", scope.loaders.get(CategoryTreeLoader), "id")
        tree = scope.catalog.whole["categories"]
        if isinstance(tree, SourceError):
            raise source_error(tree)
        doc = tree.get(str(id))
        return Category(doc=doc) if doc else None

    @strawberry.field(
        description="Warehouses and stores, optionally of one kind; with `near`, nearest first"
        " (within `radiusKm` when given)."
    )
    async def locations(
        self,
        info: Info[Any, Any],
        near: GeoPointInput | None = strawberry.UNSET,
        radius_km: float | None = strawberry.UNSET,
        kind: LocationKind | None = strawberry.UNSET,
    ) -> list[Location]:
        near, radius_km, kind = near or None, radius_km or None, kind or None
        if radius_km is not None and radius_km < 0:
            raise bad_input("`radiusKm` must not be negative")
        if near is not None and not (-90 <= near.latitude <= 90 and -180 <= near.longitude <= 180):
            raise bad_input("`near` must be a latitude in [-90, 90] and a longitude in [-180, 180]")
        scope = scope_of(info)
        await fill_whole(scope, "locations", scope.loaders.get(LocationsLoader), "id")
        everything = scope.catalog.whole["locations"]
        if isinstance(everything, SourceError):
            raise source_error(everything)
        docs = [d for d in everything.values() if kind is None or d["kind"] == kind.value]
        if near is None:
            return [Location(doc=d) for d in sorted(docs, key=lambda d: d["id"])]
        return [
            Location(doc=n.location, distance=n.distance_km)
            for n in locations_near(docs, near.latitude, near.longitude, radius_km)
        ]

    @strawberry.field(
        description="The signed-in shopper; null when anonymous or unknown to the CRM."
    )
    async def me(self, info: Info[Any, Any]) -> Customer | None:
        shopper = scope_of(info).shopper_id
        return await load_customer(info, shopper) if shopper else None

    @strawberry.field(
        description="Any customer, for staff channels only; elsewhere an error with code FORBIDDEN."
    )
    async def customer(self, info: Info[Any, Any], id: strawberry.ID) -> Customer | None:
        if not scope_of(info).staff:
            raise forbidden("customer(id) is for staff channels only; shoppers use `me`")
        return await load_customer(info, str(id))

    @strawberry.field(
        description="An order, for its owner or a staff channel; null for anyone else."
        " A pending order's provisional id resolves to the OMS's order once delivered."
    )
    async def order(self, info: Info[Any, Any], id: strawberry.ID) -> Order | None:
        return await load_order(info, str(id))

    @strawberry.field(
        description="Price a cart for this channel: list prices in force, then promotions and points;"
        " list prices only (reported `degraded`) when the promotion engine is unavailable."
    )
    async def cart(self, info: Info[Any, Any], input: CartInput) -> Cart:
        return await price_cart(info, input)
