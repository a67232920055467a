"""Query cost: computed before execution, refused over a channel's max_cost, reported when asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from comptoir.graph.cost import operation_cost
from comptoir.graph.schema import build_schema
from comptoir.sources.reference import cases
from graphql import OperationDefinitionNode, parse

from comptoir.channels import PUBLIC_MAX_COST, STAFF_MAX_COST
from tests.conftest import TABLET_KEY, Comptoir, ReferenceSources
from tests.graph.queries import ME_QUERY, PDP_QUERY, PLP_QUERY

SCHEMA = build_schema()._schema

# Cost probes: within the depth, alias and token limits, yet seconds of work and
# megabytes of answer each.
SEARCH_PROBE = (
    "{ "
    + " ".join(
        f"a{i}: productSearch(first: 100) {{ edges {{ node {{ id name }} }} }}" for i in range(30)
    )
    + " }"
)
SEARCH_NODES_PROBE = (
    "{ "
    + " ".join(f"a{i}: productSearch(first: 100) {{ nodes {{ id }} }}" for i in range(30))
    + " }"
)
STAFF_PROBE = (
    f'{{ customer(id: "{cases.CUSTOMER_OMNICHANNEL}") {{ '
    + " ".join(
        f"a{i}: orders(first: 100) {{ edges {{ node {{ lines {{ variant {{ product {{ variants {{"
        " availability { stores(near: {latitude: 48.87, longitude: 2.33}) {"
        " quantity location { id } } } } } } } } } }"
        for i in range(30)
    )
    + " } }"
)
ORDER_HISTORY = """
query History($id: ID!) {
  customer(id: $id) {
    orders(first: 50) {
      nodes { id status placedAt totals { grandTotal { amount } }
              lines { sku quantity variant { product { name } } } }
    }
  }
}
"""


def cost(text: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return operation_cost(SCHEMA, document, operation).of(variables or {})


def _code(response: Any) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


# --- the rules --------------------------------------------------------------------------


def test_a_connection_costs_first_items_and_a_nested_list_multiplies() -> None:
    one = cost("{ productSearch(first: 1) { nodes { id } } }")
    ten = cost("{ productSearch(first: 10) { nodes { id } } }")
    assert ten - one == 9 * 4  # a Product weighs 4
    with_variants = cost("{ productSearch(first: 10) { nodes { id variants { sku } } } }")
    assert with_variants - ten == 10 * 6 * 2  # 6 variants assumed per product, 2 each


def test_sizes_come_from_the_variables_and_their_defaults() -> None:
    query = "query($n: Int = 5) { productSearch(first: $n) { nodes { id } } }"
    assert cost(query) == cost("{ productSearch(first: 5) { nodes { id } } }")
    assert cost(query, {"n": 50}) == cost("{ productSearch(first: 50) { nodes { id } } }")
    # Absent variable and no default of its own: the argument's default (24).
    assert cost(PLP_QUERY) == cost(PLP_QUERY, {"first": 24})


def test_ids_and_representations_cost_their_length() -> None:
    products = "query($ids: [ID!]!) { products(ids: $ids) { id } }"
    assert cost(products, {"ids": ["P-1"] * 40}) == 40 * 4
    entities = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id } } }"
    assert cost(entities, {"r": [{}] * 1000}) >= 1000


def test_a_fragment_spread_twice_at_one_level_counts_once() -> None:
    once = (
        "{ productSearch { nodes { ...Card } } } fragment Card on Product { id variants { sku } }"
    )
    twice = (
        "{ productSearch { nodes { ...Card ...Card id } } }"
        " fragment Card on Product { id variants { sku } }"
    )
    assert cost(once) == cost(twice)


def test_a_skipped_selection_costs_nothing() -> None:
    query = (
        "query($full: Boolean = false) { productSearch { nodes { id"
        " variants @include(if: $full) { sku } } } }"
    )
    assert cost(query) == cost("{ productSearch { nodes { id } } }")
    assert cost(query, {"full": True}) == cost(
        "{ productSearch { nodes { id variants { sku } } } }"
    )


def test_the_defaults_refuse_the_probes_and_pass_normal_pages() -> None:
    assert cost(SEARCH_PROBE) > PUBLIC_MAX_COST
    assert cost(SEARCH_NODES_PROBE) > PUBLIC_MAX_COST
    assert cost(STAFF_PROBE) > STAFF_MAX_COST
    # Comfortably: a category page at the largest page size still passes.
    assert cost(PLP_QUERY, {"first": 24}) * 4 < PUBLIC_MAX_COST
    assert cost(PLP_QUERY, {"first": 100}) < PUBLIC_MAX_COST
    assert cost(PDP_QUERY) * 50 < PUBLIC_MAX_COST
    assert cost(ME_QUERY, {"first": 10}) * 50 < PUBLIC_MAX_COST
    assert cost(ORDER_HISTORY) * 10 < STAFF_MAX_COST


# --- over HTTP --------------------------------------------------------------------------


def test_the_search_probe_is_refused_unexecuted(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    reference.counter.reset()
    for probe in (SEARCH_PROBE, SEARCH_NODES_PROBE):
        response = comptoir.post(probe)
        assert response.status_code == 400
        body = response.json()
        assert "data" not in body
        error = body["errors"][0]
        assert error["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
        assert error["extensions"]["limit"] == PUBLIC_MAX_COST
        assert error["extensions"]["cost"] == cost(probe)
    assert reference.counter.total() == 0
    # The process goes on serving.
    assert comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})["data"]["product"]


def test_the_staff_probe_is_refused_unexecuted(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    reference.counter.reset()
    response = comptoir.post(STAFF_PROBE, key=TABLET_KEY)
    assert response.status_code == 400 and _code(response) == "COST_LIMIT_EXCEEDED"
    assert response.json()["errors"][0]["extensions"]["limit"] == STAFF_MAX_COST
    assert reference.counter.total() == 0


def test_normal_pages_pass(comptoir: Comptoir) -> None:
    assert comptoir.query(PLP_QUERY, {"first": 24})["data"]["productSearch"]["edges"]
    assert comptoir.query(PLP_QUERY, {"first": 100})["data"]["productSearch"]["edges"]
    assert comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})["data"]["product"]
    history = comptoir.query(ORDER_HISTORY, {"id": cases.CUSTOMER_OMNICHANNEL}, key=TABLET_KEY)
    assert "errors" not in history and history["data"]["customer"]["orders"]["nodes"]


def test_the_cost_is_reported_when_asked(comptoir: Comptoir) -> None:
    body = {"query": PLP_QUERY, "variables": {"first": 10}, "extensions": {"cost": True}}
    headers = {"X-Channel-Key": "demo-web-key"}
    page = cost(PLP_QUERY, {"first": 10})
    for charged in (page, 1):  # executed, then the stored answer: both report it
        response = comptoir.http.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200
        reported = response.json()["extensions"]["cost"]
        assert reported["requested"] == page and reported["charged"] == charged
        assert reported["limit"] == PUBLIC_MAX_COST
        assert reported["remaining"] >= 0
        assert response.json()["data"]["productSearch"]["edges"]
    # Not asked: not reported, and the stored answer was stored without it.
    plain = comptoir.post(PLP_QUERY, {"first": 10})
    assert plain.headers["x-comptoir-cache"] == "HIT"
    assert "cost" not in plain.json()["extensions"]


def test_a_channel_sets_its_own_max_cost(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path
) -> None:
    channels = tmp_path / "channels.toml"
    channels.write_text(
        '[channels.web]\nkey = "tight-key"\nprice_list = "EUR-WEB"\ncurrency = "EUR"\n'
        'locale = "en"\nmax_cost = 500\n'
    )
    comptoir = start_comptoir(channels=channels)
    small = cost(PLP_QUERY, {"first": 5})
    assert small <= 500 < cost(PLP_QUERY, {"first": 24})
    assert comptoir.query(PLP_QUERY, {"first": 5}, key="tight-key")["data"]["productSearch"]
    refused = comptoir.post(PLP_QUERY, {"first": 24}, key="tight-key")
    assert refused.status_code == 400 and _code(refused) == "COST_LIMIT_EXCEEDED"


@pytest.mark.parametrize(
    "table",
    [
        "max_cost = 0",
        "max_cost = -1",
        'max_cost = "many"',
        "rate_limit = 100",  # below max_cost: a request could never run
        "trusted_documents = 1",
    ],
)
def test_a_bad_limit_in_the_channels_file_is_refused_at_start(table: str) -> None:
    from comptoir.channels import ChannelsFileError, parse_channels

    with pytest.raises(ChannelsFileError):
        parse_channels(
            '[channels.web]\nkey = "k"\nprice_list = "EUR-WEB"\ncurrency = "EUR"\n'
            f'locale = "en"\n{table}\n'
        )
