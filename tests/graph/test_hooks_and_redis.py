"""Change events invalidate in every process sharing Redis; a Redis outage is a miss, never an error."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
import redis as redis_client
from comptoir.cache.keys import item_key
from comptoir.graph.hooks import signature_of
from comptoir.sources.reference import cases

from tests.conftest import Comptoir, ReferenceSources
from tests.graph.queries import PDP_QUERY
from tests.support.redis_server import RedisServer

SECRET = "erp-hook-secret-for-tests"  # noqa: S105  # a test value


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A real redis-server of this test's own."""
    with RedisServer() as server:
        yield server


def _post_event(comptoir: Comptoir, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Comptoir-Signature"] = signature
    return comptoir.http.post("/hooks/erp", content=body, headers=headers).status_code


def _event(*skus: str) -> bytes:
    return json.dumps({"events": [{"collection": "prices", "ids": list(skus)}]}).encode()


def _wait_until_in_redis(redis: RedisServer, key: str) -> None:
    """Entries reach Redis just after the answer (write-behind): wait for one."""
    client = redis_client.Redis.from_url(redis.url)
    try:
        deadline = time.monotonic() + 10
        while not client.exists(key):
            assert time.monotonic() < deadline, f"{key} never reached Redis"
            time.sleep(0.01)
    finally:
        client.close()


def test_signed_event_invalidates_in_every_process_sharing_redis(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources, redis: RedisServer
) -> None:
    first = start_comptoir(redis_url=redis.url, erp_hook_secret=SECRET)
    second = start_comptoir(redis_url=redis.url, erp_hook_secret=SECRET)
    first.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    _wait_until_in_redis(redis, item_key("erp", "prices", cases.SKU_FULL))
    reference.counter.reset()
    second.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    assert reference.counter.total() == 0, "the second process reads what the first cached"

    body = _event(cases.SKU_FULL)
    assert _post_event(first, body, signature_of(SECRET, body)) == 202
    reference.counter.reset()
    second.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    assert reference.counter.snapshot() == {("erp", "/prices"): 1}


def test_badly_signed_event_changes_nothing(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources
) -> None:
    comptoir = start_comptoir(erp_hook_secret=SECRET)
    comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    body = _event(cases.SKU_FULL)
    assert _post_event(comptoir, body, None) == 401
    assert _post_event(comptoir, body, signature_of("wrong-secret", body)) == 401
    assert _post_event(comptoir, body + b" ", signature_of(SECRET, body)) == 401
    reference.counter.reset()
    comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    assert reference.counter.total() == 0


def test_hooks_refuse_oversized_and_malformed_bodies(
    start_comptoir: Callable[..., Comptoir],
) -> None:
    comptoir = start_comptoir(erp_hook_secret=SECRET)
    big = b"{" + b" " * 300_000 + b"}"
    assert _post_event(comptoir, big, signature_of(SECRET, big)) == 413
    malformed = b'{"events": "nope"}'
    assert _post_event(comptoir, malformed, signature_of(SECRET, malformed)) == 400


def test_hooks_without_a_secret_are_refused(comptoir: Comptoir) -> None:
    body = _event(cases.SKU_FULL)
    assert _post_event(comptoir, body, signature_of("", body)) == 401


def test_redis_killed_mid_run_then_back(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources, redis: RedisServer
) -> None:
    local_ttl_s = 0.3
    comptoir = start_comptoir(
        redis_url=redis.url, redis_breaker_reset_s=0.5, cache_local_ttl_s=local_ttl_s
    )
    expected = comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})["data"]
    redis.kill()
    for _ in range(3):
        body = comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
        assert body["data"] == expected and "errors" not in body
    assert comptoir.http.get("/readyz").json()["cache"]["status"] == "down"
    redis.start()
    deadline = time.monotonic() + 20
    while True:  # the first queries after the breaker's reset write the cache again
        assert comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})["data"] == expected
        if comptoir.http.get("/readyz").json()["cache"]["status"] == "up":
            break
        assert time.monotonic() < deadline, "Redis was not used again after it came back"
        time.sleep(0.1)
    _wait_until_in_redis(redis, item_key("erp", "prices", cases.SKU_FULL))
    time.sleep(local_ttl_s * 2)  # the in-process tier has forgotten: what answers now is Redis
    reference.counter.reset()
    body = comptoir.query(PDP_QUERY, {"id": cases.PRODUCT_FULL})
    assert reference.counter.total() == 0, "warm answers come from Redis again"
    assert body["data"] == expected
