"""Upstream rounds: a page asks its sources for everything it shows in as few rounds as it can.

A round is what comptoir asks its sources before it needs any answer
(``tests/support/rounds.py`` lets requests through round by round). A
field that loads its data on its own, instead of declaring what it reads,
adds a round here and fails these tests.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
from comptoir.sources.reference import cases

from tests.conftest import WEB_KEY
from tests.graph.queries import PDP_QUERY, PLP_QUERY, VARIANT_QUERY
from tests.support.rounds import RoundGate

GraphQL = Any


async def query(client: httpx.AsyncClient, document: str, **variables: object) -> GraphQL:
    """The data of a query that must succeed."""
    response = await client.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={"X-Channel-Key": WEB_KEY},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


async def test_a_cold_category_page_takes_two_rounds_and_a_warm_one_none(
    gated: tuple[RoundGate, httpx.AsyncClient],
) -> None:
    gate, client = gated
    page = await query(client, PLP_QUERY, first=24)
    assert len(page["productSearch"]["edges"]) == 24
    assert [sorted(set(r)) for r in gate.rounds] == [
        # A plain listing is the PIM's list (v1's order), with what depends on no product;
        ["/erp/locations", "/pim/products"],
        # then everything the page shows of the listed products, at once.
        ["/dam/assets", "/erp/prices", "/erp/stock", "/pim/variants"],
    ]
    # The listing, which the second round waits for, is asked for first.
    assert gate.asked[0][0] == "/pim/products"
    skus = {v["sku"] for e in page["productSearch"]["edges"] for v in e["node"]["variants"]}
    assert gate.rounds[1].count("/erp/prices") == math.ceil(len(skus) / 100)  # 100 ids a request
    gate.reset()
    assert await query(client, PLP_QUERY, first=24) == page
    assert gate.rounds == []


async def test_a_cold_product_page_takes_two_rounds(
    gated: tuple[RoundGate, httpx.AsyncClient],
) -> None:
    gate, client = gated
    found = await query(client, PDP_QUERY, id=cases.PRODUCT_FULL)
    assert found["product"]["categories"] and found["product"]["variants"]
    assert gate.rounds == [
        ["/erp/locations", "/pim/categories", "/pim/products"],
        ["/dam/assets", "/erp/prices", "/erp/stock", "/pim/variants"],
    ]
    assert gate.asked[0][0] == "/pim/products"  # the product, which the next round waits for


async def test_a_variant_page_takes_three_rounds_variant_product_then_the_rest(
    gated: tuple[RoundGate, httpx.AsyncClient],
) -> None:
    gate, client = gated
    found = await query(
        client, VARIANT_QUERY, sku=cases.SKU_FULL, lat=48.8719, lon=2.3316, radius=50.0
    )
    assert found["variant"]["availability"] is not None
    assert gate.rounds == [
        ["/pim/variants"],
        ["/pim/products"],
        ["/erp/locations", "/erp/prices", "/erp/stock"],
    ]
