"""Categories of the PIM's tree."""

from __future__ import annotations

import strawberry
from comptoir.graph.context import GraphInfo, scope_of
from comptoir.graph.errors import public_errors
from comptoir.graph.fields import field
from comptoir.graph.lookahead import reads_below
from comptoir.graph.types.connection import connection
from comptoir.graph.types.product import Product
from comptoir.graph.types.search import ProductConnection
from comptoir.resolvers import catalog
from comptoir.resolvers.localization import pick_text
from comptoir.sources.pim.models import CategoryDoc


@strawberry.type(description="A category of the catalog tree.")
class Category:
    """A PIM category (the tree is loaded whole, once per request)."""

    doc: strawberry.Private[CategoryDoc]

    @field(description="The PIM's category id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["id"])

    @field(description="Name in `locale`, else the channel's locale, else English, else any.")
    def name(self, info: GraphInfo, locale: str | None = strawberry.UNSET) -> str:
        return pick_text(self.doc["name"], locale, scope_of(info).channel.locale) or self.doc["id"]

    @field(description="The parent category; null at the top of the tree.")
    def parent(self, info: GraphInfo) -> Category | None:
        with public_errors():
            parent = catalog.parent_category(scope_of(info), self.doc)
        return Category(doc=parent) if parent else None

    @field(description="The direct subcategories, by id.")
    def children(self, info: GraphInfo) -> list[Category]:
        with public_errors():
            return [Category(doc=c) for c in catalog.child_categories(scope_of(info), self.doc)]

    @field(
        description="Products of this category and its subcategories shown on this channel, by id."
    )
    async def products(
        self, info: GraphInfo, first: int | None = 24, after: str | None = strawberry.UNSET
    ) -> ProductConnection:
        with public_errors():
            page = await catalog.search_products(
                scope_of(info), self.doc["id"], None, first, after or None, reads_below(info)
            )
        return connection(ProductConnection, page, Product)
