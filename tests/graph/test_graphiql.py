"""comptoir's own GraphiQL page and assets over HTTP: same origin only, cached for a year."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import httpx
from comptoir.graph.graphiql import EXAMPLE_QUERY, graphiql_page
from graphql import parse

from tests.conftest import WEB_KEY, Comptoir

PACKAGED = files("comptoir.graph").joinpath("graphiql_assets")
DEMO_CHANNELS = files("comptoir").joinpath("demo", "channels.toml")
PAGE_URLS = re.compile(r'(?:src|href)="([^"]*)"')
CONFIG = re.compile(r'<script id="comptoir-graphiql-config" type="application/json">(.*?)</script>')


def _page(http: httpx.Client) -> httpx.Response:
    return http.get("/graphql", headers={"Accept": "text/html"})


def _config(html: str) -> dict[str, str]:
    match = CONFIG.search(html)
    assert match is not None
    config: dict[str, str] = json.loads(match.group(1))
    return config


def test_page_loads_only_assets_of_its_own_origin(comptoir: Comptoir) -> None:
    response = _page(comptoir.http)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy
    urls = PAGE_URLS.findall(response.text)
    assert urls, "the page loads its scripts and styles"
    for url in urls:
        assert url.startswith(("/graphql/assets/", "data:")), url
    assert "unpkg" not in response.text and "cdn" not in response.text.lower()


def test_every_asset_of_the_page_is_served_immutable_with_its_content_type(
    comptoir: Comptoir,
) -> None:
    urls = [u for u in PAGE_URLS.findall(_page(comptoir.http).text) if u.startswith("/graphql/")]
    assert {Path(u).suffix for u in urls} == {".js", ".css"}
    for url in urls:
        response = comptoir.http.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        expected_type = "text/javascript" if url.endswith(".js") else "text/css"
        assert response.headers["content-type"].split(";")[0] == expected_type
        assert response.headers["x-content-type-options"] == "nosniff"
        # The name carries the content's hash: a changed file is a new URL, never a stale copy.
        stem, digest, suffix = Path(url).name.rsplit(".", 2)
        assert hashlib.sha256(response.content).hexdigest()[:12] == digest
        assert response.content == PACKAGED.joinpath(f"{stem}.{suffix}").read_bytes()


def test_assets_are_gzipped_for_browsers_that_accept_it(comptoir: Comptoir) -> None:
    url = next(
        u
        for u in PAGE_URLS.findall(_page(comptoir.http).text)
        if "/graphiql-3.8.3.min." in u and u.endswith(".js")
    )
    plain = comptoir.http.get(url, headers={"Accept-Encoding": "identity"})
    with comptoir.http.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as zipped:
        raw = b"".join(zipped.iter_raw())
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert len(raw) < len(plain.content) / 2
    assert gzip.decompress(raw) == plain.content


def test_unknown_assets_are_404(comptoir: Comptoir) -> None:
    for path in (
        "/graphql/assets/graphiql-3.8.3.min.js",  # the file's own name, without its hash
        "/graphql/assets/page.html",
        "/graphql/assets/README.md",
        "/graphql/assets/..%2Fgraphiql.py",
        "/graphql/assets/licenses%2Freact.LICENSE",
    ):
        response = comptoir.http.get(path)
        assert response.status_code == 404, path


def test_root_sends_a_browser_to_graphiql(comptoir: Comptoir) -> None:
    response = comptoir.http.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["location"] == "/graphql"


def test_page_opens_on_the_category_example_with_the_demo_web_key(comptoir: Comptoir) -> None:
    config = _config(_page(comptoir.http).text)
    assert json.loads(config["headers"]) == {"X-Channel-Key": WEB_KEY}
    assert config["exampleQuery"] == EXAMPLE_QUERY
    # The example is a query that runs as it stands, on the demo data.
    body = comptoir.query(EXAMPLE_QUERY)
    assert "errors" not in body, body
    category = body["data"]["category"]
    assert category["children"] and category["products"]["edges"]


def test_configured_channels_get_a_blank_key_to_fill_in(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path
) -> None:
    channels = tmp_path / "channels.toml"
    channels.write_text(DEMO_CHANNELS.read_text(encoding="utf-8"), encoding="utf-8")
    configured = start_comptoir(channels=channels)
    html = _page(configured.http).text
    assert json.loads(_config(html)["headers"]) == {"X-Channel-Key": ""}
    assert WEB_KEY not in html


def test_page_config_cannot_close_its_script_element() -> None:
    html = bytes(graphiql_page("</script><script>alert(1)</script>").body).decode()
    config = _config(html)
    assert json.loads(config["headers"])["X-Channel-Key"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_example_query_is_one_operation_with_a_comment_on_headers() -> None:
    document = parse(EXAMPLE_QUERY)
    assert len(document.definitions) == 1
    assert "X-Channel-Key" in EXAMPLE_QUERY
