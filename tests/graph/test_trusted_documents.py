"""Trusted documents: registered per channel with `comptoir documents push`, run by id, kept durably."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.graph.trusted.gate import document_id_of
from comptoir.sources.reference import cases
from typer.testing import CliRunner

from comptoir.cli import app as cli
from tests.conftest import Comptoir, ReferenceSources, reference_settings
from tests.graph.queries import PDP_QUERY, PLP_QUERY
from tests.support.postgres_server import PostgresServer

TRUSTED_KEY = "trusted-key"
OPEN_KEY = "open-key"
STAFF_KEY = "staff-key"
CHANNELS = f"""
[channels.web]
key = "{TRUSTED_KEY}"
price_list = "EUR-WEB"
currency = "EUR"
locale = "en"
trusted_documents = true

[channels.app]
key = "{OPEN_KEY}"
price_list = "EUR-WEB"
currency = "EUR"
locale = "en"

[channels.tablet]
key = "{STAFF_KEY}"
price_list = "EUR-STORE"
currency = "EUR"
locale = "fr"
assortment = "store"
staff = true
"""
PLP_ID = "sha256:" + document_id_of(PLP_QUERY)
PDP_ID = "sha256:" + document_id_of(PDP_QUERY)
UNKNOWN_ID = "sha256:" + "0" * 64


@dataclass
class Deployment:
    """A channels file, where documents are kept, a comptoir using both, and the CLI on them."""

    env: dict[str, str]
    comptoir: Comptoir

    def cli(self, *args: str) -> Any:
        result = CliRunner().invoke(cli, list(args), env=self.env)
        return result

    def post(self, body: dict[str, Any], key: str = TRUSTED_KEY) -> httpx.Response:
        return self.comptoir.http.post("/graphql", json=body, headers={"X-Channel-Key": key})

    def get(self, params: dict[str, str], key: str = TRUSTED_KEY, **headers: str) -> httpx.Response:
        return self.comptoir.http.get(
            "/graphql", params=params, headers={"X-Channel-Key": key, **headers}
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def deployment(
    request: pytest.FixtureRequest,
    start_comptoir: Callable[..., Comptoir],
    reference: ReferenceSources,
    tmp_path: Path,
) -> Deployment:
    channels = tmp_path / "channels.toml"
    channels.write_text(CHANNELS)
    overrides: dict[str, Any] = {"channels": channels}
    env = {"COMPTOIR_CHANNELS": str(channels), "COMPTOIR_DATA_DIR": str(tmp_path / "state")}
    if request.param == "postgresql":
        postgres: PostgresServer = request.getfixturevalue("postgres")
        url = postgres.fresh_schema()
        overrides["outbox_url"] = url
        env["COMPTOIR_OUTBOX_URL"] = url
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plp.graphql").write_text(PLP_QUERY)
    first = CliRunner().invoke(cli, ["documents", "push", "web", str(docs)], env=env)
    assert first.exit_code == 0, first.output
    # Kept where the outbox is: PostgreSQL when it is given, else a file of the data directory.
    on_disk = (tmp_path / "state" / "documents.sqlite").exists()
    assert on_disk is (request.param == "sqlite")
    settings = reference_settings(reference, tmp_path, **overrides)
    return Deployment(env, start_comptoir(settings))


def _code(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


def test_a_registered_document_runs_by_id(deployment: Deployment) -> None:
    response = deployment.post({"documentId": PLP_ID, "variables": {"first": 3}})
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["productSearch"]["edges"]) == 3


def test_the_apq_shape_names_a_registered_document(deployment: Deployment) -> None:
    hash_only = {"version": 1, "sha256Hash": document_id_of(PLP_QUERY)}
    response = deployment.post(
        {"variables": {"first": 2}, "extensions": {"persistedQuery": hash_only}}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["productSearch"]["edges"]) == 2


def test_get_by_id_is_cacheable_by_a_cdn(deployment: Deployment) -> None:
    params = {"documentId": PLP_ID, "variables": json.dumps({"first": 4})}
    first = deployment.get(params)
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"].startswith("public, max-age=")
    etag = first.headers["etag"]
    again = deployment.get(params, **{"If-None-Match": etag})
    assert again.status_code == 304
    # The same document sent by id or in full is the same stored answer.
    full = deployment.post({"query": PLP_QUERY, "variables": {"first": 4}})
    assert full.headers["etag"] == etag and full.headers["x-comptoir-cache"] == "HIT"


def test_an_unknown_id_is_not_found(deployment: Deployment) -> None:
    for key in (TRUSTED_KEY, OPEN_KEY):
        response = deployment.post({"documentId": UNKNOWN_ID}, key=key)
        assert response.status_code == 404 and _code(response) == "PERSISTED_QUERY_NOT_FOUND"
    got = deployment.get({"documentId": UNKNOWN_ID})
    assert got.status_code == 404 and _code(got) == "PERSISTED_QUERY_NOT_FOUND"
    apq = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    response = deployment.post({"extensions": apq})
    assert response.status_code == 404 and _code(response) == "PERSISTED_QUERY_NOT_FOUND"


def test_documents_are_registered_per_channel(deployment: Deployment) -> None:
    response = deployment.post({"documentId": PLP_ID}, key=OPEN_KEY)
    assert response.status_code == 404 and _code(response) == "PERSISTED_QUERY_NOT_FOUND"


def test_a_trusted_channel_runs_nothing_else(deployment: Deployment) -> None:
    response = deployment.post({"query": PDP_QUERY, "variables": {"id": cases.PRODUCT_FULL}})
    assert response.status_code == 403 and _code(response) == "DOCUMENT_NOT_TRUSTED"
    got = deployment.get({"query": "{ __typename }"})
    assert got.status_code == 403 and _code(got) == "DOCUMENT_NOT_TRUSTED"
    # A registered document sent in full is registered all the same.
    full = deployment.post({"query": PLP_QUERY, "variables": {"first": 1}})
    assert full.status_code == 200 and full.json()["data"]["productSearch"]["edges"]


def test_open_and_staff_channels_run_any_document(deployment: Deployment) -> None:
    for key in (OPEN_KEY, STAFF_KEY):
        response = deployment.post(
            {"query": PDP_QUERY, "variables": {"id": cases.PRODUCT_FULL}}, key=key
        )
        assert response.status_code == 200 and response.json()["data"]["product"]


def test_a_document_pushed_while_serving_runs_at_once(
    deployment: Deployment, tmp_path: Path
) -> None:
    assert deployment.post({"documentId": PDP_ID}).status_code == 404
    pdp = tmp_path / "pdp.graphql"
    pdp.write_text(PDP_QUERY)
    pushed = deployment.cli("documents", "push", "web", str(pdp))
    assert pushed.exit_code == 0, pushed.output
    assert "1 registered for web" in pushed.output
    response = deployment.post({"documentId": PDP_ID, "variables": {"id": cases.PRODUCT_FULL}})
    assert response.status_code == 200 and response.json()["data"]["product"]
    listed = deployment.cli("documents", "list", "web", "--json")
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert {row["documentId"] for row in rows} == {PLP_ID, PDP_ID}
    assert {tuple(row["operations"]) for row in rows} == {("CategoryPage",), ("ProductPage",)}


def test_a_hash_that_is_not_the_documents_own_is_refused(deployment: Deployment) -> None:
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": "1" * 64}}
    response = deployment.post({"query": PLP_QUERY, "extensions": wrong}, key=OPEN_KEY)
    assert response.status_code == 400 and _code(response) == "PERSISTED_QUERY_HASH_MISMATCH"


@pytest.mark.parametrize("document_id", ["sha256:xyz", "md5:" + "0" * 32, 12])
def test_a_malformed_id_is_a_bad_request(deployment: Deployment, document_id: Any) -> None:
    response = deployment.post({"documentId": document_id})
    assert response.status_code == 400 and _code(response) == "BAD_REQUEST"


def test_push_refuses_what_could_never_run(deployment: Deployment, tmp_path: Path) -> None:
    bad = tmp_path / "bad.graphql"
    bad.write_text("{ noSuchField }")
    result = deployment.cli("documents", "push", "web", str(bad))
    assert result.exit_code == 1 and "not a valid document" in result.output
    lying = tmp_path / "manifest.json"
    lying.write_text(json.dumps({"sha256:" + "2" * 64: PDP_QUERY}))
    result = deployment.cli("documents", "push", "web", str(lying))
    assert result.exit_code == 1 and "is not the sha256 of its text" in result.output
    unknown = deployment.cli("documents", "push", "nowhere", str(bad))
    assert unknown.exit_code == 2


def test_push_reads_an_apollo_manifest(deployment: Deployment, tmp_path: Path) -> None:
    manifest = tmp_path / "persisted-query-manifest.json"
    operation = {"id": document_id_of(PDP_QUERY), "body": PDP_QUERY, "name": "ProductPage"}
    manifest.write_text(
        json.dumps(
            {"format": "apollo-persisted-query-manifest", "version": 1, "operations": [operation]}
        )
    )
    result = deployment.cli("documents", "push", "web", str(manifest))
    assert result.exit_code == 0, result.output
    response = deployment.post({"documentId": PDP_ID, "variables": {"id": cases.PRODUCT_FULL}})
    assert response.status_code == 200 and response.json()["data"]["product"]


def test_postgresql_down_is_a_clear_503_and_read_documents_still_run(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources, tmp_path: Path
) -> None:
    channels = tmp_path / "channels.toml"
    channels.write_text(CHANNELS)
    with PostgresServer() as own:
        url = own.fresh_schema()
        env = {
            "COMPTOIR_CHANNELS": str(channels),
            "COMPTOIR_DATA_DIR": str(tmp_path / "state"),
            "COMPTOIR_OUTBOX_URL": url,
        }
        for query, name in ((PLP_QUERY, "plp"), (PDP_QUERY, "pdp")):
            (tmp_path / f"{name}.graphql").write_text(query)
            pushed = CliRunner().invoke(
                cli, ["documents", "push", "web", str(tmp_path / f"{name}.graphql")], env=env
            )
            assert pushed.exit_code == 0, pushed.output
        settings = reference_settings(
            reference, tmp_path, channels=channels, outbox_url=url, outbox_timeout_s=1.0
        )
        deployment = Deployment(env, start_comptoir(settings))
        assert deployment.post({"documentId": PLP_ID}).status_code == 200  # read once
        own.stop()
        down = deployment.post({"documentId": PDP_ID, "variables": {"id": cases.PRODUCT_FULL}})
        assert down.status_code == 503 and _code(down) == "DOCUMENT_STORE_UNAVAILABLE"
        assert down.headers["retry-after"] == "1"
        # What this process has read never changes under its id: it still runs.
        assert deployment.post({"documentId": PLP_ID, "variables": {"first": 2}}).status_code == 200
        listed = deployment.cli("documents", "list")
        assert listed.exit_code == 1 and "unavailable" in listed.output
        own.start()
        deadline = time.monotonic() + 30
        while True:
            back = deployment.post({"documentId": PDP_ID, "variables": {"id": cases.PRODUCT_FULL}})
            if back.status_code == 200:
                break
            assert back.status_code == 503 and time.monotonic() < deadline, back.text
            time.sleep(0.1)
        assert back.json()["data"]["product"]


def test_get_takes_the_apq_shape_and_is_never_mistaken_for_a_browser(
    deployment: Deployment,
) -> None:
    apq = {"persistedQuery": {"version": 1, "sha256Hash": document_id_of(PLP_QUERY)}}
    params = {"extensions": json.dumps(apq), "variables": json.dumps({"first": 2})}
    response = deployment.get(params, Accept="text/html,application/json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert len(response.json()["data"]["productSearch"]["edges"]) == 2
    by_id = deployment.get({"documentId": PLP_ID}, Accept="text/html")
    assert by_id.status_code == 200 and by_id.json()["data"]["productSearch"]


def test_push_reads_a_map_of_ids_to_documents(deployment: Deployment, tmp_path: Path) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({PDP_ID: PDP_QUERY}))
    result = deployment.cli("documents", "push", "web", str(manifest))
    assert result.exit_code == 0, result.output
    assert f"{PDP_ID}  ProductPage  cost " in result.output
    response = deployment.post({"documentId": PDP_ID, "variables": {"id": cases.PRODUCT_FULL}})
    assert response.status_code == 200 and response.json()["data"]["product"]
