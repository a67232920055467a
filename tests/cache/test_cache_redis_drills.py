"""comptoir on a Redis Cluster and on Sentinel: a master lost under load, then back (real processes).

The in-process tier is off (``cache_local_ttl_s=0``), so that every answer
reads Redis: a warm answer that makes no upstream request proves its
entries (or, with the response cache on, the stored answer) were there.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from comptoir.graph.hooks import signature_of
from comptoir.sources.reference import cases

from tests.conftest import Comptoir, ReferenceSources, WriteSources
from tests.graph.queries import PDP_QUERY, PLP_QUERY
from tests.support.postgres_server import PostgresServer
from tests.support.processes import wait_for
from tests.support.redis_cluster import RedisCluster
from tests.support.redis_sentinel import RedisSentinelSet

SECRET = "erp-hook-secret-for-tests"  # noqa: S105  # a test value
PRICE_QUERY = """
query Price($sku: ID!) { variant(sku: $sku) { sku price { amount { amount } priceList } } }
"""
PAGES: list[tuple[str, dict[str, Any]]] = [
    (PLP_QUERY, {"categoryId": "C-women", "first": 12}),
    (PLP_QUERY, {"categoryId": cases.CATEGORY_WITH_SUBCATEGORIES, "first": 12}),
    *[(PDP_QUERY, {"id": p}) for p in (cases.PRODUCT_FULL, cases.PRODUCT_BOOTS)],
]


@pytest.fixture
def sentinel_set() -> Iterator[RedisSentinelSet]:
    """A master, its replica and a Sentinel of this test's own."""
    with RedisSentinelSet() as servers:
        yield servers


def start_on(
    start_comptoir: Callable[..., Comptoir], url: str, *, response_cache: bool = False
) -> Comptoir:
    return start_comptoir(
        redis_url=url,
        redis_breaker_reset_s=0.5,
        cache_local_ttl_s=0,
        response_cache=response_cache,
    )


def answers(comptoir: Comptoir) -> list[dict[str, Any]]:
    return [comptoir.query(query, variables) for query, variables in PAGES]


def warm_answers_need_no_upstream(comptoir: Comptoir, reference: ReferenceSources) -> bool:
    """Whether a round of every page made no upstream request (entries are written just after)."""
    reference.counter.reset()
    answers(comptoir)
    return reference.counter.total() == 0


class Load:
    """Threads asking every page in turn until stopped; each answer checked against ``expected``."""

    def __init__(self, comptoir: Comptoir, expected: list[dict[str, Any]], threads: int = 3):
        self.comptoir = comptoir
        self.expected = expected
        self.answered = 0
        self.wrong: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        while not self._stop.is_set():
            for body, expected in zip(answers(self.comptoir), self.expected, strict=True):
                with self._lock:
                    self.answered += 1
                    if "errors" in body or body.get("data") != expected["data"]:
                        self.wrong.append(body)

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def wait_answers(self, more: int) -> None:
        """Wait (bounded) until ``more`` answers beyond those already counted came back."""
        target = self.answered + more
        wait_for(lambda: self.answered >= target, timeout_s=60)


@pytest.mark.parametrize("response_cache", [False, True], ids=["entries", "answers"])
def test_a_cluster_master_killed_mid_load_then_restarted(
    start_comptoir: Callable[..., Comptoir],
    reference: ReferenceSources,
    own_redis_cluster: RedisCluster,
    response_cache: bool,
) -> None:
    cluster = own_redis_cluster
    comptoir = start_on(start_comptoir, cluster.url, response_cache=response_cache)
    expected = answers(comptoir)
    assert all("errors" not in body for body in expected)
    wait_for(lambda: warm_answers_need_no_upstream(comptoir, reference))
    assert all(cluster.keys_on(node) > 0 for node in cluster.nodes), "entries on every master"
    lost = cluster.nodes[0]

    with Load(comptoir, expected) as load:
        load.wait_answers(12)
        lost.kill()

        def noticed() -> bool:
            # Reads reach Redis once the in-process tier's copies age out (2 s).
            return bool(comptoir.http.get("/readyz").json()["cache"]["status"] == "degraded")

        wait_for(noticed, timeout_s=30)
        load.wait_answers(40)
        cache = comptoir.http.get("/readyz").json()["cache"]
    assert load.wrong == [], "every answer complete and correct while a master is lost"

    assert cache["mode"] == "cluster"
    assert cache["status"] == "degraded"
    assert cache["nodes"][f"127.0.0.1:{lost.port}"] == "down"
    assert sorted(cache["nodes"].values()) == ["down", "up", "up"]

    lost.start()
    cluster.wait_ok()

    def back() -> bool:
        answers(comptoir)
        return comptoir.http.get("/readyz").json()["cache"]["status"] == "up"

    wait_for(back, timeout_s=30)
    wait_for(lambda: warm_answers_need_no_upstream(comptoir, reference), timeout_s=30)
    assert cluster.keys_on(lost) > 0, "the restarted master holds entries again"
    assert answers(comptoir) == expected


def test_sentinel_fails_over_and_answers_hit_again(
    start_comptoir: Callable[..., Comptoir],
    reference: ReferenceSources,
    sentinel_set: RedisSentinelSet,
) -> None:
    comptoir = start_on(start_comptoir, sentinel_set.url)
    expected = answers(comptoir)
    wait_for(lambda: warm_answers_need_no_upstream(comptoir, reference))
    ready = comptoir.http.get("/readyz").json()
    assert ready["cache"] == {
        "backend": "redis",
        "mode": "sentinel",
        "status": "up",
        "nodes": {"comptoir": "up"},
    }

    with Load(comptoir, expected) as load:
        load.wait_answers(8)
        sentinel_set.master.kill()
        deadline = time.monotonic() + 30
        while sentinel_set.master_port() != sentinel_set.replica.port:
            assert time.monotonic() < deadline, "the Sentinel never promoted the replica"
            load.wait_answers(1)
        load.wait_answers(8)
    assert load.wrong == [], "every answer complete and correct through the failover"

    # The replica held the entries: once comptoir follows the Sentinel to it,
    # warm answers are hits again, without a restart.
    wait_for(lambda: warm_answers_need_no_upstream(comptoir, reference), timeout_s=30)
    assert comptoir.http.get("/readyz").json()["cache"]["status"] == "up"
    assert answers(comptoir) == expected


def test_a_change_event_changes_the_next_answer_of_every_instance_on_a_cluster(
    write_sources: WriteSources,
    start_comptoir: Callable[..., Comptoir],
    redis_cluster: RedisCluster,
) -> None:
    redis_cluster.flush()
    settings = {**write_sources.urls(), "redis_url": redis_cluster.url, "erp_hook_secret": SECRET}
    first, second = start_comptoir(**settings), start_comptoir(**settings)
    variables = {"sku": cases.SKU_FULL}

    def price(comptoir: Comptoir) -> tuple[str, str]:
        response = comptoir.post(PRICE_QUERY, variables)
        body = response.json()
        assert "errors" not in body, body
        amount = str(body["data"]["variant"]["price"]["amount"]["amount"])
        return amount, response.headers.get("x-comptoir-cache", "")

    before, _ = price(second)
    wait_for(lambda: price(first)[1] == "HIT")  # the answer is stored (on its slot's master)
    assert price(second) == (before, "HIT")

    write_sources.set_price(cases.SKU_FULL, "EUR-WEB", "77.70")
    body = json.dumps({"events": [{"collection": "prices", "ids": [cases.SKU_FULL]}]}).encode()
    response = httpx.post(
        f"{first.server.url}/hooks/erp",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Comptoir-Signature": signature_of(SECRET, body),
        },
    )
    assert response.status_code == 202, response.text

    assert before != "77.70"
    assert price(second)[0] == "77.70"
    assert price(first)[0] == "77.70"


def test_readyz_says_an_instance_is_stateless_with_postgresql_and_a_shared_redis(
    start_comptoir: Callable[..., Comptoir],
    redis_cluster: RedisCluster,
    postgres: PostgresServer,
) -> None:
    on_disk = start_comptoir(redis_url=redis_cluster.url)  # the outbox in a local SQLite file
    shared = start_comptoir(redis_url=redis_cluster.url, outbox_url=postgres.fresh_schema())
    in_process = start_comptoir(outbox_url=postgres.fresh_schema())  # the cache in memory

    ready = shared.http.get("/readyz").json()
    assert ready["stateless"] is True
    assert ready["outbox"]["backend"] == "postgresql"
    assert (ready["cache"]["mode"], ready["cache"]["status"]) == ("cluster", "up")
    assert on_disk.http.get("/readyz").json()["stateless"] is False
    assert in_process.http.get("/readyz").json()["stateless"] is False
