"""The shared source client over ``httpx.MockTransport``: retries, breaker, errors, batching."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from comptoir.sources.errors import (
    CircuitOpen,
    SourceRejected,
    SourceResponseInvalid,
    SourceUnavailable,
)
from comptoir.sources.http import SourceClient, max_age_of
from comptoir.sources.upstream import HttpxUpstream

from comptoir.breaker import CircuitBreaker

Handler = Callable[[httpx.Request], httpx.Response]


def client_of(handler: Handler, *, failures: int = 5, attempts: int = 2) -> SourceClient:
    http = HttpxUpstream("http://erp.test", httpx.MockTransport(handler))
    return SourceClient(
        name="erp", http=http, breaker=CircuitBreaker(failures, 60.0), retry_attempts=attempts
    )


def answer(items: list[dict[str, object]], max_age: int | None = None) -> httpx.Response:
    headers = {"cache-control": f"max-age={max_age}"} if max_age is not None else {}
    return httpx.Response(200, json={"items": items}, headers=headers)


async def test_an_unavailable_read_is_retried_once_and_then_answers() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503) if len(calls) == 1 else answer([{"sku": "S-1"}])

    response = await client_of(handler).get("/stock", {"skus": "S-1"}, "stock")
    assert response.body == {"items": [{"sku": "S-1"}]}
    assert calls == ["/stock", "/stock"]


async def test_a_read_gives_up_after_its_attempts() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(502)

    with pytest.raises(SourceUnavailable) as raised:
        await client_of(handler, attempts=3).get("/stock", {}, "stock")
    assert calls == 3
    assert raised.value.source == "erp"


async def test_a_rejected_read_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(400, json={"error": "too_many_ids", "message": "at most 100"})

    with pytest.raises(SourceRejected) as raised:
        await client_of(handler).get("/prices", {}, "prices")
    assert calls == 1
    assert (raised.value.status, raised.value.error) == (400, "too_many_ids")


async def test_a_write_is_never_retried_blindly() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        assert request.headers["idempotency-key"] == "k-1"
        return httpx.Response(503)

    with pytest.raises(SourceUnavailable):
        await client_of(handler).post("/orders", {"lines": []}, "orders", "k-1")
    assert calls == 1


async def test_the_breaker_opens_and_then_no_call_reaches_the_source() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused", request=request)

    client = client_of(handler, failures=2, attempts=1)
    for _ in range(2):
        with pytest.raises(SourceUnavailable):
            await client.get("/stock", {}, "stock")
    with pytest.raises(CircuitOpen):
        await client.get("/stock", {}, "stock")
    assert calls == 2
    assert client.breaker.state == "open"
    assert client.health.last_error is not None and "unreachable" in client.health.last_error


async def test_malformed_json_is_an_invalid_answer_not_an_outage() -> None:
    client = client_of(lambda request: httpx.Response(200, content=b"{not json"))
    with pytest.raises(SourceResponseInvalid):
        await client.get("/stock", {}, "stock")
    assert client.breaker.state == "closed" and client.breaker.consecutive_failures == 0


async def test_a_batch_is_split_in_requests_of_100_ids_and_keeps_the_least_max_age() -> None:
    asked: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        skus = request.url.params["skus"].split(",")
        asked.append(skus)
        return answer([{"sku": s} for s in skus], max_age=30 if len(skus) == 100 else 10)

    ids = [f"S-{n}" for n in range(250)]
    items, max_age = await client_of(handler).get_batch("/stock", "skus", ids, "stock")
    assert sorted(len(chunk) for chunk in asked) == [50, 100, 100]
    assert [item["sku"] for item in items] == ids
    assert max_age == 10


async def test_an_answer_without_an_items_list_is_invalid() -> None:
    client = client_of(lambda request: httpx.Response(200, content=json.dumps({"rows": []})))
    with pytest.raises(SourceResponseInvalid):
        await client.get_batch("/stock", "skus", ["S-1"], "stock")


def test_max_age_reads_cache_control() -> None:
    def of(header: str | None) -> float | None:
        return max_age_of(header)

    assert of(None) is None
    assert of("public, max-age=60") == 60.0
    assert of("no-store") == 0.0
    assert of("private") is None
