"""CORS per channel over real HTTP: preflights, answers, credentials, and nothing by default."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from comptoir.channels import ChannelsFileError, parse_channels
from tests.conftest import WEB_KEY, Comptoir
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.support.servers import ServerThread

SHOP = "https://shop.example.com"
APP = "https://app.example.com"
ELSEWHERE = "https://evil.example.net"
QUERY = '{ product(id: "P-00001") { id name } }'

CHANNELS = f"""
[channels.web]
key = "web-key"
price_list = "EUR-WEB"
currency = "EUR"
locale = "en"
allowed_origins = ["{SHOP}", "http://localhost:5173"]

[channels.app]
key = "app-key"
price_list = "EUR-WEB"
currency = "EUR"
locale = "fr"
allowed_origins = ["{APP}"]
allow_credentials = true

[channels.kiosk]
key = "kiosk-key"
price_list = "EUR-STORE"
currency = "EUR"
locale = "fr"
assortment = "store"
"""

ANY_ORIGIN = """
[channels.marketplace]
key = "marketplace-key"
price_list = "EUR-WEB"
currency = "EUR"
locale = "en"
allowed_origins = ["*"]
"""

BASE = """
[channels.web]
key = "web-key"
price_list = "EUR-WEB"
currency = "EUR"
locale = "en"
"""


@pytest.fixture
def cors_comptoir(start_comptoir: Callable[..., Comptoir], tmp_path: Path) -> Comptoir:
    path = tmp_path / "channels.toml"
    path.write_text(CHANNELS, encoding="utf-8")
    return start_comptoir(channels=path)


def _preflight(http: httpx.Client, origin: str, method: str = "POST") -> httpx.Response:
    return http.options(
        "/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type,x-channel-key,authorization,traceparent",
        },
    )


def _post(http: httpx.Client, origin: str | None, key: str | None) -> httpx.Response:
    headers = {"Origin": origin} if origin else {}
    if key:
        headers["X-Channel-Key"] = key
    return http.post("/graphql", json={"query": QUERY}, headers=headers)


def _cors(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def _vary(response: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in ",".join(response.headers.get_list("vary")).split(",") if v}


def test_a_preflight_from_a_listed_origin_allows_the_headers_comptoir_reads(
    cors_comptoir: Comptoir,
) -> None:
    response = _preflight(cors_comptoir.http, SHOP)
    assert response.status_code == 204
    cors = _cors(response)
    assert cors["access-control-allow-origin"] == SHOP
    assert set(cors["access-control-allow-methods"].split(", ")) == {"GET", "POST"}
    allowed = {h.strip().lower() for h in cors["access-control-allow-headers"].split(",")}
    assert {"x-channel-key", "authorization", "content-type", "traceparent"} <= allowed
    assert int(cors["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in cors
    assert "origin" in _vary(response)


def test_a_preflight_allows_credentials_only_to_an_origin_of_a_channel_that_allows_them(
    cors_comptoir: Comptoir,
) -> None:
    response = _preflight(cors_comptoir.http, APP)
    assert response.status_code == 204
    assert _cors(response)["access-control-allow-origin"] == APP
    assert _cors(response)["access-control-allow-credentials"] == "true"


def test_a_preflight_from_an_unlisted_origin_gets_no_cors_header(cors_comptoir: Comptoir) -> None:
    for origin in (
        ELSEWHERE,
        SHOP + "/",
        "http://shop.example.com",
        "https://shop.example.com:8443",
    ):
        response = _preflight(cors_comptoir.http, origin)
        assert response.status_code == 403, origin
        assert _cors(response) == {}, origin
    refused_method = _preflight(cors_comptoir.http, SHOP, method="DELETE")
    assert refused_method.status_code == 403
    assert _cors(refused_method) == {}


def test_an_answer_to_a_listed_origin_carries_cors_headers_of_its_channel(
    cors_comptoir: Comptoir,
) -> None:
    response = _post(cors_comptoir.http, SHOP, "web-key")
    assert response.status_code == 200
    assert response.json()["data"]["product"]["id"] == "P-00001"
    cors = _cors(response)
    assert cors["access-control-allow-origin"] == SHOP
    assert "access-control-allow-credentials" not in cors
    exposed = {h.strip().lower() for h in cors["access-control-expose-headers"].split(",")}
    assert {"etag", "x-comptoir-cache"} <= exposed
    assert {"origin", "x-channel-key"} <= _vary(response)

    with_credentials = _cors(_post(cors_comptoir.http, APP, "app-key"))
    assert with_credentials["access-control-allow-origin"] == APP
    assert with_credentials["access-control-allow-credentials"] == "true"


def test_an_origin_reads_only_the_channels_that_list_it(cors_comptoir: Comptoir) -> None:
    # The shop's origin may preflight (the web channel lists it), but answers of channels that
    # do not list it carry no CORS header: the browser keeps them from the page.
    for key in ("kiosk-key", "app-key"):
        response = _post(cors_comptoir.http, SHOP, key)
        assert response.status_code == 200
        assert _cors(response) == {}, key
        assert "origin" in _vary(response)
    assert _cors(_post(cors_comptoir.http, ELSEWHERE, "web-key")) == {}


def test_a_channel_listing_any_origin_answers_every_origin_without_credentials(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path
) -> None:
    path = tmp_path / "channels.toml"
    path.write_text(CHANNELS + ANY_ORIGIN, encoding="utf-8")
    comptoir = start_comptoir(channels=path)
    cors = _cors(_post(comptoir.http, ELSEWHERE, "marketplace-key"))
    assert cors["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in cors
    preflight = _preflight(comptoir.http, ELSEWHERE)
    assert preflight.status_code == 204
    assert _cors(preflight)["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in _cors(preflight)
    # A named origin keeps what its own channels allow it.
    assert _cors(_preflight(comptoir.http, APP))["access-control-allow-credentials"] == "true"
    assert _cors(_post(comptoir.http, ELSEWHERE, "web-key")) == {}


def test_a_refusal_before_the_channel_is_known_is_readable_by_a_listed_page(
    cors_comptoir: Comptoir,
) -> None:
    response = _post(cors_comptoir.http, SHOP, None)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert _cors(response)["access-control-allow-origin"] in (SHOP, "*")
    assert "access-control-allow-credentials" not in _cors(response)


def test_a_public_get_answer_varies_on_origin_for_caches(cors_comptoir: Comptoir) -> None:
    url = "/graphql"
    params = {"query": QUERY}
    first = cors_comptoir.http.get(url, params=params, headers={"X-Channel-Key": "web-key"})
    assert first.status_code == 200
    assert first.headers["cache-control"].startswith("public")
    assert {"origin", "x-channel-key"} <= _vary(first)
    assert _cors(first) == {}
    again = cors_comptoir.http.get(
        url,
        params=params,
        headers={
            "X-Channel-Key": "web-key",
            "Origin": SHOP,
            "If-None-Match": first.headers["etag"],
        },
    )
    assert again.status_code == 304
    assert _cors(again)["access-control-allow-origin"] == SHOP


def test_nothing_is_allowed_by_default(comptoir: Comptoir) -> None:
    preflight = _preflight(comptoir.http, SHOP)
    assert preflight.status_code == 403
    assert _cors(preflight) == {}
    answer = _post(comptoir.http, SHOP, WEB_KEY)
    assert answer.status_code == 200
    assert _cors(answer) == {}
    assert "origin" not in _vary(answer)
    plain = comptoir.http.options("/graphql")
    assert plain.status_code == 204
    assert plain.headers["allow"] == "GET, POST, OPTIONS"


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ('allowed_origins = "https://shop.example.com"', "must be a list of strings"),
        ('allowed_origins = ["https://shop.example.com/"]', "scheme, host and port only"),
        ('allowed_origins = ["shop.example.com"]', "scheme, host and port only"),
        ('allowed_origins = ["https://shop.example.com/app"]', "scheme, host and port only"),
        ('allowed_origins = ["*", "https://shop.example.com"]', '"*" stands alone'),
        ("allow_credentials = true", "allow_credentials needs allowed_origins"),
        ('allowed_origins = ["*"]\nallow_credentials = true', 'named origins, not "*"'),
        ('allowed_origins = ["https://a.example"]\nallow_credentials = "yes"', "true or false"),
    ],
)
def test_a_wrong_cors_setting_is_a_clear_error_of_the_channels_file(
    block: str, message: str
) -> None:
    with pytest.raises(ChannelsFileError, match=message) as error:
        parse_channels(BASE + block + "\n")
    assert "'web'" in str(error.value)


def test_origins_are_compared_as_browsers_send_them() -> None:
    channels = parse_channels(BASE + 'allowed_origins = ["HTTPS://Shop.Example.com:8443"]\n')
    assert channels.channels[0].allowed_origins == ("https://shop.example.com:8443",)


FETCH = """async ([url, key]) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-Channel-Key": key, "traceparent":
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      body: JSON.stringify({query: '{ product(id: "P-00001") { id } }'}),
    });
    return {status: response.status, body: await response.json(),
            served: response.headers.get("X-Comptoir-Cache")};
  } catch (error) {
    return {error: String(error)};
  }
}"""


def test_a_page_of_a_listed_origin_calls_its_channel_from_a_real_browser(
    start_comptoir: Callable[..., Comptoir], tmp_path: Path
) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    page_app = Starlette(
        routes=[Route("/", lambda _: HTMLResponse("<!doctype html><title>shop</title>"))]
    )
    with ServerThread(page_app) as shop:
        path = tmp_path / "channels.toml"
        path.write_text(CHANNELS.replace(SHOP, shop.url), encoding="utf-8")
        comptoir = start_comptoir(channels=path)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(shop.url + "/")
                url = comptoir.server.url + "/graphql"
                own = page.evaluate(FETCH, [url, "web-key"])
                other = page.evaluate(FETCH, [url, "kiosk-key"])
            finally:
                browser.close()
    # The browser asked first (X-Channel-Key is not a simple header), then read the answer.
    assert own.get("status") == 200, own
    assert own["body"]["data"]["product"]["id"] == "P-00001"
    assert own["served"] in ("MISS", "HIT")
    # Another channel's answer is kept from the page by the browser itself.
    assert "error" in other and "Failed to fetch" in other["error"], other
