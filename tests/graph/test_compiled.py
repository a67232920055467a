"""Compiled plans: the category page's selections run unrolled, and a context call skips the info.

That a compiled plan answers what graphql-core answers, errors and all, is
``tests/graph/test_executor.py``'s business (every planned operation runs
compiled). Here: the category page's plans are compiled to the fast forms
(attributes read by name, resolvers called inline) — so that an upgrade that
changes what the executor recognises fails here rather than quietly slowing
every page — and a resolver's context call is taken, or given up, as it says.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
import strawberry
from comptoir.graph import compiled
from comptoir.graph.compiled import source_of
from comptoir.graph.executor import PlanExecutor, execute_planned
from comptoir.graph.field_access import CONTEXT_CALL, NEEDS_INFO
from comptoir.graph.plan import FieldPlan, SelectionPlan, planner_for
from comptoir.graph.schema import build_schema
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLObjectType,
    execute,
    get_named_type,
    parse,
)

from tests.graph.queries import PLP_QUERY


def _plans(query: str, variables: dict[str, Any]) -> dict[str, SelectionPlan]:
    """Every object selection of ``query`` on comptoir's schema, by response path."""
    schema = build_schema()._schema
    executor = PlanExecutor.build(schema, parse(query), raw_variable_values=variables)
    assert isinstance(executor, PlanExecutor) and executor.planned()
    planner = planner_for(schema)
    found = {"": planner.operation_plan(executor).root}
    pending = [("", found[""])]
    while pending:
        path, plan = pending.pop()
        for field in plan.fields:
            named = get_named_type(field.field.type)
            if isinstance(named, GraphQLObjectType):
                child = planner.child_plan(field, named, executor)
                key = f"{path}.{field.key}".lstrip(".")
                found[key] = child
                pending.append((key, child))
    return found


def test_the_category_page_compiles_to_reads_by_name_and_inline_calls() -> None:
    plans = _plans(PLP_QUERY, {"first": 24})
    node = plans["productSearch.edges.node"]
    variant = plans["productSearch.edges.node.variants"]
    media = plans["productSearch.edges.node.media"]

    node_source, _ = source_of(node)
    # Every resolver of the product is called inline: none goes through _resolve.
    assert "ex._resolve(" not in node_source
    assert "source.id" in node_source and "source.brand" in node_source
    # The catalog fields (media, variants, prices, availability) answer on the context alone.
    assert node_source.count("(source, context)") == 4

    variant_source, _ = source_of(variant)
    assert "ex._resolve(" not in variant_source
    assert "source.sku" in variant_source and "source.size" in variant_source
    assert variant_source.count("(source, context)") == 3  # media, price, availability

    media_source, _ = source_of(media)
    assert "source.url" in media_source and "source.kind" in media_source
    # The loop's way, for a value that is not its own serialization (the kind, an enum).
    assert "ex._plain_value(" in media_source


CALLS: list[tuple[str, int]] = []
"""How each ``halved`` was answered: on the context alone, or by the resolver with its info."""


def _half_in_context(root: Number, context: dict[str, int]) -> int | object:
    if root.n % 2:
        return NEEDS_INFO
    CALLS.append(("context", root.n))
    return root.n // 2 + context["offset"]


def _half(root: Number, info: strawberry.Info) -> int:
    CALLS.append(("info", root.n))
    return root.n // 2 + cast("dict[str, int]", info.context)["offset"]


setattr(_half, CONTEXT_CALL, _half_in_context)


@strawberry.type(description="A number.")
class Number:
    """A number whose ``halved`` offers a context call for even numbers."""

    n: int = strawberry.field(description="The number.")
    halved: int = strawberry.field(resolver=_half, description="Half of it, plus an offset.")


@strawberry.type(description="The root.")
class NumbersQuery:
    """Four numbers."""

    @strawberry.field(description="Some numbers.")
    def numbers(self) -> list[Number]:
        return [Number(n=n) for n in range(4)]


NUMBERS = strawberry.Schema(query=NumbersQuery)


def _answers(planned: bool, runs: int = 1) -> tuple[Any, list[tuple[str, int]]]:
    """The last of ``runs`` answers of one document, and every call.

    One document, as comptoir's document cache keeps it: its plans are
    compiled at its second run (:func:`_compiled` says whether they were).
    """
    CALLS.clear()
    document = parse("{ numbers { n halved } }")
    context = {"offset": 10}
    for _ in range(runs):
        if planned:
            result = execute_planned(NUMBERS._schema, document, context_value=context)
        else:
            result = execute(NUMBERS._schema, document, context_value=context)
        assert isinstance(result, ExecutionResult) and result.errors is None
    LAST.clear()
    LAST.append(document)
    return result.data, list(CALLS)


LAST: list[DocumentNode] = []
"""The document :func:`_answers` ran last."""


def _compiled() -> bool:
    """Whether every selection of the last document's plan was compiled."""
    executor = PlanExecutor.build(NUMBERS._schema, LAST[0])
    assert isinstance(executor, PlanExecutor)
    root = planner_for(NUMBERS._schema).operation_plan(executor).root
    numbers = root.fields[0].children
    return root.run is not None and all(p.run is not None for p in numbers.values())


def test_a_context_call_is_taken_when_it_answers_and_the_resolver_called_when_it_cannot() -> None:
    expected, through_core = _answers(False)
    assert expected == {"numbers": [{"n": n, "halved": n // 2 + 10} for n in range(4)]}
    assert through_core == [("info", n) for n in range(4)]  # strawberry knows nothing of it
    once = [("context", 0), ("info", 1), ("context", 2), ("info", 3)]
    got, looped = _answers(True)  # the first run loops over the plan
    assert got == expected and looped == once and not _compiled()
    got, twice = _answers(True, runs=2)  # the second runs it compiled
    assert got == expected and twice == once * 2 and _compiled()


def test_a_field_with_arguments_is_left_to_the_executor() -> None:
    plans = _plans('query { product(id: "p1") { id name(locale: "fr") variants { sku } } }', {})
    product = plans["product"]
    text, names = source_of(product)
    name = next(f for f in product.fields if f.key == "name")
    assert isinstance(name, FieldPlan) and name.args  # a literal argument
    index = product.fields.index(name)
    assert f"ex._resolve(F{index}, source, path)" in text and names[f"F{index}"] is name


def test_a_plan_that_cannot_be_compiled_is_looped_over(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected, _ = _answers(False)

    def broken(plan: SelectionPlan) -> tuple[str, dict[str, Any]]:
        return "def run(:\n", {}

    monkeypatch.setattr(compiled, "source_of", broken)
    got, calls = _answers(True, runs=3)  # compiled at the second run: it fails, and is logged
    assert got == expected and not _compiled()
    assert calls == [("context", 0), ("info", 1), ("context", 2), ("info", 3)] * 3
    assert "could not be compiled" in caplog.text
    assert all(compiled.compile_plan(p) is None for p in _plans(PLP_QUERY, {"first": 1}).values())
