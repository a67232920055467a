"""Depth, alias and token limits reject a query before execution, with a code naming the limit."""

from __future__ import annotations

from tests.conftest import Comptoir


def _code(body: dict) -> str:
    return body["errors"][0]["extensions"]["code"]


def test_depth_limit(comptoir: Comptoir) -> None:
    deep = '{ product(id: "P-00001") { ' + "variants { product { " * 7 + "id" + " } }" * 7 + " } }"
    body = comptoir.query(deep)
    assert _code(body) == "DEPTH_LIMIT_EXCEEDED" and body.get("data") is None


def test_alias_limit(comptoir: Comptoir) -> None:
    aliases = " ".join(f'a{i}: product(id: "P-00001") {{ id }}' for i in range(31))
    assert _code(comptoir.query("{ " + aliases + " }")) == "ALIAS_LIMIT_EXCEEDED"


def test_token_limit(comptoir: Comptoir) -> None:
    fields = " ".join("__typename" for _ in range(5001))
    assert _code(comptoir.query("{ " + fields + " }")) == "TOKEN_LIMIT_EXCEEDED"


def test_the_process_goes_on_serving_after_a_rejected_query(comptoir: Comptoir) -> None:
    comptoir.query("{ " + " ".join("__typename" for _ in range(5001)) + " }")
    assert comptoir.query('{ product(id: "P-00001") { id } }')["data"]["product"]["id"] == "P-00001"
