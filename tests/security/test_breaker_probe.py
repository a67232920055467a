"""A half-open probe that raises anything still ends: a source back in health is used again.

Before, only timeouts, transport errors and cancellation released the probe;
any other exception (``httpx.InvalidURL`` from an over-long id, a
``UnicodeEncodeError``, a bug) left it "in flight" for good, the source
refused until a restart. Here the PIM is taken down (its breaker opens), the
probe that follows raises, the PIM is healthy again: the next request within
one reset period reaches it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from comptoir.graph.app import create_app
from comptoir.sources.reference import cases

from comptoir.settings import DEMO_JWT_SECRET, Settings
from tests.conftest import Comptoir, WriteSources
from tests.support.processes import wait_for
from tests.support.servers import ServerThread

RESET_S = 0.5


class RaisingTransport(httpx.AsyncBaseTransport):
    """Real HTTP to the sources; raises ``error`` once on the next request to ``source``."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.source: str | None = None
        self.error: BaseException | None = None
        self.raised = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.error is not None and request.url.path.startswith(f"/{self.source}/"):
            error, self.error = self.error, None
            self.raised += 1
            raise error
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


@pytest.fixture
def raising(
    write_sources: WriteSources, tmp_path: Path
) -> Iterator[tuple[Comptoir, RaisingTransport]]:
    transport = RaisingTransport()
    settings = Settings(
        data_dir=tmp_path / "state",
        jwt_secret=DEMO_JWT_SECRET,
        breaker_failures=1,
        breaker_reset_s=RESET_S,
        retry_attempts=1,
        response_cache=False,
        **write_sources.urls(),  # type: ignore[arg-type]
    )
    server = ServerThread(create_app(settings, upstream=transport)).start()
    client = Comptoir(server, httpx.Client(base_url=server.url, timeout=30))
    yield client, transport
    client.http.close()
    server.stop()


def product(comptoir: Comptoir, n: int) -> dict:
    # A new id each time: never answered from the cache.
    return comptoir.query("query($id: ID!) { product(id: $id) { id } }", {"id": f"P-{n:05d}"})


def pim_state(comptoir: Comptoir) -> str:
    state: str = comptoir.http.get("/readyz").json()["sources"]["pim"]["state"]
    return state


@pytest.mark.parametrize(
    "error",
    [
        httpx.InvalidURL("URL component 'query' too long"),
        UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
        RuntimeError("a bug anywhere on the way"),
        KeyError("anything at all"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_probe_that_raises_releases_the_breaker(
    raising: tuple[Comptoir, RaisingTransport], write_sources: WriteSources, error: BaseException
) -> None:
    comptoir, transport = raising
    assert product(comptoir, 1)["data"]["product"] == {"id": "P-00001"}

    write_sources.proxy.fault("pim").down = True
    body = product(comptoir, 2)
    assert body.get("errors"), body
    assert body["errors"][0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert pim_state(comptoir) == "open"

    # The PIM is healthy again, but the probe that follows raises.
    write_sources.proxy.fault("pim").down = False
    transport.source, transport.error = "pim", error
    n = iter(range(100, 10_000))
    wait_for(lambda: product(comptoir, next(n)) is not None and transport.raised == 1, RESET_S * 20)

    # The very next request probes again, reaches the PIM and closes the breaker.
    assert product(comptoir, 8)["data"]["product"] == {"id": "P-00008"}
    assert pim_state(comptoir) == "closed"


def test_a_cart_whose_promotion_request_cannot_be_sent_falls_back(
    raising: tuple[Comptoir, RaisingTransport],
) -> None:
    """A coupon that could not be written to the promotion engine: list prices, degraded."""
    comptoir, transport = raising
    transport.source = "promo"
    transport.error = UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    body = comptoir.query(
        "query($input: CartInput!) { cart(input: $input) { total { amount } loyaltyPoints } }",
        {
            "input": {
                "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
                "couponCodes": ["WELCOME10"],
            }
        },
    )
    assert transport.raised == 1 and "errors" not in body, body
    assert body["data"]["cart"]["total"]["amount"] and body["data"]["cart"]["loyaltyPoints"] is None
    assert {"source": "promo", "mode": "fallback"} in body["extensions"]["degraded"]
    assert pim_state(comptoir) == "closed"
    promo = comptoir.http.get("/readyz").json()["sources"]["promo"]
    assert promo["state"] == "closed" and "not sent" in promo["lastError"]
