"""The schema: an Apollo Federation v2 subgraph, with limits and error shaping."""

from __future__ import annotations

from functools import partial

import strawberry
from comptoir.graph.extensions import ResponseContext, ShapeErrors
from comptoir.graph.types.query import Query
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from comptoir.settings import Settings


def build_schema(settings: Settings) -> strawberry.federation.Schema:
    """The GraphQL schema with the limits of ``settings``."""
    return strawberry.federation.Schema(
        query=Query,
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
            partial(QueryDepthLimiter, max_depth=settings.max_depth),
            partial(MaxAliasesLimiter, max_alias_count=settings.max_aliases),
            ResponseContext,
            partial(ShapeErrors, suggestions=settings.dev),
        ],
    )


def printed_schema(settings: Settings | None = None) -> str:
    """The SDL of the schema, as committed in ``schema.graphql``."""
    return build_schema(settings or Settings()).as_str() + "\n"
