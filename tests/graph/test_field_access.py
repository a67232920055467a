"""The fast paths stay taken: plain attributes are read, argument-free resolvers called directly.

The executor recognises strawberry's resolvers by internals (their names, the
field definition, the resolver's parameters, the ``Info`` class). A strawberry
or graphql-core upgrade that changes them fails here instead of quietly putting
every field back on the slow path.
"""

from __future__ import annotations

import functools
from typing import Any, cast

import strawberry
from comptoir.graph.executor import PlanExecutor, execute_planned
from comptoir.graph.field_access import (
    BASIC_RESOLVER,
    WRAPPED_RESOLVERS,
    FieldAccess,
    definition_of,
    plain_attribute,
)
from comptoir.graph.plan import PLAIN, RESOLVE, FieldPlan, Planner, SelectionPlan, planner_for
from comptoir.graph.schema import build_schema
from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema, get_named_type, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.info import Info

from tests.graph.executor_schemas import strawberry_schema
from tests.graph.queries import PLP_QUERY


def _plan(schema: GraphQLSchema, query: str, variables: dict[str, Any]) -> tuple[Any, Any, Planner]:
    executor = PlanExecutor.build(schema, parse(query), raw_variable_values=variables)
    assert isinstance(executor, PlanExecutor) and executor.planned()
    planner = planner_for(schema)
    return executor, planner.operation_plan(executor).root, planner


def _below(planner: Planner, executor: Any, selection: SelectionPlan, path: str) -> FieldPlan:
    """The field plan at a dotted path of response keys."""
    *parents, last = path.split(".")
    for key in parents:
        field = next(f for f in selection.fields if f.key == key)
        object_type = cast("GraphQLObjectType", get_named_type(field.field.type))
        selection = planner.child_plan(field, object_type, executor)
    return next(f for f in selection.fields if f.key == last)


def test_the_category_page_s_plain_fields_are_read_as_attributes() -> None:
    schema = build_schema()._schema
    executor, root, planner = _plan(schema, PLP_QUERY, {"first": 24})

    def at(path: str) -> FieldPlan:
        return _below(planner, executor, root, path)

    node = "productSearch.edges.node"
    for path, fast in [
        (f"{node}.id", str),
        (f"{node}.brand", str),
        (f"{node}.variants.sku", str),
        (f"{node}.variants.size", str),
        (f"{node}.variants.price.amount.amount", None),  # a Decimal, serialized by the scalar
        (f"{node}.variants.price.amount.currencyCode", str),
        (f"{node}.variants.price.priceList", str),
        (f"{node}.variants.availability.inStock", bool),
        (f"{node}.variants.availability.quantity", int),
        (f"{node}.priceRange.min.amount", None),
        (f"{node}.media.kind", None),  # an enum
        ("productSearch.edges.cursor", str),
        ("productSearch.pageInfo.hasNextPage", bool),
    ]:
        field = at(path)
        assert field.mode == PLAIN, path
        assert field.fast is fast, path
    for path in ("productSearch.edges", f"{node}.variants.price.amount"):
        assert at(path).mode == PLAIN, path  # objects and lists of them too
    for path in ("name", "variants", "priceRange", "availableForSale", "media"):
        field = at(f"{node}.{path}")
        assert field.mode == RESOLVE and field.direct is not None, path
    assert at(f"{node}.variants.color").direct is not None


def _spy(field: GraphQLField, calls: list[str]) -> None:
    """Count the calls of a field's resolver; the spy keeps the resolver's name."""
    resolve = field.resolve
    assert resolve is not None

    @functools.wraps(resolve)
    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(resolve.__name__)
        return resolve(*args, **kwargs)

    field.resolve = spy


def test_plain_fields_and_argument_free_resolvers_skip_strawberry_s_resolvers() -> None:
    schema = strawberry_schema()._schema
    item = cast("GraphQLObjectType", schema.type_map["Item"]).fields
    calls: list[str] = []
    for name in ("id", "children", "label"):
        _spy(item[name], calls)
    document = parse("{ items(first: 2) { id children { id } } }")

    result = execute_planned(schema, document)
    assert result.data == {  # type: ignore[union-attr]
        "items": [
            {"id": f"i{n}", "children": [{"id": f"i{n}.0"}, {"id": f"i{n}.1"}]} for n in (0, 1)
        ]
    }
    assert calls == []

    result = execute_planned(schema, parse("{ items(first: 2) { label } }"))
    assert result.data == {"items": [{"label": "i0"}, {"label": "i1"}]}  # type: ignore[union-attr]
    assert calls == ["_resolver"] * 2  # with an argument (here a default), strawberry converts it

    calls.clear()
    StrawberryGraphQLCoreExecutionContext.build(schema, document).execute_operation()  # type: ignore[union-attr]
    assert calls.count("_get_basic_result") == 6 and calls.count("_resolver") == 2  # seen by spies


def test_strawberry_s_resolver_shapes_are_the_ones_the_executor_recognises() -> None:
    schema = strawberry_schema()
    core = schema._schema
    assert core._strawberry_schema is schema  # type: ignore[attr-defined]
    item = cast("GraphQLObjectType", core.type_map["Item"]).fields

    basic, resolved, later = item["id"], item["label"], item["slowLabel"]
    assert getattr(basic.resolve, "__name__", None) == BASIC_RESOLVER
    assert {resolved.resolve.__name__, later.resolve.__name__} == WRAPPED_RESOLVERS

    definition = definition_of(basic)
    assert definition is not None and definition.python_name == "id"
    assert definition.default_resolver is getattr and definition.base_resolver is None
    assert plain_attribute(basic) is not None and plain_attribute(resolved) is None

    access = FieldAccess(core)
    assert access.make_info is Info  # called positionally, as strawberry calls it by keyword
    assert not access.handles_exceptions
    direct = access.direct_call(resolved)
    assert direct is not None and direct.definition is definition_of(resolved)
    assert access.direct_call(basic) is None


def test_a_resolver_s_info_is_the_one_strawberry_builds() -> None:
    seen: list[Info] = []

    @strawberry.type
    class Query:
        @strawberry.field
        def here(self, info: Info) -> int:
            seen.append(info)
            return len(seen)

    schema = strawberry.Schema(query=Query)
    infos = []
    for executor_class in (StrawberryGraphQLCoreExecutionContext, PlanExecutor):
        seen.clear()
        schema.execution_context_class = executor_class
        query = "query Q($v: Boolean!) { a: here b: here @include(if: $v) }"
        result = schema.execute_sync(query, {"v": True}, "context")
        assert result.errors is None
        infos.append(
            [(type(i), type(i._raw_info), i._field, _comparable(i._raw_info)) for i in seen]
        )
    assert infos[0] == infos[1]


def _comparable(raw: Any) -> tuple[Any, ...]:
    # Bound methods of each execution's own helpers differ; everything else is equal.
    return tuple(v for name, v in zip(raw._fields, raw, strict=True) if name != "async_helpers")


def _received(source: Any, info: Any) -> str:
    return f"{source.name}@{info.path.key}:{type(info).__name__}"


def _by_root(root: Pet, info: Info) -> str:
    return _received(root, info)


def _info_first(info: Info, root: Pet) -> str:
    return _received(root, info)


def _by_parent(pet: strawberry.Parent[Pet], info: Info) -> str:
    return _received(pet, info)


def _keyword_info(root: Pet, *, info: Info) -> str:
    return _received(root, info)


def _no_info(root: Pet) -> str:
    return f"{root.name}@-"


@strawberry.type
class Pet:
    """Resolvers asking for the source and the info in every way strawberry allows."""

    name: str
    by_root: str = strawberry.field(resolver=_by_root)
    info_first: str = strawberry.field(resolver=_info_first)
    by_parent: str = strawberry.field(resolver=_by_parent)
    keyword_info: str = strawberry.field(resolver=_keyword_info)
    no_info: str = strawberry.field(resolver=_no_info)

    @strawberry.field
    def by_self(self, info: Info) -> str:
        return _received(self, info)

    @strawberry.field
    def self_only(self) -> str:
        return f"{self.name}@self"

    @strawberry.field
    def renamed_info(self, context_info: Info) -> str:
        return _received(self, context_info)


@strawberry.type
class PetQuery:
    """Two pets."""

    @strawberry.field
    def pets(self) -> list[Pet]:
        return [Pet(name="tom"), Pet(name="rex")]


def test_resolvers_get_the_source_and_info_as_strawberry_passes_them() -> None:
    schema = strawberry.Schema(query=PetQuery)
    fields = cast("GraphQLObjectType", schema._schema.type_map["Pet"]).fields
    access = FieldAccess(schema._schema)
    names = [n for n in fields if n != "name"]
    assert all(access.direct_call(fields[n]) is not None for n in names)
    query = "{ pets { " + " ".join(names) + " } }"
    expected = schema.execute_sync(query)
    schema.execution_context_class = PlanExecutor
    got = schema.execute_sync(query)
    assert got.errors is None and got.data == expected.data
    assert got.data["pets"][1]["byRoot"] == "rex@byRoot:Info"  # type: ignore[index]
