"""A faceted category page keeps the two-round cold floor and one batched read per collection."""

from __future__ import annotations

import math
from typing import Any

import httpx

from tests.conftest import WEB_KEY, Comptoir, ReferenceSources
from tests.search.queries import FACETED_PAGE_QUERY
from tests.support.rounds import RoundGate

# The small demo data's categories hold fewer than 24 products: the page lists the whole catalogue.
PAGE = {
    "filters": {"inStock": True},
    "sort": "PRICE_ASC",
    "first": 24,
}


def _skus(page: dict[str, Any]) -> set[str]:
    return {v["sku"] for e in page["edges"] for v in e["node"]["variants"]}


async def test_a_cold_faceted_category_page_takes_two_rounds_and_a_warm_one_none(
    gated: tuple[RoundGate, httpx.AsyncClient],
) -> None:
    gate, client = gated
    response = await client.post(
        "/graphql",
        json={"query": FACETED_PAGE_QUERY, "variables": PAGE},
        headers={"X-Channel-Key": WEB_KEY},
    )
    body = response.json()
    assert "errors" not in body, body
    page = body["data"]["productSearch"]
    assert len(page["edges"]) == 24 and len(page["facets"]) == 5
    assert [sorted(set(r)) for r in gate.rounds] == [
        ["/erp/locations", "/search/products"],  # the search, and what depends on no product
        ["/dam/assets", "/erp/prices", "/erp/stock", "/pim/products", "/pim/variants"],
    ]
    batches = math.ceil(len(_skus(page)) / 100)
    second = gate.rounds[1]
    assert (second.count("/search/products"), second.count("/pim/products")) == (0, 1)
    assert second.count("/dam/assets") == 1
    for per_sku in ("/pim/variants", "/erp/prices", "/erp/stock"):
        assert second.count(per_sku) == batches, (per_sku, second)
    gate.reset()
    again = await client.post(
        "/graphql",
        json={"query": FACETED_PAGE_QUERY, "variables": PAGE},
        headers={"X-Channel-Key": WEB_KEY},
    )
    assert again.json()["data"]["productSearch"] == page
    assert gate.rounds == []


def test_a_faceted_page_of_24_reads_each_collection_in_one_batch(
    start_comptoir: Any, reference: ReferenceSources
) -> None:
    comptoir: Comptoir = start_comptoir(response_cache=False)
    reference.counter.reset()
    body = comptoir.query(FACETED_PAGE_QUERY, PAGE)
    assert "errors" not in body, body
    page = body["data"]["productSearch"]
    assert len(page["edges"]) == 24
    batches = math.ceil(len(_skus(page)) / 100)
    counts = reference.counter.snapshot()
    assert counts[("search", "/products")] == 1
    assert counts[("pim", "/products")] == 1
    assert counts[("dam", "/assets")] == 1
    assert counts[("erp", "/locations")] == 1
    for collection in (("pim", "/variants"), ("erp", "/prices"), ("erp", "/stock")):
        assert counts[collection] == batches, (collection, counts)
    assert ("pim", "/categories") not in counts  # nothing on the page reads the tree
