"""Plans are made once per operation and @skip/@include values, and live as long as the document."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Awaitable
from typing import Any

from comptoir.graph.executor import PlanExecutor, execute_planned
from comptoir.graph.plan import (
    CONSTANT,
    NO_ARGUMENTS,
    PER_CALL,
    PER_REQUEST,
    VARIANTS_PER_OPERATION,
    OperationPlan,
    planner_for,
)
from comptoir.sources.upstream import AiohttpUpstream
from graphql import DocumentNode, parse

from tests.graph.executor_schemas import strawberry_schema

SCHEMA = strawberry_schema()._schema


def plan_of(document: DocumentNode, variables: dict[str, Any] | None = None) -> OperationPlan:
    executor = PlanExecutor.build(SCHEMA, document, raw_variable_values=variables)
    assert isinstance(executor, PlanExecutor)
    return planner_for(SCHEMA).operation_plan(executor)


def test_an_operation_is_planned_once_whatever_its_other_variables() -> None:
    document = parse(
        "query Q($first: Int, $upper: Boolean!) { items(first: $first) { label(upper: $upper) } }"
    )
    plan = plan_of(document, {"first": 1, "upper": True})
    assert plan_of(document, {"first": 3, "upper": False}) is plan


def test_skip_and_include_values_each_get_their_plan() -> None:
    document = parse(
        "query Q($a: Boolean!, $b: Boolean!, $n: Int) {"
        " items(first: $n) { id @skip(if: $a) ...F @include(if: $b) } }"
        " fragment F on Item { count }"
    )
    pairs = [(a, b) for a in (False, True) for b in (False, True)]
    plans = {(a, b): plan_of(document, {"a": a, "b": b, "n": 1}) for a, b in pairs}
    assert len({id(p) for p in plans.values()}) == 4
    assert plan_of(document, {"a": True, "b": False, "n": 2}) is plans[(True, False)]


def test_the_plans_of_one_operation_are_bounded() -> None:
    names = [f"v{n}" for n in range(5)]
    document = parse(
        "query Q("
        + ", ".join(f"${n}: Boolean!" for n in names)
        + ") { items { "
        + " ".join(f"{n}: id @include(if: ${n})" for n in names)
        + " } }"
    )
    first = plan_of(document, dict.fromkeys(names, False))
    for mask in range(1, 2 ** len(names)):
        plan_of(document, {n: bool(mask >> i & 1) for i, n in enumerate(names)})
    assert (
        plan_of(document, dict.fromkeys(names, False)) is not first
    )  # evicted, then planned again
    variants = planner_for(SCHEMA)._operations[id(document.definitions[0])]
    assert len(variants.plans) <= VARIANTS_PER_OPERATION


def test_plans_go_with_their_document() -> None:
    document = parse("{ items { id } }")
    plan = weakref.ref(plan_of(document))
    assert plan() is not None
    del document
    gc.collect()
    assert plan() is None


def test_documents_of_the_same_operation_text_with_other_fragments_get_their_own_plans() -> None:
    # AST nodes compare equal by value: the operations below are equal, their fragments are not.
    first = parse("{ items(first: 1) { ...F } } fragment F on Item { id }")
    second = parse("{ items(first: 1) { ...F } } fragment F on Item { count }")
    assert first.definitions[0] == second.definitions[0]
    assert execute_planned(SCHEMA, first).data == {"items": [{"id": "i0"}]}  # type: ignore[union-attr]
    assert execute_planned(SCHEMA, second).data == {"items": [{"count": 0}]}  # type: ignore[union-attr]


def test_a_schema_s_plans_go_with_the_schema() -> None:
    schema = strawberry_schema()._schema
    plan_of_schema = weakref.ref(planner_for(schema))
    assert execute_planned(schema, parse("{ items { id } }")).data is not None  # type: ignore[union-attr]
    del schema
    gc.collect()
    assert plan_of_schema() is None


def test_argument_values_are_computed_once_where_graphql_core_would_share_them() -> None:
    document = parse(
        "query Q($first: Int, $colors: [Color!]) {"
        " a: items { id }"
        " b: items(first: 2) { label(upper: true) }"
        " c: items(first: $first) { id }"
        " d: items(filter: {colors: $colors}) { id }"
        " e: echoOdd(value: 3)"
        " }"
    )
    fields = {f.key: f for f in plan_of(document, {"first": 1}).root.fields}
    assert fields["a"].args_mode == CONSTANT  # the defaults
    assert fields["a"].args == {"filter": None, "first": 3}
    assert fields["b"].args_mode == CONSTANT and fields["b"].args["first"] == 2
    assert fields["c"].args_mode == PER_REQUEST  # the variable's value, each request
    assert fields["d"].args_mode == PER_CALL  # a literal input object: a fresh one each call
    assert fields["e"].args_mode == PER_CALL  # a custom scalar parses its literal each call
    assert plan_of(parse("{ people { name } }")).root.fields[0].args_mode == NO_ARGUMENTS


async def test_sub_selections_are_planned_while_the_operation_waits_for_its_sources() -> None:
    document = parse('{ itemFromSource(id: "i1") { id label } }')
    answered = asyncio.Event()
    result = execute_planned(SCHEMA, document, context_value={"source_answered": answered})
    assert isinstance(result, Awaitable)
    running = asyncio.ensure_future(result)
    await asyncio.sleep(0.05)  # the source has not answered yet
    plan = plan_of(document)
    assert plan.ahead
    (field,) = plan.root.fields
    (child,) = field.children.values()  # planned before the answer, not after it
    assert [f.key for f in child.fields] == ["id", "label"]
    assert child.run is None  # no request to a source out: nothing compiled meanwhile
    answered.set()
    done = await running
    assert done.errors is None
    assert done.data == {"itemFromSource": {"id": "i1", "label": "i1"}}


async def _held_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A source that answers once :data:`RELEASE` is set."""
    await reader.readuntil(b"\r\n\r\n")
    await RELEASE.wait()
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    await writer.drain()
    writer.close()


RELEASE = asyncio.Event()


async def test_sub_selections_are_compiled_while_requests_to_sources_are_unanswered() -> None:
    RELEASE.clear()
    server = await asyncio.start_server(_held_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    upstream = AiohttpUpstream(
        f"http://127.0.0.1:{port}", token=None, timeout_s=5.0, max_connections=2
    )
    try:
        out = asyncio.ensure_future(upstream.request("GET", "/slow"))
        await asyncio.sleep(0.02)  # the request is out, its answer held
        document = parse('{ itemFromSource(id: "i2") { id label } }')
        answered = asyncio.Event()
        result = execute_planned(SCHEMA, document, context_value={"source_answered": answered})
        assert isinstance(result, Awaitable)
        running = asyncio.ensure_future(result)
        await asyncio.sleep(0.05)
        plan = plan_of(document)
        (child,) = plan.root.fields[0].children.values()
        assert plan.root.run is not None and child.run is not None  # compiled while waiting
        RELEASE.set()
        assert (await out).status_code == 200
        answered.set()
        done = await running
        assert done.errors is None
        assert done.data == {"itemFromSource": {"id": "i2", "label": "i2"}}
    finally:
        await upstream.aclose()
        server.close()
        await server.wait_closed()
