"""Batching: a category page costs one request per 100 ids and collection, and nothing when warm."""

from __future__ import annotations

import math

from tests.conftest import Comptoir, ReferenceSources
from tests.graph.queries import PLP_QUERY


def _distinct_skus(body: dict) -> set[str]:
    return {v["sku"] for e in body["data"]["productSearch"]["edges"] for v in e["node"]["variants"]}


def test_category_page_batches_every_collection(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    reference.counter.reset()
    body = comptoir.query(PLP_QUERY, {"first": 24})
    assert "errors" not in body, body
    edges = body["data"]["productSearch"]["edges"]
    assert len(edges) == 24
    per_batch = math.ceil(len(_distinct_skus(body)) / 100)
    counts = reference.counter.snapshot()
    assert counts.get(("pim", "/products"), 0) == 1, (
        counts
    )  # the list page; its items prime the cache
    assert counts.get(("pim", "/variants"), 0) <= per_batch, counts
    assert counts.get(("erp", "/prices"), 0) <= per_batch, counts
    assert counts.get(("erp", "/stock"), 0) <= per_batch, counts
    assert counts.get(("erp", "/locations"), 0) == 1, counts
    assert counts.get(("dam", "/assets"), 0) == 1, counts


def test_same_page_again_within_freshness_makes_no_upstream_request(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    first = comptoir.query(PLP_QUERY, {"first": 24})
    reference.counter.reset()
    again = comptoir.query(PLP_QUERY, {"first": 24})
    assert again["data"] == first["data"]
    assert reference.counter.total() == 0, reference.counter.snapshot()


def test_products_by_ids_is_one_batch(comptoir: Comptoir, reference: ReferenceSources) -> None:
    ids = [f"P-{n:05d}" for n in range(1, 41)]
    reference.counter.reset()
    body = comptoir.query(
        "query($ids: [ID!]!) { products(ids: $ids) { id variants { sku price { priceList } } } }",
        {"ids": ids},
    )
    assert len(body["data"]["products"]) == 40
    counts = reference.counter.snapshot()
    assert counts[("pim", "/products")] == 1
    assert counts[("pim", "/variants")] <= 2
    assert counts[("erp", "/prices")] <= 2
