"""What an attacker sends in a request's body, arguments and variables: a clear error, never a 500.

Ids over 256 characters, search text over 200, forged cursors and
`_entities` representations are refused with ``BAD_USER_INPUT`` naming the
argument before any source is called; a body that is not a GraphQL request is
a 400; a typo in an input field gets no suggestion.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from comptoir.graph.entities import MAX_REPRESENTATIONS
from comptoir.graph.inputs import MAX_ID_LENGTH
from comptoir.sources.reference import cases

from tests.conftest import WEB_KEY, Comptoir, ReferenceSources
from tests.security.probes import (
    AFTER,
    BAD_BODIES,
    CART,
    ENTITIES,
    INPUT_TYPO,
    JSON_HEADERS,
    LONG,
    PRODUCT_BY_ID,
    PRODUCTS_BY_IDS,
    SEARCH,
    forged_cursor,
    representations,
)


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def upstream_requests(reference: ReferenceSources) -> int:
    return sum(reference.counter.counts.values())


def refused_before_any_source(
    comptoir: Comptoir, reference: ReferenceSources, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """The answer of a request that must be BAD_USER_INPUT without a call to any source."""
    before = upstream_requests(reference)
    body = comptoir.query(query, variables)
    assert codes(body) and set(codes(body)) == {"BAD_USER_INPUT"}, body
    assert upstream_requests(reference) == before, "a source was called"
    assert len(str(body)) < 4096, "the answer does not echo the input back"
    return body


def test_an_id_of_64_kib_inline_names_its_argument(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    body = refused_before_any_source(
        comptoir, reference, f'{{ product(id: "{LONG}") {{ id }} }}', {}
    )
    message = body["errors"][0]["message"]
    assert "`id`" in message and f"at most {MAX_ID_LENGTH}" in message


def test_an_id_of_64_kib_in_variables_names_the_variable(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    body = refused_before_any_source(comptoir, reference, PRODUCT_BY_ID, {"id": LONG})
    assert "`$id`" in body["errors"][0]["message"]
    body = refused_before_any_source(
        comptoir, reference, PRODUCTS_BY_IDS, {"ids": [cases.PRODUCT_FULL, LONG]}
    )
    assert "`$ids[1]`" in body["errors"][0]["message"]


def test_one_hundred_ids_just_under_the_bound_are_sent(comptoir: Comptoir) -> None:
    # 100 ids of 256 characters make one upstream URL of about 26 KB: sendable.
    ids = [f"P-{n:05d}-" + "x" * (MAX_ID_LENGTH - 8) for n in range(100)]
    body = comptoir.query(PRODUCTS_BY_IDS, {"ids": ids})
    assert "errors" not in body and body["data"]["products"] == [None] * 100


def test_a_sku_of_64_kib_in_a_cart_input(comptoir: Comptoir, reference: ReferenceSources) -> None:
    variables = {"input": {"lines": [{"sku": LONG, "quantity": 1}]}}
    body = refused_before_any_source(comptoir, reference, CART, variables)
    assert "`$input.lines[0].sku`" in body["errors"][0]["message"]


def test_search_text_of_64_kib(comptoir: Comptoir, reference: ReferenceSources) -> None:
    body = refused_before_any_source(comptoir, reference, SEARCH, {"q": LONG})
    assert "`query`" in body["errors"][0]["message"]


def test_a_filter_value_of_64_kib(comptoir: Comptoir, reference: ReferenceSources) -> None:
    query = (
        "query($f: ProductFilterInput) { productSearch(filters: $f, first: 2)"
        " { edges { node { id } } } }"
    )
    body = refused_before_any_source(comptoir, reference, query, {"f": {"brands": ["Acme", LONG]}})
    assert "`filters.brands`" in body["errors"][0]["message"]


def test_a_forged_cursor_carrying_64_kib_or_a_lone_surrogate(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    for source_cursor in ("y" * 2000, "\ud800"):
        body = refused_before_any_source(
            comptoir, reference, AFTER, {"after": forged_cursor(source_cursor)}
        )
        assert "`after`" in body["errors"][0]["message"]
    refused_before_any_source(comptoir, reference, AFTER, {"after": LONG})


def test_a_coupon_of_64_kib_leaves_the_cart_priced(comptoir: Comptoir) -> None:
    variables = {
        "input": {"lines": [{"sku": cases.SKU_FULL, "quantity": 1}], "couponCodes": [LONG]}
    }
    body = comptoir.query(CART, variables)
    assert "errors" not in body, body
    cart = body["data"]["cart"]
    assert cart["lines"] == [{"sku": cases.SKU_FULL}] and cart["total"]["amount"]
    assert cart["userErrors"] == [
        {"field": ["input", "couponCodes", "0"], "code": "INVALID_COUPON"}
    ]


def test_entities_over_the_maximum_are_refused_before_any_source(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    body = refused_before_any_source(
        comptoir, reference, ENTITIES, {"r": representations(MAX_REPRESENTATIONS + 1)}
    )
    assert f"at most {MAX_REPRESENTATIONS}" in body["errors"][0]["message"]
    # 20,000 (the attack) is refused at once too: by its cost, before it is even parsed further.
    before = upstream_requests(reference)
    response = comptoir.post(ENTITIES, {"r": representations(20_000)})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"
    assert upstream_requests(reference) == before


def test_entities_up_to_the_maximum_answer(comptoir: Comptoir) -> None:
    wanted = [{"__typename": "Product", "id": cases.PRODUCT_FULL}]
    wanted += [{"__typename": "Product", "id": f"P-9{n:04d}"} for n in range(99)]
    body = comptoir.query(ENTITIES, {"r": wanted})
    assert "errors" not in body, body
    assert body["data"]["_entities"][0] == {"id": cases.PRODUCT_FULL}
    assert len(body["data"]["_entities"]) == MAX_REPRESENTATIONS


@pytest.mark.parametrize(
    ("representation", "expected"),
    [
        ("P-00001", "must be an object"),
        ({"id": "P-00001"}, "`__typename` must be one of"),
        ({"__typename": "Query", "id": "P-00001"}, "`__typename` must be one of"),
        ({"__typename": "Product"}, "`id`"),
        ({"__typename": "Product", "id": ["P-00001"]}, "`id`"),
        ({"__typename": "Product", "id": LONG}, "at most 256"),
        ({"__typename": "Variant", "id": "V-00001-TEAL-M"}, "`sku`"),
    ],
)
def test_a_malformed_representation_is_refused_alone(
    comptoir: Comptoir, representation: Any, expected: str
) -> None:
    good = {"__typename": "Product", "id": cases.PRODUCT_FULL, "extra": "ignored"}
    body = comptoir.query(ENTITIES, {"r": [good, representation]})
    assert body["data"]["_entities"] == [{"id": cases.PRODUCT_FULL}, None]
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["path"] == ["_entities", 1]
    assert expected in error["message"]


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
def test_a_body_that_is_not_a_graphql_request_is_a_400(comptoir: Comptoir, name: str) -> None:
    response = comptoir.http.post(
        "/graphql", content=BAD_BODIES[name], headers={**JSON_HEADERS, "X-Channel-Key": WEB_KEY}
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_lone_surrogates_never_reach_a_resolver(comptoir: Comptoir) -> None:
    # In a GraphQL string: a parse error.
    body = comptoir.query('{ product(id: "\\ud800") { id } }')
    assert codes(body) == ["GRAPHQL_PARSE_FAILED"]
    # Percent-encoded in a GET: not UTF-8, a 400.
    surrogate = quote("\ud800".encode("utf-8", "surrogatepass"))
    response = comptoir.http.get(
        f"/graphql?query=%7B__typename%7D&variables=%7B%22x%22%3A%22{surrogate}%22%7D",
        headers={"X-Channel-Key": WEB_KEY},
    )
    assert response.status_code == 400


def test_no_suggestion_for_an_input_field_or_an_enum_value(comptoir: Comptoir) -> None:
    answers = [
        comptoir.query(INPUT_TYPO),
        comptoir.query(CART, {"input": {"lnes": []}}),
        comptoir.query(CART, {"input": {"lines": [{"skuu": cases.SKU_FULL, "quantity": 1}]}}),
        comptoir.query(
            'mutation { placeOrder(idempotencyKey: "k", input: {lines: [], delivery: {mode: HOM}})'
            " { pending } }"
        ),
        comptoir.query('{ product(id: "P-00001") { nam } }'),
    ]
    for body in answers:
        assert body["errors"], body
        for error in body["errors"]:
            assert "Did you mean" not in error["message"], error
            assert "HOME" not in error["message"], error
