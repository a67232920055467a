"""The response cache: whole public answers stored, never a shopper's, dropped by change events."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from comptoir.graph.answers import PRIVATE_ROOTS, PUBLIC_ROOTS
from comptoir.graph.hooks import signature_of
from comptoir.graph.schema import build_schema
from comptoir.sources.reference import cases

from comptoir.settings import DEMO_JWT_SECRET
from tests.conftest import STORE_KEY, TABLET_KEY, WEB_KEY, Comptoir, ReferenceSources, WriteSources
from tests.graph.queries import ME_QUERY, PLP_QUERY
from tests.support.processes import ComptoirProcess, wait_for
from tests.support.redis_server import RedisServer

SECRET = "erp-hook-secret-for-tests"  # noqa: S105  # a test value
PAGE = {"first": 6}
PRICE_QUERY = """
query Price($sku: ID!) { variant(sku: $sku) { sku price { amount { amount } priceList } } }
"""


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A real redis-server of this test's own."""
    with RedisServer() as server:
        yield server


def _served(response: httpx.Response) -> str:
    return response.headers.get("x-comptoir-cache", "")


def _price(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return str(body["data"]["variant"]["price"]["amount"]["amount"])


def _event(*skus: str) -> bytes:
    return json.dumps({"events": [{"collection": "prices", "ids": list(skus)}]}).encode()


def _send_event(url: str, body: bytes) -> None:
    response = httpx.post(
        f"{url}/hooks/erp",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Comptoir-Signature": signature_of(SECRET, body),
        },
    )
    assert response.status_code == 202, response.text


def test_every_root_field_is_classified_public_or_private() -> None:
    fields = set(build_schema()._schema.query_type.fields)  # type: ignore[union-attr]
    assert not PUBLIC_ROOTS & PRIVATE_ROOTS
    assert fields == PUBLIC_ROOTS | PRIVATE_ROOTS, "classify every root field of Query"


def test_a_public_answer_is_stored_and_served_whole(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    first = comptoir.post(PLP_QUERY, PAGE)
    reference.counter.reset()
    second = comptoir.post(PLP_QUERY, PAGE)

    assert (_served(first), _served(second)) == ("MISS", "HIT")
    assert second.content == first.content
    assert reference.counter.total() == 0
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"].startswith("public, max-age=")
    assert "X-Channel-Key" in second.headers["vary"]


def test_one_channels_answer_is_never_given_to_another(comptoir: Comptoir) -> None:
    variables = {"sku": cases.SKU_NO_STORE_PRICE}
    web = comptoir.post(PRICE_QUERY, variables, key=WEB_KEY)
    store = comptoir.post(PRICE_QUERY, variables, key=STORE_KEY)
    web_again = comptoir.post(PRICE_QUERY, variables, key=WEB_KEY)

    assert _served(store) == "MISS" and _served(web_again) == "HIT"
    assert web.json()["data"]["variant"]["price"]["priceList"] == "EUR-WEB"
    assert store.json()["data"]["variant"]["price"] is None, "no store price for this sku"
    assert store.json()["extensions"]["context"]["priceList"] == "EUR-STORE"


def test_one_locales_answer_is_never_given_to_another(comptoir: Comptoir) -> None:
    query = f'query {{ product(id: "{cases.PRODUCT_FULL}") {{ name }} }}'
    english = comptoir.post(query, key=WEB_KEY)
    french = comptoir.post(query, key="demo-app-key")  # same price list, French by default

    assert _served(french) == "MISS"
    assert english.json()["data"] != french.json()["data"]
    assert french.json()["extensions"]["context"]["locale"] == "fr"


def test_a_shoppers_answer_is_private_and_never_stored(comptoir: Comptoir) -> None:
    first = comptoir.post(ME_QUERY, {"first": 2}, shopper="CU-100001")
    second = comptoir.post(ME_QUERY, {"first": 2}, shopper="CU-100002")

    for response in (first, second):
        assert response.headers["cache-control"] == "private, no-store"
        assert "etag" not in response.headers and "x-comptoir-cache" not in response.headers
    assert first.json()["data"]["me"]["id"] == "CU-100001"
    assert second.json()["data"]["me"]["id"] == "CU-100002"


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ('query { order(id: "O-1") { id } }', WEB_KEY),
        ('query { customer(id: "CU-100001") { id } }', TABLET_KEY),
        (
            f'query {{ cart(input: {{lines: [{{sku: "{cases.SKU_FULL}", quantity: 1}}]}})'
            " { total { amount } } }",
            WEB_KEY,
        ),
        (
            'query { _entities(representations: [{__typename: "Customer", id: "CU-100001"}])'
            " { ... on Customer { id } } }",
            TABLET_KEY,
        ),
        (f'query {{ me {{ id }} product(id: "{cases.PRODUCT_FULL}") {{ id }} }}', WEB_KEY),
    ],
)
def test_reads_of_shopper_data_are_private(comptoir: Comptoir, query: str, key: str) -> None:
    for _ in range(2):
        response = comptoir.post(query, key=key, shopper="CU-100001")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, no-store"
        assert "x-comptoir-cache" not in response.headers


def test_a_matching_if_none_match_gets_304_without_a_body(comptoir: Comptoir) -> None:
    etag = comptoir.post(PLP_QUERY, PAGE).headers["etag"]

    for given in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = comptoir.post(PLP_QUERY, PAGE, headers={"If-None-Match": given})
        assert response.status_code == 304 and response.content == b""
        assert response.headers["etag"] == etag
    assert comptoir.post(PLP_QUERY, PAGE, headers={"If-None-Match": '"other"'}).status_code == 200


def test_get_queries_are_cached_like_posts(comptoir: Comptoir) -> None:
    params = {"query": PLP_QUERY, "variables": json.dumps(PAGE)}
    headers = {"X-Channel-Key": WEB_KEY}
    first = comptoir.http.get("/graphql", params=params, headers=headers)
    second = comptoir.http.get(
        "/graphql", params=params, headers={**headers, "If-None-Match": first.headers["etag"]}
    )
    third = comptoir.http.get("/graphql", params=params, headers=headers)

    assert first.status_code == 200 and first.headers["cache-control"].startswith("public")
    assert second.status_code == 304
    assert _served(third) == "HIT" and third.content == first.content


def test_a_mutation_sent_with_get_is_refused(comptoir: Comptoir) -> None:
    query = (
        'mutation { redeemLoyaltyPoints(points: 1, idempotencyKey: "k") { userErrors { code } } }'
    )
    response = comptoir.http.get(
        "/graphql", params={"query": query}, headers={"X-Channel-Key": WEB_KEY}
    )
    assert response.status_code == 405 and response.headers["allow"] == "POST"


def test_an_answer_with_errors_is_not_stored(comptoir: Comptoir) -> None:
    for _ in range(2):
        response = comptoir.post(PLP_QUERY, {"first": 101})
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert response.headers["cache-control"] == "no-store"
        assert _served(response) == "MISS"


def test_freshness_never_exceeds_the_shortest_lived_entry_read(
    write_sources: WriteSources, start_comptoir: Callable[..., Comptoir]
) -> None:
    write_sources.proxy.fault("erp").max_age = 0
    comptoir = start_comptoir(**write_sources.urls())
    query = f'query {{ variant(sku: "{cases.SKU_FULL}") {{ price {{ amount {{ amount }} }} }} }}'
    assert [_served(comptoir.post(query)) for _ in range(2)] == ["MISS", "MISS"]

    write_sources.proxy.fault("erp").max_age = 5
    response = comptoir.post(PLP_QUERY, PAGE)
    assert 0 < int(response.headers["cache-control"].rpartition("=")[2]) <= 5
    assert _served(comptoir.post(PLP_QUERY, PAGE)) == "HIT"


def test_an_answer_is_not_fresh_past_the_next_change_of_a_price_it_shows(
    write_sources: WriteSources, start_comptoir: Callable[..., Comptoir]
) -> None:
    comptoir = start_comptoir(**write_sources.urls())
    starts = datetime.now(UTC) + timedelta(seconds=3)
    write_sources.add_price_row(cases.SKU_FULL, "EUR-WEB", "11.10", starts.isoformat())
    variables = {"sku": cases.SKU_FULL}

    before = comptoir.post(PRICE_QUERY, variables)

    assert _price(before) != "11.10"
    assert int(before.headers["cache-control"].rpartition("=")[2]) <= 3
    wait_for(lambda: datetime.now(UTC) >= starts)
    assert _price(comptoir.post(PRICE_QUERY, variables)) == "11.10"


def test_a_change_event_changes_the_very_next_answer_of_every_process_sharing_redis(
    write_sources: WriteSources, start_comptoir: Callable[..., Comptoir], redis: RedisServer
) -> None:
    settings = {**write_sources.urls(), "redis_url": redis.url, "erp_hook_secret": SECRET}
    first, second = start_comptoir(**settings), start_comptoir(**settings)
    variables = {"sku": cases.SKU_FULL}
    before = _price(second.post(PRICE_QUERY, variables))
    wait_for(lambda: _served(first.post(PRICE_QUERY, variables)) == "HIT")
    assert _served(second.post(PRICE_QUERY, variables)) == "HIT"

    write_sources.set_price(cases.SKU_FULL, "EUR-WEB", "77.70")
    _send_event(first.server.url, _event(cases.SKU_FULL))

    assert before != "77.70"
    assert _price(second.post(PRICE_QUERY, variables)) == "77.70"
    assert _price(first.post(PRICE_QUERY, variables)) == "77.70"


def test_a_stored_answer_past_freshness_is_served_stale_when_its_source_fails(
    write_sources: WriteSources, start_comptoir: Callable[..., Comptoir]
) -> None:
    # A tiny in-process cache: the entries the answer read are evicted, the answer is kept.
    comptoir = start_comptoir(**write_sources.urls(), cache_memory_entries=3)
    write_sources.proxy.fault("erp").max_age = 2
    query = (
        f'query {{ variant(sku: "{cases.SKU_FULL}") {{ sku price {{ amount {{ amount }} }} }} }}'
    )
    stored = comptoir.post(query)
    assert _served(stored) == "MISS" and stored.headers["cache-control"] != "no-store"
    time.sleep(2.1)  # the answer's freshness (the prices' max-age) has passed
    write_sources.proxy.fault("erp").down = True

    stale = comptoir.post(query)

    assert _served(stale) == "STALE" and stale.headers["cache-control"] == "no-store"
    assert stale.json()["data"] == stored.json()["data"]
    assert stale.json()["extensions"]["degraded"] == [{"source": "erp", "mode": "stale"}]


def test_answers_stay_correct_while_redis_is_killed_and_restarted(
    start_comptoir: Callable[..., Comptoir], reference: ReferenceSources, redis: RedisServer
) -> None:
    comptoir = start_comptoir(redis_url=redis.url, redis_breaker_reset_s=0.5, cache_local_ttl_s=0.3)
    expected = comptoir.post(PLP_QUERY, PAGE).json()["data"]
    redis.kill()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:  # past the in-process tier's bound, without Redis
        body = comptoir.post(PLP_QUERY, PAGE).json()
        assert body["data"] == expected and "errors" not in body
    redis.start()
    wait_for(lambda: _served(comptoir.post(PLP_QUERY, PAGE)) == "HIT")
    assert comptoir.post(PLP_QUERY, PAGE).json()["data"] == expected


class Workers:
    """``comptoir serve --workers 2`` in a process group of its own."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = ComptoirProcess(
            env,
            ("-m", "comptoir.cli", "serve", "--workers", "2", "--log-level", "warning"),
        )

    def __enter__(self) -> ComptoirProcess:
        return self.process.start()

    def __exit__(self, *exc: object) -> None:
        process = self.process.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _fresh_connection_price(url: str, sku: str) -> str:
    """One request on a new connection, so that requests spread over the workers."""
    response = httpx.post(
        f"{url}/graphql",
        json={"query": PRICE_QUERY, "variables": {"sku": sku}},
        headers={"X-Channel-Key": WEB_KEY, "Connection": "close"},
    )
    return _price(response)


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "memory"])
def test_an_invalidation_reaches_every_worker(
    write_sources: WriteSources, tmp_path: Any, with_redis: bool, request: pytest.FixtureRequest
) -> None:
    env = {f"COMPTOIR_{name.upper()}": url for name, url in write_sources.urls().items()}
    env |= {
        "COMPTOIR_ERP_HOOK_SECRET": SECRET,
        "COMPTOIR_DATA_DIR": str(tmp_path / "state"),
        "COMPTOIR_JWT_SECRET": DEMO_JWT_SECRET,
    }
    if with_redis:
        env["COMPTOIR_REDIS_URL"] = request.getfixturevalue("redis").url
    with Workers(env) as workers:
        before = {_fresh_connection_price(workers.url, cases.SKU_FULL) for _ in range(12)}
        write_sources.set_price(cases.SKU_FULL, "EUR-WEB", "66.60")
        _send_event(workers.url, _event(cases.SKU_FULL))
        after = {_fresh_connection_price(workers.url, cases.SKU_FULL) for _ in range(12)}
        metrics = httpx.get(f"{workers.url}/metrics").text

    assert len(before) == 1 and before != {"66.60"}
    assert after == {"66.60"}
    answered = [
        float(line.rpartition(" ")[2])
        for line in metrics.splitlines()
        if line.startswith("comptoir_graphql_requests_total{")
    ]
    assert sum(answered) == 24, "/metrics adds up every worker's requests"
    assert not list((tmp_path / "state").glob("run/workers-*")), "the sockets' folder is removed"
    assert os.environ.get("COMPTOIR_WORKERS_DIR") is None
