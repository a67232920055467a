"""A query seen for the first time starts before it is validated; only its answer waits for that.

Its first requests go to the sources while the document is validated. An
invalid document still gets its validation errors and nothing else; what
may start early is bounded: public queries of a few root fields.
"""

from __future__ import annotations

import asyncio

import httpx
from comptoir.graph.answers import PRIVATE_ROOTS
from comptoir.graph.documents import EARLY_ROOT_FIELDS, DocumentCache, ParsedDocument
from comptoir.graph.schema import build_schema

from tests.conftest import WEB_KEY
from tests.graph.queries import PLP_QUERY
from tests.support.rounds import RoundGate

INVALID_LISTING = "{ productSearch(first: 2) { edges { node { id noSuchField } } } }"


async def post(client: httpx.AsyncClient, document: str, **variables: object) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"X-Channel-Key": WEB_KEY},
    )


async def settled(gate: RoundGate) -> list[str]:
    """Every request the gate let through, once the early execution's requests are answered."""
    for _ in range(200):
        await asyncio.sleep(0.01)
        if gate.rounds:
            break
    await asyncio.sleep(0.05)
    return sorted(path for round_ in gate.rounds for path in round_)


async def test_a_new_invalid_query_reads_its_first_round_only_and_answers_its_errors(
    gated: tuple[RoundGate, httpx.AsyncClient],
) -> None:
    gate, client = gated
    response = await post(client, INVALID_LISTING)
    body = response.json()
    assert response.status_code == 200
    assert body["data"] is None
    assert ["noSuchField" in e["message"] for e in body["errors"]] == [True]
    # Started before validation: the listing went out, nothing that needs its answer did.
    assert "/pim/products" in await settled(gate)
    assert not {"/pim/variants", "/erp/prices", "/erp/stock", "/dam/assets"} & set(
        await settled(gate)
    )
    gate.reset()
    again = await post(client, INVALID_LISTING)  # known now to be invalid: nothing starts
    assert again.json() == body
    await asyncio.sleep(0.1)
    assert gate.rounds == []


async def test_a_new_valid_query_started_early_answers_as_it_would_have(
    gated: tuple[RoundGate, httpx.AsyncClient],
) -> None:
    _, client = gated
    first = (await post(client, PLP_QUERY, first=5)).json()
    assert "errors" not in first and len(first["data"]["productSearch"]["edges"]) == 5
    # A second document of the same selection, not yet seen, on a warm cache.
    second = (await post(client, PLP_QUERY + "\n", first=5)).json()
    assert second["data"] == first["data"]
    assert "errors" not in second


def early(document: str, name: str | None = None) -> bool:
    documents = DocumentCache(
        build_schema()._schema, max_tokens=10_000, private_roots=PRIVATE_ROOTS
    )
    parsed = documents.parse(document)
    assert isinstance(parsed, ParsedDocument)
    return documents.early(parsed, name)


def test_only_public_queries_of_a_few_root_fields_start_before_validation() -> None:
    assert early(INVALID_LISTING)
    assert early("query A { shop { name } } mutation B { x }", "A")
    assert not early("query A { shop { name } } mutation B { x }", "B")
    assert not early("query A { shop { name } } query B { shop { name } }")  # which one?
    assert not early("mutation { placeOrder { id } }")
    assert not early("{ me { email } }")
    assert not early("{ shop { name } ...Private } fragment Private on Query { cart { id } }")
    many = " ".join(
        f"a{i}: productSearch(first: 1) {{ pageInfo {{ hasNextPage }} }}"
        for i in range(EARLY_ROOT_FIELDS + 1)
    )
    assert not early("{ " + many + " }")
    few = " ".join(
        f"a{i}: productSearch(first: 1) {{ pageInfo {{ hasNextPage }} }}"
        for i in range(EARLY_ROOT_FIELDS)
    )
    assert early("{ " + few + " }")
