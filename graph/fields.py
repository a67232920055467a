"""The decorators of comptoir's GraphQL fields, typed so that a resolver keeps its signature.

``@strawberry.field(description=…)`` is typed as returning ``Any``, which
makes every resolver it decorates untyped for mypy; :func:`field` and
:func:`mutation` are the same decorators with a type that keeps the
resolver's. :func:`catalog_field` declares what a field reads of the catalog
and computes it from what is loaded: at once when the request has loaded it,
else after loading it — with everything selected below the field — in one
round.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar, cast

import strawberry
from comptoir.graph.context import GraphContext, GraphInfo
from comptoir.graph.errors import source_error
from comptoir.graph.field_access import CONTEXT_CALL, NEEDS_INFO
from comptoir.graph.lookahead import READS, reads_below
from comptoir.resolvers.prefetch import CatalogReads, prefetch
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.errors import SourceError
from comptoir.sources.pim.models import ProductDoc

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def field(*, description: str, graphql_type: Any = None) -> Callable[[F], F]:
    """A resolver field with its description (``strawberry.field``)."""
    decorate: Callable[[F], F] = strawberry.field(
        description=description, graphql_type=graphql_type
    )
    return decorate


def mutation(*, description: str) -> Callable[[F], F]:
    """A mutation with its description (``strawberry.mutation``)."""
    decorate: Callable[[F], F] = strawberry.mutation(description=description)
    return decorate


class CatalogObject(Protocol):
    """A GraphQL object built on products: what its catalog fields read is about these."""

    @property
    def products(self) -> tuple[ProductDoc, ...]:
        """The products whose loaded catalog data the object's fields read."""
        ...


R = TypeVar("R", bound=CatalogObject)


def catalog_field(
    *, reads: CatalogReads, description: str, graphql_type: Any
) -> Callable[[Callable[[R, RequestScope], T]], Callable[[R, RequestScope], T]]:
    """A field computed from catalog data: ``reads`` names what it reads, once, here.

    The declaration serves twice: the list a product comes from loads it for
    every product at once (:func:`~comptoir.graph.lookahead.reads_below`),
    and a product that did not come from such a list loads it on first use.
    ``compute(self, scope)`` runs without awaiting when the data is loaded.
    """

    def decorate(compute: Callable[[R, RequestScope], T]) -> Callable[[R, RequestScope], T]:
        def run(root: R, scope: RequestScope) -> T:
            try:
                return compute(root, scope)
            except SourceError as exc:
                raise source_error(exc) from exc

        async def later(root: R, info: GraphInfo) -> T:
            scope = info.context.scope
            await prefetch(scope, root.products, reads | reads_below(info))
            return run(root, scope)

        def in_context(self: R, context: GraphContext) -> T | object:
            scope = context.scope
            if scope.catalog.is_loaded(reads, self.products):
                return run(self, scope)
            return NEEDS_INFO  # loading it reads the selection below: see ``later``

        def resolve(self: R, info: GraphInfo) -> T | Awaitable[T]:
            value = in_context(self, info.context)
            return later(self, info) if value is NEEDS_INFO else cast(T, value)

        resolve.__name__ = compute.__name__
        resolve.__doc__ = compute.__doc__
        setattr(resolve, CONTEXT_CALL, in_context)
        built = strawberry.field(
            resolver=resolve,
            description=description,
            graphql_type=graphql_type,
            metadata={READS: reads},
        )
        # Strawberry reads the field off the class; the class's code sees ``compute``'s type.
        return cast(Callable[[R, RequestScope], T], built)

    return decorate
