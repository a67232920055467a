"""Bad search input: BAD_USER_INPUT naming the argument, no HTTP 500, and no upstream call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Comptoir, ReferenceSources
from tests.search.queries import IDS_QUERY

FIFTY_ONE = [f"brand {n}" for n in range(51)]


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"sort": "CHEAPEST"}, "$sort"),
        ({"filters": {"price": {"min": "100", "max": "50"}}}, "`filters.price.min`"),
        ({"filters": {"price": {"min": "-1"}}}, "`filters.price.min`"),
        ({"filters": {"price": {"max": "-0.01"}}}, "`filters.price.max`"),
        ({"filters": {"price": {"min": "abc"}}}, "$filters"),
        ({"filters": {"brands": FIFTY_ONE}}, "`filters.brands`"),
        ({"filters": {"sizes": [f"{n}" for n in range(60)]}}, "`filters.sizes`"),
        ({"filters": {"colors": [" "]}}, "`filters.colors`"),
        ({"first": 101}, "`first`"),
        ({"first": -1}, "`first`"),
        ({"after": "bm90LWEtY3Vyc29y"}, "`after`"),
        ({"query": " ".join(f"w{n}" for n in range(33))}, "`query`"),
    ],
)
def test_bad_search_input_is_a_clear_error_without_upstream_calls(
    comptoir: Comptoir, reference: ReferenceSources, variables: dict[str, Any], named: str
) -> None:
    reference.counter.reset()
    response = comptoir.post(IDS_QUERY, {"categoryId": "C-women", **variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert named in body["errors"][0]["message"]
    assert reference.counter.total() == 0, reference.counter.snapshot()


def test_fifty_values_in_one_filter_and_equal_price_bounds_are_accepted(
    comptoir: Comptoir,
) -> None:
    body = comptoir.query(
        IDS_QUERY,
        {"filters": {"brands": FIFTY_ONE[:50], "price": {"min": "50", "max": "50"}}},
    )
    assert "errors" not in body, body
    assert body["data"]["productSearch"]["totalCount"] == 0
