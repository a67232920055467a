"""The schema: an Apollo Federation v2 subgraph, and the limits documents are checked against."""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version

import strawberry
from comptoir.graph.entities import checked_representation, merged, representations_problem
from comptoir.graph.errors import bad_input
from comptoir.graph.executor import PlanExecutor
from comptoir.graph.inputs import BoundedIdsRule
from comptoir.graph.types.mutation import Mutation
from comptoir.graph.types.query import Query
from graphql.validation import ASTValidationRule
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.schema.config import StrawberryConfig
from strawberry.types.info import Info

from comptoir.settings import Settings


class FederatedSchema(strawberry.federation.Schema):
    """The Federation subgraph, whose `_entities` checks its representations first (graph/entities.py)."""

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """`_entities`: refused as a whole over the maximum, each bad representation alone."""
        problem = representations_problem(len(representations))
        if problem is not None:
            raise bad_input(problem)
        keys = self._entity_keys()
        refused: dict[int, Exception] = {}
        accepted: list[FederationAny] = []
        for index, representation in enumerate(representations):
            checked = checked_representation(representation, keys, index)
            if isinstance(checked, Exception):
                refused[index] = checked
            else:
                accepted.append(FederationAny(checked))
        resolved = super().entities_resolver(info, accepted) if accepted else []
        return [FederationAny(answer) for answer in merged(len(representations), refused, resolved)]

    def _entity_keys(self) -> dict[str, str]:
        """Each entity type's name and its key field, read once from the ``@key`` directives."""
        keys: dict[str, str] | None = getattr(self, "_keys", None)
        if keys is None:
            keys = {}
            for name, graphql_type in self.schema_converter.type_map.items():
                definition = getattr(graphql_type, "definition", None)
                for directive in getattr(definition, "directives", None) or ():
                    if isinstance(directive, Key):
                        keys[name] = str(directive.fields)
            self._keys = keys
        return keys


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
