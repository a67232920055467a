"""The schema: an Apollo Federation v2 subgraph, with limits, document caches and error shaping."""

from __future__ import annotations

from functools import partial

import strawberry
from comptoir.graph.execution import LeanExecutionContext
from comptoir.graph.extensions import CachedParser, ResponseContext, ShapeErrors
from comptoir.graph.types.mutation import Mutation
from comptoir.graph.types.query import Query
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig

from comptoir.settings import Settings

DOCUMENT_CACHE_SIZE = 256
"""Distinct query texts whose parsed and validated document is kept (LRU)."""


def build_schema(settings: Settings) -> strawberry.federation.Schema:
    """The GraphQL schema with the limits of ``settings``.

    The depth and alias rules are built once, so that a validated document can
    be cached: the same query text is parsed and validated once, not per request.
    """
    limits: list[type[ASTValidationRule]] = [
        depth_rule(settings.max_depth, None),
        alias_rule(settings.max_aliases),
    ]
    return strawberry.federation.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=LeanExecutionContext,
        extensions=[
            partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
            partial(CachedParser, maxsize=DOCUMENT_CACHE_SIZE),
            partial(AddValidationRules, limits),
            partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
            ResponseContext,
            partial(ShapeErrors, suggestions=settings.dev),
        ],
    )


def printed_schema(settings: Settings | None = None) -> str:
    """The SDL of the schema, as committed in ``schema.graphql``."""
    return build_schema(settings or Settings()).as_str() + "\n"
