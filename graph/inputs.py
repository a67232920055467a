"""The bounds of what a caller may send as an ``ID``, inline or in variables.

Ids go into upstream URLs (up to 100 of them per request): an id over
:data:`MAX_ID_LENGTH` characters, or one that is not valid Unicode text (a
lone surrogate), could not be sent and is the caller's mistake. Inline ids
are checked once per document (:class:`BoundedIdsRule`, a validation rule);
ids in variables before each execution (:func:`variable_problems`). Both
answer ``BAD_USER_INPUT`` naming the argument or the variable, before any
resolver runs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any, Final

from comptoir.sources.http import unsendable
from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLSchema,
    IntValueNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    StringValueNode,
    get_named_type,
    type_from_ast,
)
from graphql.validation import ValidationRule

MAX_ID_LENGTH: Final = 256
"""The longest id comptoir accepts (its sources' ids are far shorter)."""


def _bad_input(message: str, node: Any = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": "BAD_USER_INPUT"})


def _id_problem(value: object) -> str | None:
    return unsendable(value, MAX_ID_LENGTH) if isinstance(value, str) else None


class BoundedIdsRule(ValidationRule):
    """An inline ``ID`` value (argument or input field) within :data:`MAX_ID_LENGTH`."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._names: list[str] = []

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._names.append(node.name.value)

    def leave_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        self._names.append(node.name.value)

    def leave_object_field(self, node: ObjectFieldNode, *_args: Any) -> None:
        self._names.pop()

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        self._check(node, node.value)

    def enter_int_value(self, node: IntValueNode, *_args: Any) -> None:
        self._check(node, node.value)

    def _check(self, node: StringValueNode | IntValueNode, value: str) -> None:
        expected = self.context.get_input_type()
        if expected is None or get_named_type(expected).name != "ID":
            return
        problem = _id_problem(value)
        if problem is not None:
            where = ".".join(self._names) or "an argument"
            self.report_error(_bad_input(f"`{where}`: an ID is {problem}", node))


def variable_problems(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
) -> list[GraphQLError]:
    """The ids in ``variables`` over the bound, each named by its variable and place in it."""
    if not variables:
        return []
    operation = next(
        (
            d
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (operation_name is None or (d.name is not None and d.name.value == operation_name))
        ),
        None,
    )
    if operation is None:
        return []
    problems = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables:
            continue
        type_ = type_from_ast(schema, definition.type)
        if type_ is None or not _holds_ids(get_named_type(type_)):
            continue  # e.g. `_entities`' `[_Any!]!`: checked by its resolver
        for where, problem in _walk(type_, variables[name], f"${name}"):  # type: ignore[arg-type]
            problems.append(_bad_input(f"`{where}`: an ID is {problem}", definition))
            if len(problems) >= 10:  # enough to say what is wrong; the rest is the same
                return problems
    return problems


@functools.cache
def _holds_ids(named: GraphQLNamedType, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a value of this type may hold an ``ID`` somewhere (input objects, looked into)."""
    if named.name == "ID":
        return True
    if isinstance(named, GraphQLInputObjectType) and named.name not in seen:
        inner = seen | {named.name}
        return any(_holds_ids(get_named_type(f.type), inner) for f in named.fields.values())
    return False


def _walk(type_: GraphQLInputType, value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(type_, GraphQLNonNull):
        yield from _walk(type_.of_type, value, where)
    elif isinstance(type_, GraphQLList):
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _walk(type_.of_type, item, f"{where}[{index}]")
        else:
            yield from _walk(type_.of_type, value, where)  # a single value stands for a list
    elif isinstance(type_, GraphQLInputObjectType):
        if isinstance(value, dict):
            for field_name, field in type_.fields.items():
                if field_name in value:
                    yield from _walk(field.type, value[field_name], f"{where}.{field_name}")
    elif type_.name == "ID":
        problem = _id_problem(value)
        if problem is not None:
            yield where, problem
