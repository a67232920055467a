"""The schema: an Apollo Federation v2 subgraph, and the limits documents are checked against."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version

import strawberry
from comptoir.graph.entities import FederatedSchema
from comptoir.graph.executor import PlanExecutor
from comptoir.graph.inputs import BoundedIdsRule
from comptoir.graph.types.mutation import Mutation
from comptoir.graph.types.query import Query
from graphql.validation import ASTValidationRule
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig

from comptoir.settings import Settings


def build_schema() -> strawberry.federation.Schema:
    """The GraphQL schema (its types, resolvers and execution context)."""
    return FederatedSchema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=PlanExecutor,
    )


def limit_rules(settings: Settings) -> list[type[ASTValidationRule]]:
    """The depth and alias limits of ``settings``, as validation rules (built once)."""
    return [
        depth_rule(settings.max_depth, None),
        alias_rule(settings.max_aliases),
        BoundedIdsRule,
    ]


def schema_version(schema: strawberry.federation.Schema) -> str:
    """A digest of the printed schema and of comptoir's version, part of every answer's key."""
    try:
        release = version("comptoir")
    except PackageNotFoundError:  # running from a checkout that was never installed
        release = "0"
    return hashlib.sha256(f"{release}\n{schema.as_str()}".encode()).hexdigest()[:16]


def printed_schema() -> str:
    """The SDL of the schema, as committed in ``schema.graphql``."""
    return build_schema().as_str() + "\n"
