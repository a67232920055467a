"""Relay connections: one generic page of any list, with its edges and page information.

An entity's connection is this generic named after it, e.g.
``class ProductConnection(Connection[Product])``: strawberry names its
edges ``ProductEdge``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry
from comptoir.graph.fields import field
from comptoir.resolvers.paging import Page

T = TypeVar("T")
X = TypeVar("X")
C = TypeVar("C", bound="Connection[Any]")


@strawberry.type(description="Relay page information.")
class PageInfo:
    """Where a page stands in its list."""

    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to get the next page; null on an empty page."
    )


@strawberry.type(description="An item of a list, with its cursor.")
class Edge(Generic[T]):
    """One item of a page and where the list resumes after it."""

    cursor: str = strawberry.field(description="Pass as `after` to continue after this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list (Relay connection).")
class Connection(Generic[T]):
    """A page of items, each with its cursor, and whether more follow."""

    edges: list[Edge[T]] = strawberry.field(description="This page's items, with their cursors.")
    page_info: PageInfo = strawberry.field(
        description="Whether more follow, and the cursor to get them."
    )

    @field(description="This page's items, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def connection(kind: type[C], page: Page[X], node: Callable[[X], Any]) -> C:
    """The connection of type ``kind`` of a page, each item made a GraphQL object by ``node``."""
    return kind(
        edges=[Edge(cursor=cursor, node=node(item)) for item, cursor in page.edges],
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
    )
