"""A leaner execution of plain leaf fields, the bulk of a catalog page.

Most fields of a category page are scalars already on their parent object
(an id, a sku, an amount). graphql-core builds a resolve-info object and
calls a resolver for each; for a strawberry field with no resolver of its
own and no argument, whose value is a non-null scalar or enum, the value is
read and serialized directly instead. Anything else — a resolver, an
argument, a null, a value that does not serialize — takes the normal path,
which reports errors exactly as before.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_BASIC = "_get_basic_result"
"""The name strawberry gives the resolver of a field that has none of its own."""

_SLOW: Any = object()
_CACHED = "_comptoir_plain_leaf"


Leaf = tuple[str, GraphQLScalarType | GraphQLEnumType]
"""A plain leaf field: the Python attribute holding its value, and the type that serializes it."""


def _leaf_of(field: GraphQLField) -> Leaf | None:
    """How to read a plain attribute field, or ``None`` when it must take the normal path."""
    resolve = field.resolve
    if resolve is None or getattr(resolve, "__name__", "") != _BASIC or field.args:
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    attribute = getattr(definition, "python_name", None)
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(attribute, str) or not isinstance(kind, GraphQLScalarType | GraphQLEnumType):
        return None
    return attribute, kind


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution, with plain leaf fields read without a resolver call."""

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any = None,
    ) -> Any:
        """The field's serialized value when it is a plain leaf; else graphql-core's execution."""
        node = field_details_list[0].node
        manager = self.middleware_manager
        if not node.arguments and (manager is None or not manager.middlewares):
            field = parent_type.fields.get(node.name.value)
            if field is not None:
                value = self._plain_leaf(field, source)
                if value is not _SLOW:
                    return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _plain_leaf(self, field: GraphQLField, source: Any) -> Any:
        leaf = getattr(field, _CACHED, _SLOW)
        if leaf is _SLOW:
            leaf = _leaf_of(field)
            setattr(field, _CACHED, leaf)  # decided once per field of the schema
        if leaf is None:
            return _SLOW
        attribute, kind = leaf
        try:
            value = getattr(source, attribute)  # strawberry's default resolver
            if value is None:
                return _SLOW
            serialized = kind.serialize(value)
        except Exception:  # the normal path reports it
            return _SLOW
        return _SLOW if serialized is None or serialized is Undefined else serialized
