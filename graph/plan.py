"""Execution plans: each selection of a validated operation, worked out once and kept with it.

A plan says, for an object type and the fields selected on it (fragments, type
conditions and @skip/@include applied and same response keys merged, by
graphql-core's own field collection), which fields to answer, in which order and
how: read a plain attribute, answer ``__typename``, or call a resolver (with its
argument values computed once when they are constant, once per request when they
use variables); and how to complete what comes back: non-null and list levels,
a leaf's serialization, the plan of an object type, or that of each concrete type
of an abstract one, planned when first met.

A plan depends on the schema, the operation and the values of the variables that
@skip/@include read. Plans are kept per schema for as long as the operation's
document lives (parsed and validated documents are themselves cached), with a
few variants of directive values per operation.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Any

from comptoir.graph.field_access import DirectCall, FieldAccess, plain_attribute
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    TypeNameMetaFieldDef,
    ValueNode,
    VariableNode,
    get_nullable_type,
    is_leaf_type,
    is_specified_scalar_type,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import (
    FieldDetailsList,
    GroupedFieldSet,
    collect_fields,
    collect_subfields,
)
from graphql.execution.executor import SELECTIONS_NESTED_TOO_DEEPLY
from graphql.execution.values import get_argument_values
from graphql.language import (
    BooleanValueNode,
    EnumValueNode,
    FloatValueNode,
    IntValueNode,
    NullValueNode,
    StringValueNode,
)
from graphql.type import GraphQLBoolean, GraphQLID, GraphQLInt, GraphQLString

# How a value is completed, one level of its type at a time.
NON_NULL, LIST, LEAF, OBJECT, ABSTRACT = range(5)

# How a field is answered.
PLAIN, TYPENAME, RESOLVE = range(3)

# When a field's argument values are computed.
NO_ARGUMENTS, CONSTANT, PER_REQUEST, PER_CALL = range(4)

VARIANTS_PER_OPERATION = 16
"""Plans kept per operation, one per combination of @skip/@include variable values."""

MIN_INT, MAX_INT = -(2**31), 2**31 - 1
_SCALAR_LITERALS = (
    IntValueNode,
    FloatValueNode,
    StringValueNode,
    BooleanValueNode,
    EnumValueNode,
    NullValueNode,
)
_IMMUTABLE = (type(None), bool, int, float, str, bytes, Decimal, Enum)


class Shape:
    """One level of a field's return type: how to complete a value at that level."""

    __slots__ = ("complete_leaf", "fast", "kind", "of", "type")

    def __init__(self, type_: GraphQLOutputType) -> None:
        self.type: Any = type_
        self.of: Shape | None = None
        self.complete_leaf: Callable[[Any], Any] | None = None
        self.fast: type | None = None
        """For a built-in scalar, the Python type whose values serialize to themselves."""
        if isinstance(type_, GraphQLNonNull):
            self.kind = NON_NULL
            self.of = Shape(type_.of_type)
            self.fast = self.of.fast
        elif isinstance(type_, GraphQLList):
            self.kind = LIST
            self.of = Shape(type_.of_type)
        elif is_leaf_type(type_):
            self.kind = LEAF
            self.fast = _FAST_TYPES.get(id(type_))
            self.complete_leaf = partial(Executor.complete_leaf_value, type_)
        elif isinstance(type_, GraphQLObjectType):
            self.kind = OBJECT
        else:
            self.kind = ABSTRACT

    def leaf(self) -> Shape | None:
        """The leaf shape under any non-null level, if this is a leaf."""
        shape = self.of if self.kind == NON_NULL else self
        return shape if shape is not None and shape.kind == LEAF else None

    def walk(self) -> Iterator[Shape]:
        """This level and the ones it wraps."""
        shape: Shape | None = self
        while shape is not None:
            yield shape
            shape = shape.of


# The built-in scalars serialize these values to themselves (an int: within 32 bits).
_FAST_TYPES: dict[int, type] = {
    id(GraphQLString): str,
    id(GraphQLID): str,
    id(GraphQLBoolean): bool,
    id(GraphQLInt): int,
}


class FieldPlan:
    """One response key of a selection: what to run and how to complete it."""

    __slots__ = (
        "args",
        "args_mode",
        "attribute",
        "children",
        "details",
        "direct",
        "fast",
        "field",
        "key",
        "leaf",
        "mode",
        "name",
        "needs_info",
        "nodes",
        "non_null",
        "null_message",
        "object_type",
        "parent_name",
        "parent_type",
        "read",
        "shape",
    )

    def __init__(
        self,
        access: FieldAccess,
        parent_type: GraphQLObjectType,
        key: str,
        field: GraphQLField,
        details: FieldDetailsList,
        hide_suggestions: bool,
    ) -> None:
        node = details[0].node
        self.key = key
        self.name = node.name.value
        self.field = field
        self.details = details
        self.nodes: list[FieldNode] = [d.node for d in details]
        self.parent_type = parent_type
        self.parent_name = parent_type.name
        self.shape = Shape(field.type)
        self.non_null = self.shape.kind == NON_NULL
        self.null_message = f"Cannot return null for non-nullable field {parent_type}.{self.name}."
        leaf = self.shape.leaf()
        self.fast: type | None = leaf.fast if leaf is not None else None
        self.leaf = leaf.complete_leaf if leaf is not None else None
        """Serializes a (non-null) value of a leaf field."""
        inner = self.shape.of if self.non_null else self.shape
        self.object_type: GraphQLObjectType | None = (
            inner.type if inner is not None and inner.kind == OBJECT else None
        )
        """The field's type when it is an object type (or a non-null one)."""
        # is_type_of and resolve_type receive the field's resolve info.
        self.needs_info = any(
            s.kind == ABSTRACT or (s.kind == OBJECT and s.type.is_type_of is not None)
            for s in self.shape.walk()
        )
        self.children: dict[GraphQLObjectType, SelectionPlan] = {}
        plain = plain_attribute(field)
        self.read = plain.read if plain is not None else getattr
        self.attribute = plain.attribute if plain is not None else ""
        self.direct: DirectCall | None = None
        if field is TypeNameMetaFieldDef:
            self.mode = TYPENAME
        elif plain is not None:
            self.mode = PLAIN
        else:
            self.mode = RESOLVE
            self.direct = access.direct_call(field)
        self.args_mode, self.args = _plan_arguments(field, node, hide_suggestions)


ObjectRunner = Callable[[Any, Any, Any], Any]
"""A selection compiled to a function: ``run(executor, source, path)`` answers an object's fields."""


class SelectionPlan:
    """The fields selected on one object type, in response order."""

    __slots__ = ("entries", "fields", "run", "type", "type_name")

    def __init__(self, type_: GraphQLObjectType, fields: list[FieldPlan]) -> None:
        self.type = type_
        self.type_name = type_.name
        self.fields = fields
        self.entries = tuple((f.mode, f.key, f.read, f.attribute, f.fast, f) for f in fields)
        """What the executor's loop reads of each field, unpacked at once."""
        self.run: ObjectRunner | None = None
        """The selection compiled (:mod:`comptoir.graph.compiled`), once it is."""


class OperationPlan:
    """The root selection of an operation, and whether its root fields run one after the other."""

    __slots__ = ("__weakref__", "ahead", "root", "runs", "serial")

    def __init__(self, root: SelectionPlan, serial: bool) -> None:
        self.root = root
        self.serial = serial
        self.ahead = False
        """Whether its sub-selections were planned ahead (or are being planned)."""
        self.runs = 0
        """How many times it was run."""


class _Variants:
    """The plans of one operation, by the values of the variables @skip/@include read."""

    __slots__ = ("names", "operation", "plans")

    def __init__(self, operation: weakref.ref[OperationDefinitionNode], names: tuple[str, ...]):
        self.operation = operation
        self.names = names
        self.plans: dict[tuple[Any, ...], OperationPlan] = {}


class Planner:
    """Plans the operations run against one schema, and keeps them."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.access = FieldAccess(schema)
        self.incremental = bool(schema.get_directive("defer") or schema.get_directive("stream"))
        """Whether @defer/@stream can be used: those operations take graphql-core's path."""
        # By the operation node's identity, not its value: AST nodes compare equal across
        # documents of the same text, whose fragments may differ.
        self._operations: dict[int, _Variants] = {}

    def operation_plan(self, executor: Executor[Any]) -> OperationPlan:
        """The plan of the executor's operation with its variables; planned on first use."""
        operation = executor.operation
        variants = self._operations.get(id(operation))
        if variants is None or variants.operation() is not operation:
            names = directive_variables(
                operation.selection_set,
                (f.selection_set for f in executor.fragment_definitions.values()),
            )
            forget = partial(self._forget, id(operation))
            variants = _Variants(weakref.ref(operation, forget), names)
            self._operations[id(operation)] = variants
        coerced = executor.variable_values.coerced
        key = (executor.hide_suggestions, *(coerced.get(name, _ABSENT) for name in variants.names))
        plan = variants.plans.get(key)
        if plan is None:
            plan = self._plan_operation(executor)
            if len(variants.plans) >= VARIANTS_PER_OPERATION:
                del variants.plans[next(iter(variants.plans))]
            variants.plans[key] = plan
        return plan

    def _forget(self, key: int, operation: weakref.ref[OperationDefinitionNode]) -> None:
        """Drop the plans of an operation whose document is gone."""
        variants = self._operations.get(key)
        if variants is not None and variants.operation is operation:
            del self._operations[key]

    def _plan_operation(self, executor: Executor[Any]) -> OperationPlan:
        operation = executor.operation
        schema = executor.schema
        root_type = schema.get_root_type(operation.operation)
        if root_type is None:
            message = f"Schema is not configured to execute {operation.operation.value} operation."
            raise GraphQLError(message, operation)
        try:
            collected = collect_fields(
                schema,
                executor.fragments,
                executor.variable_values,
                root_type,
                operation,
                executor.hide_suggestions,
            )
        except RecursionError:
            collected = None
        if collected is None:  # raised outside the handler, so as not to keep the frames alive
            raise GraphQLError(SELECTIONS_NESTED_TOO_DEEPLY, operation)
        root = self._selection(executor, root_type, collected.grouped_field_set)
        return OperationPlan(root, operation.operation == OperationType.MUTATION)

    def child_plan(
        self, field: FieldPlan, object_type: GraphQLObjectType, executor: Executor[Any]
    ) -> SelectionPlan:
        """The plan of ``field``'s sub-selection on ``object_type``; planned on first use."""
        plan = field.children.get(object_type)
        if plan is None:
            collected = collect_subfields(
                executor.schema,
                executor.fragments,
                executor.variable_values,
                executor.operation,
                object_type,
                field.details,
                executor.hide_suggestions,
            )
            plan = self._selection(executor, object_type, collected.grouped_field_set)
            field.children[object_type] = plan
        return plan

    def _selection(
        self, executor: Executor[Any], type_: GraphQLObjectType, grouped: GroupedFieldSet
    ) -> SelectionPlan:
        fields = []
        hide_suggestions = executor.hide_suggestions
        for key, details in grouped.items():
            field = executor.schema.get_field(type_, details[0].node.name.value)
            if field is not None:  # graphql-core leaves an unknown field out of the response
                fields.append(FieldPlan(self.access, type_, key, field, details, hide_suggestions))
        return SelectionPlan(type_, fields)


_ABSENT = object()
_PLANNER = "_comptoir_planner"


def planner_for(schema: GraphQLSchema) -> Planner:
    """The planner of ``schema``, kept on the schema itself (so it goes when the schema goes).

    Not in a dictionary keyed by the schema: plans hold the schema's types, whose
    fields strawberry builds lazily from closures that lead back to the schema.
    """
    planner: Planner | None = getattr(schema, _PLANNER, None)
    if planner is None:
        planner = Planner(schema)
        setattr(schema, _PLANNER, planner)
    return planner


def directive_variables(
    operation: SelectionSetNode, fragments: Iterator[SelectionSetNode] | Any
) -> tuple[str, ...]:
    """The variables read by @skip or @include in an operation and the document's fragments."""
    names: set[str] = set()
    stack = [operation, *fragments]
    while stack:
        for selection in stack.pop().selections:
            for directive in selection.directives or ():
                if directive.name.value in ("skip", "include"):
                    for argument in directive.arguments or ():
                        names.update(_variables_in(argument.value))
            selection_set = getattr(selection, "selection_set", None)
            if selection_set is not None:
                stack.append(selection_set)
    return tuple(sorted(names))


def _variables_in(value: ValueNode) -> Iterator[str]:
    if isinstance(value, VariableNode):
        yield value.name.value
    for item in getattr(value, "values", None) or ():
        yield from _variables_in(item)
    for field in getattr(value, "fields", None) or ():
        yield from _variables_in(field.value)


def _plan_arguments(
    field: GraphQLField, node: FieldNode, hide_suggestions: bool
) -> tuple[int, dict[str, Any]]:
    """When to compute the argument values, and the values when they are constant.

    graphql-core builds literal lists, input objects and custom scalars afresh on
    every call, and hands a resolver the very objects held in the variables; values
    are shared between calls only where graphql-core shares them too.
    """
    if not field.args and not node.arguments:
        return NO_ARGUMENTS, {}
    uses_variables = False
    for argument in node.arguments or ():
        definition = field.args.get(argument.name.value)
        if definition is None:
            continue  # not read by graphql-core either
        value = argument.value
        if isinstance(value, VariableNode):
            uses_variables = True
            continue
        # A literal for a list argument is made a fresh list of one; custom scalars may
        # parse a literal into anything.
        nullable = get_nullable_type(definition.type)
        simple = isinstance(nullable, GraphQLEnumType) or (
            isinstance(nullable, GraphQLScalarType) and is_specified_scalar_type(nullable)
        )
        if not isinstance(value, _SCALAR_LITERALS) or not simple:
            return PER_CALL, {}
    if uses_variables:
        return PER_REQUEST, {}
    try:
        values = get_argument_values(field, node, None, None, hide_suggestions)
    except Exception:
        return PER_CALL, {}
    if not all(isinstance(v, _IMMUTABLE) for v in values.values()):
        return PER_CALL, {}
    return CONSTANT, values
