"""The outbox on PostgreSQL behind real comptoir instances: an instance lost, PostgreSQL lost.

Every instance keeps its held writes in one PostgreSQL (and its cache in one
Redis), so that no order lives only in an instance that may be lost.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from comptoir.auth import ShopperTokens
from comptoir.cli import app as cli
from comptoir.settings import DEMO_JWT_SECRET
from tests.conftest import TABLET_KEY, WEB_KEY, Comptoir
from tests.support.postgres_server import PostgresServer
from tests.support.processes import ComptoirProcess, wait_for
from tests.support.redis_server import RedisServer
from tests.writes.conftest import MY_ORDERS, PLACE_ORDER, WriteSources, payload
from tests.writes.test_orders import SHOPPER, order_input, place

ORDERS = 300
INSTANCES = 3
# Existing customers of the small demo data (CU-100001 to CU-100060).
SHOPPERS = [f"CU-{100000 + n}" for n in range(10, 40)]
LOST_AFTER = 150
"""The instance is killed as this order is placed: mid-load, with requests in flight."""
RETRY_EVERY = 7
"""Every 7th order is asked again, with the same key, of another instance."""
CONCURRENCY = 8
# A dead instance's claims pass to another after this long (the default is 30 s).
LEASE_S = "3"
# Bounds on waits that end within seconds; never measures.
DELIVERY_PATIENCE_S = 120.0

PRODUCT = '{ product(id: "P-00001") { id name } }'
ORDER_BY_ID = "query($id: ID!) { order(id: $id) { id status } }"


def _oms_order_count(data: Path) -> int:
    with sqlite3.connect(data / "oms.sqlite") as conn:
        return int(conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0])


@dataclass
class Placed:
    """What the clients were answered, per idempotency key."""

    ids: dict[str, str] = field(default_factory=dict)
    retried: int = 0
    """Orders asked again of another instance with the same key, on purpose."""
    cut: int = 0
    """Requests in flight on the lost instance when it died, asked again of another one."""
    mismatches: list[str] = field(default_factory=list)


def _shopper_headers(shopper: str) -> dict[str, str]:
    token = ShopperTokens(DEMO_JWT_SECRET).mint(shopper)
    return {"X-Channel-Key": WEB_KEY, "Authorization": f"Bearer {token}"}


async def _place_all(instances: list[ComptoirProcess], lost: ComptoirProcess) -> Placed:
    """Place ORDERS orders over the instances, losing one mid-load; retry on another instance."""
    placed = Placed()
    queue = list(range(ORDERS))
    alive = list(instances)
    on_lost = 0  # requests in flight on the instance to be lost

    async def ask(client: httpx.AsyncClient, n: int, start: int) -> str:
        """The order's id as answered, asking the live instances in turn from ``start``."""
        nonlocal on_lost
        shopper = SHOPPERS[n % len(SHOPPERS)]
        for attempt in range(len(instances)):
            instance = alive[(start + attempt) % len(alive)]
            on_lost += instance is lost
            try:
                response = await client.post(
                    f"{instance.url}/graphql",
                    json={
                        "query": PLACE_ORDER,
                        "variables": {"input": order_input(), "key": f"drill-{n}"},
                    },
                    headers=_shopper_headers(shopper),
                )
            except httpx.TransportError:
                placed.cut += 1  # the lost instance: the client asks another
                continue
            finally:
                on_lost -= instance is lost
            answer = payload(response.json(), "placeOrder")
            assert answer["userErrors"] == [] and answer["pending"] is True, answer
            order_id: str = answer["order"]["id"]
            return order_id
        raise AssertionError(f"no instance answered order {n}")

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            n = queue.pop(0)
            if n == LOST_AFTER:
                # Stopped first, so that what is sent to it stays in flight until it is killed.
                assert lost.process is not None
                lost.process.send_signal(signal.SIGSTOP)
                while not on_lost:  # noqa: ASYNC110 - lost with an order in flight on it
                    await asyncio.sleep(0.001)
                await asyncio.to_thread(lost.kill)
                alive.remove(lost)
            placed.ids[f"drill-{n}"] = await ask(client, n, n)
            if n % RETRY_EVERY == 0:
                again = await ask(client, n, n + 1)
                placed.retried += 1
                if again != placed.ids[f"drill-{n}"]:
                    placed.mismatches.append(f"drill-{n}: {again}")

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(CONCURRENCY)))
    return placed


def _resolved(instance: ComptoirProcess, provisional: list[str]) -> dict[str, str]:
    """What each provisional id resolves to on one instance (a staff channel reads any order)."""
    found: dict[str, str] = {}
    for start in range(0, len(provisional), 25):
        batch = provisional[start : start + 25]
        fields = " ".join(
            f'o{i}: order(id: "{order_id}") {{ id }}' for i, order_id in enumerate(batch)
        )
        response = httpx.post(
            f"{instance.url}/graphql",
            json={"query": f"{{ {fields} }}"},
            headers={"X-Channel-Key": TABLET_KEY},
            timeout=30,
        )
        body = response.json()
        assert "errors" not in body, body
        for i, order_id in enumerate(batch):
            order = body["data"][f"o{i}"]
            found[order_id] = order["id"] if order else "(none)"
    return found


def _oms_answers(instance: ComptoirProcess, order_id: str) -> bool:
    """Whether one order reads without error on this instance (its OMS breaker is closed)."""
    response = httpx.post(
        f"{instance.url}/graphql",
        json={"query": ORDER_BY_ID, "variables": {"id": order_id}},
        headers={"X-Channel-Key": TABLET_KEY},
        timeout=30,
    )
    return "errors" not in response.json()


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.mark.slow
def test_instance_loss_drill_300_held_orders_reach_the_oms_once_and_resolve_everywhere(
    write_sources: WriteSources,
    oms_process: ComptoirProcess,
    postgres: PostgresServer,
    redis: RedisServer,
    tmp_path: Path,
) -> None:
    env = {f"COMPTOIR_{k.upper()}": v for k, v in write_sources.urls().items()}
    env |= {
        "COMPTOIR_OMS_URL": oms_process.url,
        "COMPTOIR_OUTBOX_URL": postgres.fresh_schema(),
        "COMPTOIR_REDIS_URL": redis.url,
        "COMPTOIR_OUTBOX_LEASE_S": LEASE_S,
        "COMPTOIR_JWT_SECRET": DEMO_JWT_SECRET,
        "COMPTOIR_BREAKER_FAILURES": "3",
        "COMPTOIR_BREAKER_RESET_S": "1",
    }
    # Nothing is shared on disk: each instance has a data directory of its own.
    instances = [
        ComptoirProcess({**env, "COMPTOIR_DATA_DIR": str(tmp_path / f"instance-{n}")})
        for n in range(INSTANCES)
    ]
    lost, *remaining = instances
    try:
        for instance in instances:
            instance.start()
        oms_process.kill()  # stopped: its port refuses connections
        before = _oms_order_count(write_sources.data)

        placed = asyncio.run(_place_all(instances, lost))

        assert lost.process is not None and lost.process.poll() == -signal.SIGKILL
        assert placed.mismatches == []
        assert len(placed.ids) == ORDERS
        assert len(set(placed.ids.values())) == ORDERS
        assert all(order_id.startswith("PENDING-O-") for order_id in placed.ids.values())
        assert placed.retried == len(range(0, ORDERS, RETRY_EVERY))
        assert placed.cut >= 1
        assert _oms_order_count(write_sources.data) == before

        oms_process.start()

        def all_delivered() -> bool:
            outbox = httpx.get(f"{remaining[0].url}/readyz", timeout=30).json()["outbox"]
            return outbox["pending"] == 0

        wait_for(all_delivered, timeout_s=DELIVERY_PATIENCE_S)
        assert httpx.get(f"{remaining[0].url}/readyz").json()["outbox"]["failed"] == 0
        # Every write is delivered: no delivery is left that could make another order.
        assert _oms_order_count(write_sources.data) == before + ORDERS
        provisional = sorted(placed.ids.values())
        for instance in remaining:
            # An instance that has not called the OMS since it came back still has its breaker
            # open (1 s here), then lets one probe through: wait for that probe to close it.
            wait_for(lambda i=instance: _oms_answers(i, provisional[0]), timeout_s=30)
        answers = [_resolved(instance, provisional) for instance in remaining]
        assert answers[0] == answers[1]
        oms_ids = set(answers[0].values())
        assert len(oms_ids) == ORDERS and all(oms_id.startswith("O-") for oms_id in oms_ids)
    finally:
        for instance in instances:
            instance.kill()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of this test's own, which it stops and starts."""
    with PostgresServer() as server:
        yield server


def test_postgresql_stopped_orders_are_refused_reads_answer_and_held_orders_resume(
    writable: Callable[..., Comptoir],
    write_sources: WriteSources,
    own_postgres: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = own_postgres.fresh_schema()
    comptoir = writable(outbox_url=url, outbox_timeout_s=1.0)
    oms = write_sources.proxy.fault("oms")
    oms.down = True
    held = payload(place(comptoir, "pg-1"), "placeOrder")
    assert held["pending"] is True

    own_postgres.stop()
    refused = payload(place(comptoir, "pg-2"), "placeOrder")
    assert refused["order"] is None and refused["pending"] is False
    assert [e["code"] for e in refused["userErrors"]] == ["OUTBOX_UNAVAILABLE"]
    product = comptoir.query(PRODUCT)
    assert "errors" not in product and product["data"]["product"]["id"] == "P-00001"
    me = comptoir.query("{ me { id firstName } }", shopper=SHOPPER)
    assert "errors" not in me and me["data"]["me"]["id"] == SHOPPER
    unknown = comptoir.query(ORDER_BY_ID, {"id": held["order"]["id"]}, shopper=SHOPPER)
    assert [e["extensions"]["code"] for e in unknown["errors"]] == ["OUTBOX_UNAVAILABLE"]
    readiness = comptoir.http.get("/readyz").json()
    assert readiness["status"] == "degraded"
    assert readiness["outbox"] == {
        "backend": "postgresql",
        "status": "down",
        "pending": None,
        "oldestPendingAgeS": None,
        "failed": None,
    }
    assert 'comptoir_outbox_up{backend="postgresql"} 0.0' in comptoir.http.get("/metrics").text
    monkeypatch.setenv("COMPTOIR_OUTBOX_URL", url)
    monkeypatch.setenv("COMPTOIR_OUTBOX_TIMEOUT_S", "1")
    down = CliRunner().invoke(cli, ["outbox", "list"])
    assert down.exit_code == 1 and "unavailable" in down.output

    oms.down = False
    # The OMS's orders are listed without the outbox (this shopper has none there yet).
    mine = comptoir.query(MY_ORDERS, shopper=SHOPPER)
    assert "errors" not in mine and mine["data"]["me"]["orders"]["edges"] == []
    own_postgres.start()
    wait_for(lambda: len(write_sources.orders_of(SHOPPER)) == 1, timeout_s=60)
    again = payload(place(comptoir, "pg-2"), "placeOrder")
    assert again["userErrors"] == [] and again["pending"] is False
    assert len(write_sources.orders_of(SHOPPER)) == 2
    assert comptoir.http.get("/readyz").json()["outbox"]["status"] == "up"
    assert 'comptoir_outbox_up{backend="postgresql"} 1.0' in comptoir.http.get("/metrics").text
    listed = CliRunner().invoke(cli, ["outbox", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert {row["id"]: row["status"] for row in rows}[held["order"]["id"]] == "delivered"
