"""comptoir on a Redis Cluster and on Sentinel: a master lost under load, then back (real processes).

The in-process tier is off (``cache_local_ttl_s=0``) and so is the response
cache, so that every answer reads its entries from Redis: a warm answer that
makes no upstream request proves they were there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from comptoir.sources.reference import cases

from tests.conftest import Comptoir, ReferenceSources
from tests.graph.queries import PDP_QUERY, PLP_QUERY
from tests.support.processes import wait_for
from tests.support.redis_cluster import RedisCluster
from tests.support.redis_sentinel import RedisSentinelSet

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


def start_on(start_comptoir: Callable[..., Comptoir], url: str) -> Comptoir:
    return start_comptoir(
        redis_url=url,
        redis_breaker_reset_s=0.5,
        cache_local_ttl_s=0,
        response_cache=False,
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


def test_a_cluster_master_killed_mid_load_then_restarted(
    start_comptoir: Callable[..., Comptoir],
    reference: ReferenceSources,
    own_redis_cluster: RedisCluster,
) -> None:
    cluster = own_redis_cluster
    comptoir = start_on(start_comptoir, cluster.url)
    expected = answers(comptoir)
    assert all("errors" not in body for body in expected)
    wait_for(lambda: warm_answers_need_no_upstream(comptoir, reference))
    assert all(cluster.keys_on(node) > 0 for node in cluster.nodes), "entries on every master"
    lost = cluster.nodes[0]

    with Load(comptoir, expected) as load:
        load.wait_answers(12)
        lost.kill()
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
