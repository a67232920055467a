"""Keep answering when a source fails: stale values, partial answers, breakers, coalescing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from comptoir.sources.reference import cases
from comptoir.sources.registry import SOURCES

from tests.conftest import WEB_KEY, Comptoir, ReferenceSources, reference_settings
from tests.graph.queries import ME_QUERY, PDP_QUERY, PLP_QUERY
from tests.support.fault_proxy import FaultProxy
from tests.support.processes import wait_for

ACCOUNT = cases.CUSTOMER_OMNICHANNEL


@pytest.fixture
def proxy(reference: ReferenceSources) -> Iterator[FaultProxy]:
    """The reference sources behind a fault proxy."""
    running = FaultProxy(reference.server.url).start()
    yield running
    running.stop()


@pytest.fixture
def proxied(
    proxy: FaultProxy,
    reference: ReferenceSources,
    tmp_path: Path,
    start_comptoir: Callable[..., Comptoir],
) -> Callable[..., Comptoir]:
    """Start comptoir with every source behind the proxy."""

    def start(**overrides: object) -> Comptoir:
        urls = {f"{name}_url": proxy.url(name) for name in SOURCES.names()}
        return start_comptoir(reference_settings(reference, tmp_path, **{**urls, **overrides}))

    return start


def _burst(comptoir: Comptoir, count: int) -> list[httpx.Response]:
    """``count`` identical product-page queries sent at once."""

    async def send() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=comptoir.server.url, timeout=30) as client:
            request = {"query": PDP_QUERY, "variables": {"id": cases.PRODUCT_FULL}}
            headers = {"X-Channel-Key": WEB_KEY}
            return await asyncio.gather(
                *(client.post("/graphql", json=request, headers=headers) for _ in range(count))
            )

    return asyncio.run(send())


def _degraded(body: dict) -> list[dict]:
    return body.get("extensions", {}).get("degraded", [])


def test_stale_values_are_served_when_each_source_is_down(
    proxy: FaultProxy, proxied: Callable[..., Comptoir]
) -> None:
    for source in SOURCES.names():
        proxy.fault(source).max_age = 0  # every entry is stale at once: reads go upstream first
    comptoir = proxied(breaker_failures=1000)
    fresh_pdp = comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    fresh_me = comptoir.query(ME_QUERY, {"first": 5}, shopper=ACCOUNT)
    assert "degraded" not in fresh_pdp.get("extensions", {})
    for source in SOURCES.names():
        proxy.fault(source).down = True
    stale_pdp = comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    stale_me = comptoir.query(ME_QUERY, {"first": 5}, shopper=ACCOUNT)
    assert stale_pdp["data"] == fresh_pdp["data"]
    assert stale_me["data"] == fresh_me["data"]
    reported = {(d["source"], d["mode"]) for d in _degraded(stale_pdp) + _degraded(stale_me)}
    assert reported >= {
        ("pim", "stale"),
        ("dam", "stale"),
        ("erp", "stale"),
        ("crm", "stale"),
        ("oms", "stale"),
    }
    assert "errors" not in stale_pdp and "errors" not in stale_me


def test_partial_answer_when_erp_is_down_and_nothing_is_cached(
    proxy: FaultProxy, proxied: Callable[..., Comptoir]
) -> None:
    proxy.fault("erp").down = True
    comptoir = proxied()
    response = comptoir.post(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    assert response.status_code == 200
    body = response.json()
    product = body["data"]["product"]
    assert product["name"] and product["media"], "PIM and DAM fields are intact"
    assert all(v["price"] is None and v["availability"] is None for v in product["variants"])
    assert product["priceRange"] is None and product["availableForSale"] is None
    assert body["errors"] and all(
        e["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": "erp"} for e in body["errors"]
    )
    assert {"source": "erp", "mode": "unavailable"} in _degraded(body)


def test_open_breaker_stops_calls_to_the_source(
    proxy: FaultProxy, proxied: Callable[..., Comptoir]
) -> None:
    proxy.fault("dam").down = True
    comptoir = proxied(breaker_failures=2, breaker_reset_s=600, retry_attempts=1)
    for _ in range(2):
        comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    ready = comptoir.http.get("/readyz").json()
    assert ready["sources"]["dam"]["state"] == "open" and ready["status"] == "degraded"
    proxy.reset()
    body = comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_BOOTS})
    assert body["data"]["product"]["media"] is None
    assert proxy.reached("dam") == 0
    metrics = comptoir.http.get("/metrics").text
    assert 'comptoir_breaker_state{source="dam"} 2.0' in metrics


def test_fifty_concurrent_cold_queries_share_one_upstream_request_per_collection(
    proxy: FaultProxy, proxied: Callable[..., Comptoir]
) -> None:
    comptoir = proxied()
    proxy.fault("erp").delay_s = 0.3  # keep the first fetch in flight while the others arrive
    proxy.reset()

    responses = _burst(comptoir, 50)
    assert all(r.status_code == 200 and "errors" not in r.json() for r in responses)
    assert proxy.reached("erp", "/prices") == 1
    assert proxy.reached("erp", "/stock") == 1
    assert proxy.reached("pim", "/products") == 1


def test_readyz_and_metrics_when_all_is_well(comptoir: Comptoir) -> None:
    comptoir.query(PLP_QUERY, {"first": 3})
    ready = comptoir.http.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["cache"] == {"backend": "memory", "mode": "in-process", "status": "up"}
    assert ready["stateless"] is False  # the outbox is a local SQLite file, the cache in-process
    assert set(ready["sources"]) == set(SOURCES.names())
    text = comptoir.http.get("/metrics").text
    assert "comptoir_source_requests_total" in text and "comptoir_cache_lookups_total" in text
    assert comptoir.http.get("/healthz").status_code == 200


def test_stale_while_revalidate_answers_at_once_and_refreshes_once(
    proxy: FaultProxy, proxied: Callable[..., Comptoir]
) -> None:
    proxy.fault("erp").max_age = 0
    comptoir = proxied(cache_swr_collections="erp.prices")
    comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    proxy.reset()

    proxy.fault("erp").delay_s = 0.5  # the refresh is slow; answers must not wait for it
    bodies = [r.json() for r in _burst(comptoir, 10)]
    assert all({"source": "erp", "mode": "stale"} in _degraded(b) for b in bodies)
    wait_for(lambda: proxy.answered("erp", "/prices") >= 1)  # the refresh is back
    assert proxy.reached("erp", "/prices") == 1, (
        "one background refresh for every concurrent request"
    )
