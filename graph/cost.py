"""The static cost of an operation: computed before execution, from its document and variables.

An operation is compiled once, when its document is prepared
(:mod:`comptoir.graph.documents`), into an :class:`OperationCost`: the parts
that do not depend on variables are added up then, and what does (``first:
$first``, ``ids: $ids``, ``@include(if: $withVariants)``) becomes a small
function of the variables. A request then costs a few lookups in its
variables, or nothing at all when its operation has none that matter.

Fields are collected as the executor collects them (fragments spread,
fields of the same response key merged, a fragment spread twice at one level
counted once), so that the cost is that of what would run. The weights and
list sizes are :mod:`comptoir.graph.cost_model`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from comptoir.graph.cost_model import (
    CONNECTION_SIZED_FIELDS,
    CONNECTION_SLICE,
    DEFAULT_LIST_SIZE,
    INTROSPECTION_COST,
    ListSize,
    field_cost,
    type_weight,
)
from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    value_from_ast_untyped,
)
from graphql.pyutils import Undefined

Variables: TypeAlias = Mapping[str, Any]
Cost: TypeAlias = int | Callable[[Variables], int]
"""A cost known now (an ``int``), or a function of the request's variables."""

_Condition: TypeAlias = tuple[str, bool]
"""``@include(if: $v)`` is ``("v", True)``, ``@skip(if: $v)`` is ``("v", False)``."""


class OperationCost:
    """What one operation of a prepared document costs, given a request's variables."""

    __slots__ = ("_cost",)

    def __init__(self, cost: Cost) -> None:
        self._cost = cost

    @property
    def constant(self) -> int | None:
        """The cost when no variable changes it, else ``None``."""
        return self._cost if isinstance(self._cost, int) else None

    def of(self, variables: Variables) -> int:
        """The cost of a request with ``variables`` (raw JSON values, as sent)."""
        cost = self._cost
        return cost if isinstance(cost, int) else cost(variables)


FREE: Final = OperationCost(0)
"""The cost of an operation that costs nothing (or whose cost was not compiled)."""


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> OperationCost:
    """Compile the cost of ``operation`` (of a validated ``document``) once."""
    root = (
        schema.mutation_type
        if operation.operation is OperationType.MUTATION
        else schema.subscription_type
        if operation.operation is OperationType.SUBSCRIPTION
        else schema.query_type
    )
    if root is None:
        return OperationCost(0)
    compiler = _Compiler(schema, document, operation)
    return OperationCost(compiler.selections(root, (operation.selection_set,), ()))


# --- combining costs, folding what is known now -------------------------------------------


def _add(parts: Iterable[Cost]) -> Cost:
    known = 0
    later: list[Callable[[Variables], int]] = []
    for part in parts:
        if isinstance(part, int):
            known += part
        else:
            later.append(part)
    if not later:
        return known
    if len(later) == 1:
        only = later[0]
        return only if known == 0 else lambda variables: known + only(variables)
    if len(later) == 2:
        first, second = later
        return lambda variables: known + first(variables) + second(variables)
    functions = tuple(later)
    return lambda variables: known + sum(f(variables) for f in functions)


def _times(size: Cost, each: Cost) -> Cost:
    if isinstance(size, int) and isinstance(each, int):
        return size * each
    if size == 0 or each == 0:
        return 0
    if isinstance(size, int):
        inner = each
        assert not isinstance(inner, int)
        return lambda variables: size * inner(variables)
    if isinstance(each, int):
        return lambda variables: size(variables) * each
    return lambda variables: size(variables) * each(variables)


def _largest(parts: Sequence[Cost]) -> Cost:
    if not parts:
        return 0
    if all(isinstance(part, int) for part in parts):
        return max(parts)  # type: ignore[type-var]  # all ints
    functions = tuple(p if callable(p) else _constant(p) for p in parts)
    return lambda variables: max(f(variables) for f in functions)


def _constant(value: int) -> Callable[[Variables], int]:
    return lambda _variables: value


def _when(conditions: frozenset[frozenset[_Condition]], defaults: Variables, cost: Cost) -> Cost:
    """``cost`` if any of the ``conditions`` (each a conjunction) holds for the variables."""
    if cost == 0:
        return 0
    alternatives = tuple(tuple(c) for c in conditions)

    def holds(variables: Variables) -> bool:
        return any(
            all(
                bool(variables.get(name, defaults.get(name))) is wanted
                for name, wanted in conjunction
            )
            for conjunction in alternatives
        )

    if isinstance(cost, int):
        known = cost
        return lambda variables: known if holds(variables) else 0
    function = cost
    return lambda variables: function(variables) if holds(variables) else 0


# --- sizes --------------------------------------------------------------------------------


def _size_of(value: Any, fallback: int) -> int:
    """A slicing argument's value as a list size: an integer, or a list's length."""
    if type(value) is int:  # the common case first (a bool is an int, but not this one)
        return value if value > 0 else 0
    if value is None or isinstance(value, bool):
        return fallback
    if isinstance(value, list):
        return len(value)
    if isinstance(value, str | dict | float):
        return 1  # a single value given for a list is coerced into a list of one
    return fallback


def _follow(value: Any, path: Sequence[str]) -> Any:
    for name in path:
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


# --- the compiler -------------------------------------------------------------------------


@dataclass(slots=True)
class _Group:
    """The nodes of one response key at one level, and when each is included."""

    nodes: list[FieldNode] = field(default_factory=list)
    conditions: set[frozenset[_Condition]] = field(default_factory=set)
    always: bool = False


class _Compiler:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
    ) -> None:
        self.schema = schema
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.defaults: dict[str, Any] = {}
        for definition in operation.variable_definitions or ():
            if definition.default_value is not None:
                self.defaults[definition.variable.name.value] = value_from_ast_untyped(
                    definition.default_value
                )
        # Selections compiled once per (type, selection sets, sizes given by a connection):
        # a fragment used at many places costs its compilation once.
        self._memo: dict[tuple[object, ...], Cost] = {}

    def selections(
        self,
        parent: GraphQLObjectType,
        selection_sets: tuple[SelectionSetNode, ...],
        sized: tuple[tuple[str, Cost], ...],
    ) -> Cost:
        """The cost of everything selected in ``selection_sets`` on one ``parent`` object."""
        key = (
            parent.name,
            tuple(id(s) for s in selection_sets),
            tuple((n, s if isinstance(s, int) else id(s)) for n, s in sized),
        )
        found = self._memo.get(key)
        if found is not None:
            return found
        groups: dict[str, _Group] = {}
        for selection_set in selection_sets:
            self._collect(parent, selection_set, frozenset(), groups, set())
        sizes = dict(sized)
        parts = []
        for group in groups.values():
            cost = self._field(parent, group.nodes, sizes)
            if not group.always:
                cost = _when(frozenset(group.conditions), self.defaults, cost)
            parts.append(cost)
        cost = _add(parts)
        self._memo[key] = cost
        return cost

    def _collect(
        self,
        parent: GraphQLObjectType,
        selection_set: SelectionSetNode,
        conditions: frozenset[_Condition],
        groups: dict[str, _Group],
        spread: set[str],
    ) -> None:
        for selection in selection_set.selections:
            included = self._included(selection.directives, conditions)
            if included is None:
                continue
            if isinstance(selection, FieldNode):
                response_key = (selection.alias or selection.name).value
                group = groups.setdefault(response_key, _Group())
                group.nodes.append(selection)
                if included:
                    group.conditions.add(included)
                else:
                    group.always = True
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, parent):
                    self._collect(parent, selection.selection_set, included, groups, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in spread or fragment is None:
                    continue
                spread.add(name)
                if self._applies(fragment.type_condition.name.value, parent):
                    self._collect(parent, fragment.selection_set, included, groups, spread)

    @staticmethod
    def _included(
        directives: Sequence[DirectiveNode] | None, conditions: frozenset[_Condition]
    ) -> frozenset[_Condition] | None:
        """The conditions under which a selection runs (empty: always); ``None``: never."""
        for directive in directives or ():
            name = directive.name.value
            if name not in ("include", "skip"):
                continue
            wanted = name == "include"
            for argument in directive.arguments or ():
                if argument.name.value != "if":
                    continue
                value = argument.value
                if isinstance(value, BooleanValueNode):
                    if value.value is not wanted:
                        return None
                elif isinstance(value, VariableNode):
                    conditions = conditions | {(value.name.value, wanted)}
        return conditions

    def _applies(self, type_name: str, parent: GraphQLObjectType) -> bool:
        if type_name == parent.name:
            return True
        condition = self.schema.get_type(type_name)
        return (
            condition is not None
            and is_abstract_type(condition)
            and self.schema.is_sub_type(condition, parent)
        )

    def _field(
        self, parent: GraphQLObjectType, nodes: list[FieldNode], sizes: Mapping[str, Cost]
    ) -> Cost:
        name = nodes[0].name.value
        if name == "__typename":
            return 0
        if name.startswith("__"):
            return INTROSPECTION_COST
        definition = parent.fields.get(name)
        if definition is None:  # not in the schema: validation has refused the document
            return 0
        spec = field_cost(parent.name, name)
        output, lists = _unwrap(definition.type)
        named: GraphQLNamedType = output
        leaf = is_leaf_type(named)
        if spec is not None and spec.weight is not None:
            weight = spec.weight
        else:
            weight = 0 if leaf or is_abstract_type(named) else type_weight(named.name)
        size: Cost = 1
        if lists:
            given = sizes.get(name)
            if given is not None:
                size = given
            else:
                size = self._list_size(
                    definition, nodes[0], spec.list_size if spec is not None else None
                )
            one = size
            for _ in range(lists - 1):  # a list of lists: the sizes multiply
                size = _times(size, one)
        each: Cost = weight
        if not leaf:
            child_sizes = self._connection_sizes(definition, nodes[0], named)
            children = [node.selection_set for node in nodes if node.selection_set is not None]
            each = _add((weight, self._on_each(named, tuple(children), child_sizes)))
        return _times(size, each)

    def _on_each(
        self,
        named: GraphQLNamedType,
        selection_sets: tuple[SelectionSetNode, ...],
        sized: tuple[tuple[str, Cost], ...],
    ) -> Cost:
        """The selections on an object, or the costliest of an abstract type's possible objects."""
        if isinstance(named, GraphQLObjectType):
            return self.selections(named, selection_sets, sized)
        if is_abstract_type(named):
            possible = self.schema.get_possible_types(named)
            return _largest(
                [
                    _add((type_weight(t.name), self.selections(t, selection_sets, sized)))
                    for t in possible
                ]
            )
        return 0

    def _connection_sizes(
        self, definition: GraphQLField, node: FieldNode, named: GraphQLNamedType
    ) -> tuple[tuple[str, Cost], ...]:
        """``first`` for ``edges`` and ``nodes`` when this field returns a Relay connection."""
        if CONNECTION_SLICE not in definition.args or not isinstance(named, GraphQLObjectType):
            return ()
        held = CONNECTION_SIZED_FIELDS & named.fields.keys()
        if not held:
            return ()
        size = self._list_size(definition, node, ListSize(slicing=(CONNECTION_SLICE,)))
        return tuple((name, size) for name in sorted(held))

    def _list_size(self, definition: GraphQLField, node: FieldNode, spec: ListSize | None) -> Cost:
        assumed = spec.assumed if spec is not None and spec.assumed is not None else None
        if spec is None or not spec.slicing:
            return assumed if assumed is not None else DEFAULT_LIST_SIZE
        head, *rest = spec.slicing
        argument_default = None
        argument = definition.args.get(head)
        if argument is not None and argument.default_value is not Undefined:
            argument_default = _follow(argument.default_value, rest)
        fallback = _size_of(argument_default, assumed if assumed is not None else DEFAULT_LIST_SIZE)
        given = next((a.value for a in node.arguments or () if a.name.value == head), None)
        if given is None:
            return fallback
        return self._size_in(given, rest, fallback)

    def _size_in(self, value: ValueNode, path: Sequence[str], fallback: int) -> Cost:
        """The size an argument's value gives, now or from the variables."""
        if isinstance(value, VariableNode):
            name = value.name.value
            default = self.defaults.get(name)
            return lambda variables: _size_of(_follow(variables.get(name, default), path), fallback)
        if path:
            if not isinstance(value, ObjectValueNode):
                return fallback
            inner = next((f.value for f in value.fields if f.name.value == path[0]), None)
            return fallback if inner is None else self._size_in(inner, path[1:], fallback)
        if isinstance(value, IntValueNode):
            return max(0, int(value.value))
        if isinstance(value, ListValueNode):
            return len(value.values)
        return _size_of(value_from_ast_untyped(value), fallback)


def _unwrap(output: GraphQLOutputType) -> tuple[GraphQLNamedType, int]:
    """The named type under a field's type, and how many lists wrap it."""
    lists = 0
    current: Any = output
    while isinstance(current, GraphQLNonNull | GraphQLList):
        if isinstance(current, GraphQLList):
            lists += 1
        current = current.of_type
    return current, lists
