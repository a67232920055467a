"""Stored search answers: one per filter set and sort, tagged with what they show, never past the search's freshness."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from comptoir.graph.hooks import signature_of

from tests.conftest import Comptoir, ReferenceSources
from tests.search.queries import FACETED_PAGE_QUERY

SECRET = "hook-secret-for-tests"  # noqa: S105  # a test value
SEARCH_MAX_AGE_S = 15  # the reference search source's Cache-Control: max-age
SIZES_M = {"categoryId": "C-women", "filters": {"sizes": ["M"]}, "first": 6}
SIZES_L = {"categoryId": "C-women", "filters": {"sizes": ["L"]}, "first": 6}


def _served(response: httpx.Response) -> str:
    return response.headers.get("x-comptoir-cache", "")


def _page(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    page: dict[str, Any] = body["data"]["productSearch"]
    return page


def test_two_filter_sets_and_two_sorts_do_not_share_an_answer(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    medium = comptoir.post(FACETED_PAGE_QUERY, SIZES_M)
    large = comptoir.post(FACETED_PAGE_QUERY, SIZES_L)
    by_price = comptoir.post(FACETED_PAGE_QUERY, {**SIZES_M, "sort": "PRICE_DESC"})
    assert [_served(r) for r in (medium, large, by_price)] == ["MISS", "MISS", "MISS"]
    assert _page(medium) != _page(large) and _page(medium) != _page(by_price)
    reference.counter.reset()
    again = comptoir.post(FACETED_PAGE_QUERY, SIZES_M)
    assert _served(again) == "HIT" and again.content == medium.content
    assert reference.counter.total() == 0


def test_a_stored_search_answer_is_fresh_no_longer_than_the_search(comptoir: Comptoir) -> None:
    comptoir.post(FACETED_PAGE_QUERY, SIZES_M)
    stored = comptoir.post(FACETED_PAGE_QUERY, SIZES_M)
    assert _served(stored) == "HIT"
    max_age = int(stored.headers["cache-control"].rpartition("=")[2])
    assert 0 < max_age <= SEARCH_MAX_AGE_S


def test_a_change_to_a_product_on_the_page_drops_the_stored_answer(
    start_comptoir: Callable[..., Comptoir],
) -> None:
    comptoir = start_comptoir(pim_hook_secret=SECRET)
    first = comptoir.post(FACETED_PAGE_QUERY, SIZES_M)
    shown = _page(first)["edges"][0]["node"]["id"]
    assert _served(comptoir.post(FACETED_PAGE_QUERY, SIZES_M)) == "HIT"
    _send_event(comptoir, "pim", shown)
    assert _served(comptoir.post(FACETED_PAGE_QUERY, SIZES_M)) == "MISS"


def test_a_change_event_of_the_search_source_drops_its_cached_pages(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources
) -> None:
    comptoir = start_comptoir(search_hook_secret=SECRET, response_cache=False)
    _page(comptoir.post(FACETED_PAGE_QUERY, SIZES_M))
    _page(comptoir.post(FACETED_PAGE_QUERY, SIZES_L))
    reference.counter.reset()
    _page(comptoir.post(FACETED_PAGE_QUERY, SIZES_M))
    assert reference.counter.total() == 0  # the page is cached
    assert _send_event(comptoir, "search", "P-00001") == 2  # both pages, whatever they hold
    _page(comptoir.post(FACETED_PAGE_QUERY, SIZES_M))
    assert reference.counter.snapshot() == {("search", "/products"): 1}


def _send_event(comptoir: Comptoir, source: str, product_id: str) -> int:
    body = json.dumps({"events": [{"collection": "products", "ids": [product_id]}]}).encode()
    sent = comptoir.http.post(
        f"/hooks/{source}",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Comptoir-Signature": signature_of(SECRET, body),
        },
    )
    assert sent.status_code == 202, sent.text
    invalidated: int = sent.json()["invalidated"]
    return invalidated
