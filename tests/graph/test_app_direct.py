"""`/graphql` is handed to its gate without Starlette's layers: same answers, same failures."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Comptoir


def test_graphql_methods_answer_and_others_are_refused(comptoir: Comptoir) -> None:
    assert comptoir.query("{ __typename }")["data"] == {"__typename": "Query"}
    get = comptoir.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"X-Channel-Key": "demo-web-key"}
    )
    assert get.status_code == 200 and get.json()["data"] == {"__typename": "Query"}
    put = comptoir.http.put("/graphql", content=b"{}")
    assert put.status_code == 405  # Starlette's route, as before
    assert comptoir.http.get("/healthz").text == "ok"


def test_an_exception_past_the_gate_is_a_bare_500(
    comptoir: Comptoir, caplog: pytest.LogCaptureFixture
) -> None:
    app = comptoir.server.server.config.app

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("secret detail")

    gate = app.state.graphql
    app.state.graphql = broken
    try:
        response = comptoir.post("{ __typename }")
    finally:
        app.state.graphql = gate
    assert response.status_code == 500
    assert response.text == "Internal Server Error"  # no traceback, no detail
    assert "unhandled error answering /graphql" in caplog.text
    assert comptoir.query("{ __typename }")["data"] == {"__typename": "Query"}
