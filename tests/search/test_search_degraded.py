"""Search unavailable: the PIM's list by category and words, reported; what it cannot do, refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.sources.registry import SOURCES

from tests.conftest import Comptoir, ReferenceSources, reference_settings
from tests.search.queries import FACETED_PAGE_QUERY, IDS_QUERY
from tests.support.fault_proxy import FaultProxy

CATEGORY = "C-women"


@pytest.fixture
def proxy(reference: ReferenceSources) -> Iterator[FaultProxy]:
    """The reference sources behind a fault proxy."""
    running = FaultProxy(reference.server.url).start()
    yield running
    running.stop()


@pytest.fixture
def proxied(
    proxy: FaultProxy,
    reference: ReferenceSources,
    tmp_path: Path,
    start_comptoir: Callable[..., Comptoir],
) -> Comptoir:
    """comptoir with every source behind the proxy."""
    urls = {f"{name}_url": proxy.url(name) for name in SOURCES.names()}
    return start_comptoir(reference_settings(reference, tmp_path, **urls))


def _pim_list(reference: ReferenceSources, **params: str) -> list[str]:
    response = httpx.get(
        f"{reference.url('pim')}/products", params={"channel": "web", "limit": "100", **params}
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_search_down_lists_the_category_from_the_pim_in_id_order(
    proxied: Comptoir, proxy: FaultProxy, reference: ReferenceSources
) -> None:
    proxy.fault("search").down = True
    body = proxied.query(FACETED_PAGE_QUERY, {"categoryId": CATEGORY, "first": 100})
    assert "errors" not in body, body
    page = body["data"]["productSearch"]
    assert page["totalCount"] is None and page["facets"] == []
    assert [e["node"]["id"] for e in page["edges"]] == _pim_list(reference, category_id=CATEGORY)
    assert all(e["node"]["variants"] for e in page["edges"])  # the page is whole otherwise
    assert body["extensions"]["degraded"] == [{"source": "search", "mode": "fallback"}]
    assert proxy.reached("search") > 0


def test_search_down_finds_words_in_names_from_the_pim(
    proxied: Comptoir, proxy: FaultProxy, reference: ReferenceSources
) -> None:
    proxy.fault("search").down = True
    body = proxied.query(IDS_QUERY, {"query": "jumper", "first": 100})
    ids = [e["node"]["id"] for e in body["data"]["productSearch"]["edges"]]
    assert ids and ids == _pim_list(reference, q="jumper")
    assert body["extensions"]["degraded"] == [{"source": "search", "mode": "fallback"}]


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"filters": {"sizes": ["M"]}}, "`filters`"),
        ({"sort": "PRICE_ASC"}, "`sort`"),
        ({"sort": "NAME", "filters": {"inStock": True}}, "`filters` and `sort`"),
    ],
)
def test_search_down_refuses_filters_and_sorts_the_list_cannot_apply(
    proxied: Comptoir, proxy: FaultProxy, variables: dict[str, Any], named: str
) -> None:
    proxy.fault("search").down = True
    body = proxied.query(IDS_QUERY, {"categoryId": CATEGORY, **variables})
    assert body["data"] is None
    assert _codes(body) == ["SOURCE_UNAVAILABLE"]
    error = body["errors"][0]
    assert error["extensions"]["source"] == "search" and named in error["message"]
    assert error["path"] == ["productSearch"]
    assert {"source": "search", "mode": "fallback"} not in body["extensions"].get("degraded", [])


def test_an_empty_filter_is_no_filter_for_the_list(proxied: Comptoir, proxy: FaultProxy) -> None:
    proxy.fault("search").down = True
    body = proxied.query(IDS_QUERY, {"categoryId": CATEGORY, "filters": {"sizes": []}})
    assert "errors" not in body and body["data"]["productSearch"]["edges"], body


def test_pages_of_the_list_continue_as_the_list_and_a_search_cursor_is_refused(
    proxied: Comptoir, proxy: FaultProxy, reference: ReferenceSources
) -> None:
    searched = proxied.query(IDS_QUERY, {"categoryId": CATEGORY, "first": 3})
    search_cursor = searched["data"]["productSearch"]["pageInfo"]["endCursor"]
    proxy.fault("search").down = True
    first = proxied.query(IDS_QUERY, {"categoryId": CATEGORY, "first": 5})["data"]["productSearch"]
    list_cursor = first["pageInfo"]["endCursor"]
    refused = proxied.query(IDS_QUERY, {"categoryId": CATEGORY, "after": search_cursor})
    assert (
        _codes(refused) == ["SOURCE_UNAVAILABLE"] and "`after`" in refused["errors"][0]["message"]
    )
    proxy.fault("search").down = False  # back: a list page still continues as the list
    rest = proxied.query(IDS_QUERY, {"categoryId": CATEGORY, "first": 100, "after": list_cursor})
    listed = _pim_list(reference, category_id=CATEGORY)
    assert [e["node"]["id"] for e in first["edges"]] == listed[:5]
    assert [e["node"]["id"] for e in rest["data"]["productSearch"]["edges"]] == listed[5:]
    assert rest["extensions"]["degraded"] == [{"source": "search", "mode": "fallback"}]
    sorted_rest = proxied.query(
        IDS_QUERY, {"categoryId": CATEGORY, "sort": "NAME", "after": list_cursor}
    )
    assert (
        _codes(sorted_rest) == ["BAD_USER_INPUT"]
        and "`after`" in sorted_rest["errors"][0]["message"]
    )


def test_a_stale_search_page_is_served_when_search_goes_down(
    proxied: Comptoir, proxy: FaultProxy
) -> None:
    proxy.fault("search").max_age = 0  # the page is stale as soon as it is stored
    variables = {"categoryId": CATEGORY, "sort": "PRICE_ASC", "first": 6}
    fresh = proxied.query(IDS_QUERY, variables)
    proxy.fault("search").down = True
    stale = proxied.query(IDS_QUERY, variables)
    assert stale["data"] == fresh["data"] and stale["data"]["productSearch"]["totalCount"]
    assert stale["extensions"]["degraded"] == [{"source": "search", "mode": "stale"}]
