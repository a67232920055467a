"""Bad input gets a clear error, never an HTTP 500; a broken source nulls only its own fields."""

from __future__ import annotations

from collections.abc import Callable

from comptoir.sources.reference import cases
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.conftest import Comptoir, ReferenceSources
from tests.graph.queries import PDP_QUERY, PLP_QUERY
from tests.support.servers import ServerThread


def _codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_first_above_the_maximum_is_a_clear_error(comptoir: Comptoir) -> None:
    response = comptoir.post(PLP_QUERY, {"first": 101})
    assert response.status_code == 200
    body = response.json()
    assert (
        _codes(body) == ["BAD_USER_INPUT"] and "between 0 and 100" in body["errors"][0]["message"]
    )


def test_negative_first_is_a_clear_error(comptoir: Comptoir) -> None:
    assert _codes(comptoir.query(PLP_QUERY, {"first": -1})) == ["BAD_USER_INPUT"]


def test_a_cursor_comptoir_did_not_issue_is_a_clear_error(comptoir: Comptoir) -> None:
    body = comptoir.query(PLP_QUERY, {"first": 2, "after": "bm90LWEtY3Vyc29y"})
    assert _codes(body) == ["BAD_USER_INPUT"] and "cursor" in body["errors"][0]["message"]


def test_more_than_100_ids_is_a_clear_error(comptoir: Comptoir) -> None:
    ids = [f"P-{n:05d}" for n in range(101)]
    body = comptoir.query("query($ids: [ID!]!) { products(ids: $ids) { id } }", {"ids": ids})
    assert _codes(body) == ["BAD_USER_INPUT"]


def test_unknown_field_is_a_validation_error_without_suggestions(comptoir: Comptoir) -> None:
    body = comptoir.query('{ product(id: "P-00001") { nam } }')
    assert _codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in body["errors"][0]["message"]


def test_malformed_json_body_is_not_a_500(comptoir: Comptoir) -> None:
    response = comptoir.http.post(
        "/graphql",
        content=b"{not json",
        headers={"X-Channel-Key": "demo-web-key", "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500


def test_oversized_body_is_413(comptoir: Comptoir) -> None:
    query = '{ product(id: "P-00001") { id } }' + " " * 1_100_000
    assert comptoir.post(query).status_code == 413


def _broken_dam(answer: Callable[[Request], Response]) -> ServerThread:
    app = Starlette(routes=[Route("/assets", answer)])
    return ServerThread(app).start()


def _assert_only_media_fails(body: dict) -> None:
    product = body["data"]["product"]
    assert product["name"] and product["variants"], "PIM and ERP fields are intact"
    assert product["media"] is None
    errors = body["errors"]
    assert errors and all(e["extensions"]["source"] == "dam" for e in errors)
    assert all(e["path"][:2] == ["product", "media"] or "media" in e["path"] for e in errors)


def test_malformed_upstream_json_nulls_only_that_source(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources
) -> None:
    dam = _broken_dam(lambda r: PlainTextResponse("{oops", media_type="application/json"))
    try:
        comptoir = start_comptoir(dam_url=dam.url)
        body = comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
        _assert_only_media_fails(body)
        assert body["errors"][0]["extensions"]["code"] == "SOURCE_RESPONSE_INVALID"
    finally:
        dam.stop()


def test_wrong_upstream_shape_nulls_only_that_source(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources
) -> None:
    dam = _broken_dam(lambda r: JSONResponse({"items": [{"id": 1, "kind": "hologram"}]}))
    try:
        body = start_comptoir(dam_url=dam.url).query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
        _assert_only_media_fails(body)
    finally:
        dam.stop()


def test_upstream_4xx_nulls_only_that_source(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources
) -> None:
    dam = _broken_dam(
        lambda r: JSONResponse({"error": "bad_request", "message": "no"}, status_code=400)
    )
    try:
        body = start_comptoir(dam_url=dam.url).query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
        _assert_only_media_fails(body)
        assert body["errors"][0]["extensions"]["code"] == "SOURCE_REJECTED"
    finally:
        dam.stop()
