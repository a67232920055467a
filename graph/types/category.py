"""Categories of the PIM's tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from comptoir.graph.context import scope_of
from comptoir.graph.errors import source_error
from comptoir.resolvers.localization import pick_text
from comptoir.sources.errors import SourceError
from comptoir.sources.pim.models import CategoryDoc

if TYPE_CHECKING:
    from comptoir.graph.types.connections import ProductConnection
from strawberry.types import Info


def _tree(info: Info[Any, Any]) -> dict[str, CategoryDoc]:
    tree = scope_of(info).catalog.whole.get("categories")
    if isinstance(tree, SourceError):
        raise source_error(tree)
    return tree or {}


@strawberry.type(description="A category of the catalog tree.")
class Category:
    """A PIM category (the tree is loaded whole, once per request)."""

    doc: strawberry.Private[CategoryDoc]

    @strawberry.field(description="The PIM's category id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["id"])

    @strawberry.field(
        description="Name in `locale`, else the channel's locale, else English, else any."
    )
    def name(self, info: Info[Any, Any], locale: str | None = strawberry.UNSET) -> str:
        return pick_text(self.doc["name"], locale, scope_of(info).channel.locale) or self.doc["id"]

    @strawberry.field(description="The parent category; null at the top of the tree.")
    def parent(self, info: Info[Any, Any]) -> Category | None:
        parent_id = self.doc.get("parent_id")
        parent = _tree(info).get(parent_id) if parent_id else None
        return Category(doc=parent) if parent else None

    @strawberry.field(description="The direct subcategories, by id.")
    def children(self, info: Info[Any, Any]) -> list[Category]:
        tree = _tree(info)
        return [
            Category(doc=c)
            for c in sorted(tree.values(), key=lambda c: c["id"])
            if c.get("parent_id") == self.doc["id"]
        ]

    @strawberry.field(
        description="Products of this category and its subcategories shown on this channel, by id.",
        graphql_type=Annotated[
            "ProductConnection", strawberry.lazy("comptoir.graph.types.connections")
        ],
    )
    async def products(
        self, info: Info[Any, Any], first: int | None = 24, after: str | None = strawberry.UNSET
    ) -> Any:
        from comptoir.graph.types.connections import search_products

        return await search_products(info, self.doc["id"], None, first, after or None)
