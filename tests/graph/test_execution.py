"""The lean execution of plain leaf fields answers exactly what graphql-core's execution does."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from comptoir.graph.execution import LeanExecutionContext


@strawberry.enum
class Kind(enum.Enum):
    """A kind."""

    STORE = "store"
    WAREHOUSE = "warehouse"


@strawberry.type
class Thing:
    """Plain attributes, a resolver, and an argument."""

    id: strawberry.ID
    size: str | None
    kind: Kind
    count: int

    @strawberry.field
    def label(self, upper: bool = False) -> str:
        return str(self.id).upper() if upper else str(self.id)


@strawberry.type
class Query:
    """Things, one of them broken (a null where the schema promises a value)."""

    @strawberry.field
    def things(self) -> list[Thing]:
        return [
            Thing(id=strawberry.ID("a"), size="M", kind=Kind.STORE, count=3),
            Thing(id=strawberry.ID("b"), size=None, kind=Kind.WAREHOUSE, count=0),
        ]

    @strawberry.field
    def broken(self) -> Thing | None:
        return Thing(id=strawberry.ID("c"), size="L", kind=Kind.STORE, count="x")  # type: ignore[arg-type]

    @strawberry.field
    def missing(self) -> Thing | None:
        return Thing(id=None, size="L", kind=Kind.STORE, count=1)  # type: ignore[arg-type]


QUERY = """
{ things { id size kind count label loud: label(upper: true) __typename }
  broken { id count } missing { id size } }
"""


def _run(lean: bool) -> Any:
    schema = strawberry.Schema(
        query=Query, execution_context_class=LeanExecutionContext if lean else None
    )
    result = schema.execute_sync(QUERY)
    errors = sorted((e.message, tuple(e.path or ())) for e in result.errors or ())
    return result.data, errors


def test_lean_execution_gives_the_same_data_and_errors_as_the_normal_path() -> None:
    lean, normal = _run(lean=True), _run(lean=False)
    assert lean == normal
    data, errors = lean
    assert data["things"][0] == {
        "id": "a",
        "size": "M",
        "kind": "STORE",
        "count": 3,
        "label": "a",
        "loud": "A",
        "__typename": "Thing",
    }
    assert data["things"][1]["size"] is None
    assert data["broken"] is None and data["missing"] is None
    assert {path for _, path in errors} == {("broken", "count"), ("missing", "id")}
