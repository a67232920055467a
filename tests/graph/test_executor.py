"""The plan executor answers exactly what graphql-core's executor answers: data and errors."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from comptoir.graph.executor import PlanExecutor, execute_planned
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLSchema,
    execute,
    get_introspection_query,
    parse,
)
from graphql.execution import MiddlewareManager
from graphql.validation import validate

from tests.graph.executor_schemas import (
    LOG,
    STRAWBERRY_SCHEMA,
    core_root,
    core_schema,
    strawberry_schema,
)

SCHEMA = STRAWBERRY_SCHEMA._schema

EVERY_KIND_OF_FIELD = """
query Everything($upper: Boolean!, $suffix: String, $first: Int) {
  items(first: $first) {
    id count price color tags matrix grid odd ratio active note
    __typename
    label
    loud: label(upper: $upper, suffix: $suffix)
    plain: label(upper: false)
    slowLabel
    id
    ... on Item { count tags }
    ...More
  }
}
fragment More on Item {
  alias: count loud: label(upper: $upper, suffix: $suffix) children { id children { id } }
}
"""

ARGUMENTS = """
query Arguments($filter: Filter, $colors: [Color!], $minimum: Int!, $color: Color, $odd: Odd!) {
  none: items { id }
  literal: items(filter: {prefix: "i", colors: [RED, BLUE], minimum: 10}, first: 2) { id color }
  variable: items(filter: $filter) { id }
  mixed: items(filter: {colors: $colors, minimum: $minimum}) { id count }
  default: echoColor
  enumLiteral: echoColor(color: BLUE)
  enumVariable: echoColor(color: $color)
  odd: echoOdd(value: $odd)
  oddLiteral: echoOdd(value: 7)
  item(id: "i7") { id }
  missing: item(id: "x") { id }
}
"""

ERRORS = """
{
  items(first: 2) {
    id fails coded returnedError failsLater
    children { id fails }
    laterItems { id count }
  }
  hard: maybeItems(first: 2) { id failsHard }
  lost: maybeItems(first: 2) { id note serial }
  strict: strictItems(first: 2) { id failsHard }
  maybeChain { ok next { ok next { end } } }
  notAList
  notAString
  even
  wrongEntity { __typename }
}
"""

ERROR_TO_ROOT = "{ chain { next { end } } items(first: 1) { id } }"
ERROR_IN_SERIALIZATION = "{ big }"

ABSTRACT = """
{
  entities {
    __typename
    ... on Named { name }
    ... on Person { age email friends { name friends { name } } bestFriend { name } }
    ... on Robot { model name }
  }
  named { name ... on Person { checkedAge } }
  robot: named(robot: true) { __typename name ... on Robot { model } }
  people { name checkedAge bestFriend { name checkedAge } }
}
"""

DIRECTIVES = """
query Directives($skip: Boolean!, $include: Boolean!) {
  items(first: 1) {
    id @skip(if: $skip)
    count @include(if: $include)
    tags @skip(if: true)
    color @include(if: true)
    ... @include(if: $include) { price }
    ...Frag @skip(if: $skip)
  }
}
fragment Frag on Item { label @include(if: $include) }
"""

CORE = """
{
  pets { __typename name ... on Cat { lives } ... on Dog { barks } }
  animals { __typename ... on Cat { name } ... on Dog { name } }
  owner { name pets { name } favourite { ... on Cat { name lives } } }
  owners { name favourite { __typename } tagged(tags: ["new"]) }
  tom: pet(name: "tom") { name }
  nobody: pet(name: "garfield") { name }
  greeting
  hi: greeting(name: "ann")
  later { name pets { __typename name } favourite { __typename } }
}
"""


def outcome(result: ExecutionResult) -> tuple[Any, list[Any]]:
    """The data, and each error with everything a client or comptoir's error shaping reads."""
    errors = [
        (
            e.message,
            e.path,
            e.locations,
            type(e.original_error).__name__ if e.original_error else None,
            e.extensions,
        )
        for e in result.errors or ()
    ]
    return result.data, errors


async def run(
    schema: GraphQLSchema,
    query: str | DocumentNode,
    variables: dict[str, Any] | None = None,
    root: Any = None,
    *,
    planned: bool,
) -> tuple[Any, list[Any]]:
    document = parse(query) if isinstance(query, str) else query
    assert validate(schema, document) == []
    LOG.clear()
    if planned:
        result: Any = execute_planned(schema, document, variable_values=variables, root_value=root)
    else:
        result = execute(schema, document, root, variable_values=variables)
    if inspect.isawaitable(result):
        result = await result
    return outcome(result)


async def same_answer(
    query: str,
    variables: dict[str, Any] | None = None,
    schema: GraphQLSchema = SCHEMA,
    root: Any = None,
) -> tuple[Any, list[Any]]:
    """Run with graphql-core's executor, then with plans: all equal.

    With plans: a new document twice (its plans looped over), then one
    document three times (looped over, compiled at its second run, then run
    compiled again).
    """
    expected = await run(schema, query, variables, root, planned=False)
    assert await run(schema, query, variables, root, planned=True) == expected
    assert await run(schema, query, variables, root, planned=True) == expected
    document = parse(query)
    for _ in range(3):
        assert await run(schema, document, variables, root, planned=True) == expected
    return expected


async def test_plain_attributes_resolvers_fragments_and_aliases_answer_alike() -> None:
    data, errors = await same_answer(
        EVERY_KIND_OF_FIELD, {"upper": True, "suffix": "!", "first": 2}
    )
    assert errors == []
    first = data["items"][0]
    assert first["loud"] == "I0!" and first["plain"] == "i0" and first["label"] == "i0"
    assert first["slowLabel"] == "slowLabel:i0" and first["alias"] == 0
    assert first["matrix"] == [[0, None], None, [1]] and first["price"] == "0.50"
    assert first["__typename"] == "Item" and first["children"][1]["children"][0]["id"] == "i0.1.0"


async def test_arguments_literal_variable_default_input_enum_and_custom_scalar_answer_alike() -> (
    None
):
    variables = {
        "filter": {"prefix": "i", "colors": ["GREEN"]},
        "colors": ["RED", "GREEN"],
        "minimum": 20,
        "odd": 5,
    }
    data, errors = await same_answer(ARGUMENTS, variables)
    assert errors == []
    assert [i["id"] for i in data["literal"]] == ["i2", "i3"]
    assert data["variable"] == [{"id": "i1"}, {"id": "i4"}]
    assert data["default"] == "GREEN" and data["enumLiteral"] == "BLUE"
    assert data["enumVariable"] is None or data["enumVariable"] == "GREEN"
    assert data["odd"] == 5 and data["oddLiteral"] == 7 and data["missing"] is None


async def test_variables_of_other_requests_do_not_leak_into_a_cached_plan() -> None:
    for upper, first in ((True, 1), (False, 3), (True, 2)):
        data, _ = await same_answer(EVERY_KIND_OF_FIELD, {"upper": upper, "first": first})
        assert len(data["items"]) == first
        assert data["items"][0]["loud"] == ("I0" if upper else "i0")


async def test_field_errors_at_every_depth_answer_alike() -> None:
    data, errors = await same_answer(ERRORS)
    # A non-null field's error nulls the nearest nullable parent: an item, or the list.
    assert data["hard"] == [None, None] and data["strict"] is None
    # A null plain attribute: itself when nullable, its item when not.
    assert data["lost"] == [{"id": "m0", "note": "note 0", "serial": "s0"}, None]
    assert data["maybeChain"] is None
    assert data["items"][0]["laterItems"][1] is None
    messages = {message for message, *_ in errors}
    assert "Cannot return null for non-nullable field Item.serial." in messages
    assert "item i0 failed" in messages and "the chain broke" in messages
    assert "Expected Iterable, but did not find one for field 'Query.notAList'." in messages
    coded = next(e for e in errors if e[0] == "coded failure")
    assert coded[4] == {
        "code": "TEAPOT",
        "id": "i0",
    }  # a resolver's GraphQLError keeps its extensions


async def test_an_error_reaching_the_root_nulls_the_data() -> None:
    data, errors = await same_answer(ERROR_TO_ROOT)
    assert data is None
    assert errors[0][:2] == ("the chain broke", ["chain", "next", "end"])


async def test_a_value_that_does_not_serialize_is_a_field_error() -> None:
    data, errors = await same_answer(ERROR_IN_SERIALIZATION)
    assert data is None
    assert errors[0][0] == "Int cannot represent non 32-bit signed integer value: 1099511627776"


async def test_interfaces_unions_and_fragments_on_them_answer_alike() -> None:
    data, errors = await same_answer(ABSTRACT)
    assert data["entities"][1] == {"__typename": "Robot", "model": "astromech", "name": "r2"}
    assert data["named"] is None and data["people"][1] is None
    assert sorted(e[1] for e in errors) == [
        ["named", "checkedAge"],
        ["people", 0, "bestFriend", "checkedAge"],
        ["people", 1, "checkedAge"],
    ]


@pytest.mark.parametrize(
    "variables",
    [
        {"skip": False, "include": True},
        {"skip": True, "include": True},
        {"skip": False, "include": False},
        {"skip": True, "include": False},
    ],
)
async def test_skip_and_include_follow_each_request_s_variables(variables: dict[str, bool]) -> None:
    data, _ = await same_answer(DIRECTIVES, variables)
    item = data["items"][0]
    assert ("id" in item) is not variables["skip"]
    assert ("count" in item) is variables["include"]
    assert ("label" in item) is (variables["include"] and not variables["skip"])
    assert "tags" not in item and "color" in item


async def test_the_introspection_query_answers_alike() -> None:
    data, errors = await same_answer(get_introspection_query(descriptions=True))
    assert errors == [] and data["__schema"]["queryType"]["name"] == "Query"
    await same_answer(get_introspection_query(), schema=core_schema(), root=core_root())
    await same_answer('{ __type(name: "Item") { name fields { name } } }')


async def test_mutation_fields_run_one_after_the_other() -> None:
    query = """mutation {
      first: append(value: "a", delay: 0.02)
      second: append(value: "b")
      third: appendNow(value: "c")
      refuse
      fourth: appendNow(value: "d")
    }"""
    data, errors = await same_answer(query)
    assert data is None  # refuse is non-null
    assert errors[0][:2] == ("refused", ["refuse"])
    assert LOG == ["a", "b", "c"]  # serial, and nothing runs after the failed field
    data, _ = await same_answer('mutation { x: appendNow(value: "x") y: append(value: "y") }')
    assert data == {"x": ["x"], "y": ["x", "y"]}


async def test_graphql_core_schemas_with_dict_sources_and_is_type_of_answer_alike() -> None:
    data, errors = await same_answer(CORE, schema=core_schema(), root=core_root())
    assert data["pets"][2] is None and data["greeting"] == "hello you"
    assert data["later"]["pets"][0] == {"__typename": "Dog", "name": "mute"}
    assert [e[1] for e in errors] == [["pets", 3, "barks"]]
    assert [o["tagged"] for o in data["owners"]] == [["new", "seen"], ["new", "seen"]]


async def test_a_synchronous_operation_gives_a_result_not_an_awaitable() -> None:
    document = parse("{ items(first: 1) { id children { id } } }")
    result = execute_planned(SCHEMA, document)
    assert isinstance(result, ExecutionResult)
    assert result.data == {"items": [{"id": "i0", "children": [{"id": "i0.0"}, {"id": "i0.1"}]}]}


async def test_operations_with_middleware_take_graphql_core_s_path_and_answer_alike() -> None:
    calls: list[str] = []

    def spy(next_: Any, root: Any, info: Any, **args: Any) -> Any:
        calls.append(info.field_name)
        return next_(root, info, **args)

    document = parse("{ items(first: 1) { id label } }")
    result = execute_planned(SCHEMA, document, middleware=MiddlewareManager(spy))
    assert isinstance(result, ExecutionResult)
    assert result.data == {"items": [{"id": "i0", "label": "i0"}]}
    assert calls == ["items", "id", "label"]


async def test_strawberry_runs_every_operation_through_the_plan_executor() -> None:
    planned = strawberry_schema(execution_context_class=PlanExecutor)
    for query, variables in (
        (ERRORS, None),
        (ABSTRACT, None),
        (EVERY_KIND_OF_FIELD, {"upper": False}),
    ):
        expected = await STRAWBERRY_SCHEMA.execute(query, variables)
        got = await planned.execute(query, variables)
        assert outcome(got) == outcome(expected)  # type: ignore[arg-type]
