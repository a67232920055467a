"""Operating the outbox: a crash drill, refused writes kept and retried, /readyz and /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from comptoir.sources.reference import cases
from typer.testing import CliRunner

from comptoir.auth import ShopperTokens
from comptoir.cli import app as cli
from comptoir.settings import DEMO_JWT_SECRET
from tests.conftest import WEB_KEY, Comptoir
from tests.support.processes import ComptoirProcess, wait_for
from tests.writes.conftest import PLACE_ORDER, WriteSources, payload
from tests.writes.test_orders import order_input, place

SHOPPER = cases.CUSTOMER_NO_ORDERS


@pytest.fixture
def processes(
    write_sources: WriteSources, oms_process: ComptoirProcess, tmp_path: Path
) -> Iterator[Callable[[], ComptoirProcess]]:
    """comptoir processes on the private sources (the OMS apart), sharing one data directory."""
    started: list[ComptoirProcess] = []
    env = {f"COMPTOIR_{k.upper()}": v for k, v in write_sources.urls().items()}
    env |= {
        "COMPTOIR_OMS_URL": oms_process.url,
        "COMPTOIR_DATA_DIR": str(tmp_path / "state"),
        "COMPTOIR_JWT_SECRET": DEMO_JWT_SECRET,
        "COMPTOIR_BREAKER_FAILURES": "3",
        "COMPTOIR_BREAKER_RESET_S": "1",
    }

    def start() -> ComptoirProcess:
        running = ComptoirProcess(env).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.kill()


def _place(url: str, key: str) -> dict:
    token = ShopperTokens(DEMO_JWT_SECRET).mint(SHOPPER)
    response = httpx.post(
        f"{url}/graphql",
        json={"query": PLACE_ORDER, "variables": {"input": order_input(), "key": key}},
        headers={"X-Channel-Key": WEB_KEY, "Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return payload(response.json(), "placeOrder")


def test_crash_drill_a_held_order_survives_sigkill_and_is_delivered_once(
    processes: Callable[[], ComptoirProcess],
    oms_process: ComptoirProcess,
    write_sources: WriteSources,
) -> None:
    first = processes()
    oms_process.kill()  # stopped: connections are refused
    held = _place(first.url, "crash-1")
    assert held["pending"] is True
    first.kill()

    second = processes()
    again = _place(second.url, "crash-1")
    assert again["order"]["id"] == held["order"]["id"]  # the answer was on disk before it was given
    assert write_sources.orders_of(SHOPPER) == []
    oms_process.start()
    wait_for(lambda: len(write_sources.orders_of(SHOPPER)) == 1, timeout_s=30)
    wait_for(lambda: httpx.get(f"{second.url}/readyz").json()["outbox"]["pending"] == 0)
    assert len(write_sources.orders_of(SHOPPER)) == 1


def test_a_write_the_source_refuses_later_is_kept_failed_visible_and_retried_by_an_operator(
    writable: Callable[..., Comptoir],
    write_sources: WriteSources,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    comptoir = writable()
    stranger = "CU-999999"  # a valid token, but no such customer: the OMS answers 422
    write_sources.proxy.fault("oms").down = True
    held = payload(place(comptoir, "refused-1", shopper=stranger), "placeOrder")
    assert held["pending"] is True
    readiness = comptoir.http.get("/readyz").json()["outbox"]
    assert readiness["pending"] == 1 and readiness["oldestPendingAgeS"] >= 0
    assert "comptoir_outbox_pending 1.0" in comptoir.http.get("/metrics").text

    write_sources.proxy.fault("oms").down = False
    wait_for(lambda: comptoir.http.get("/readyz").json()["outbox"]["failed"] == 1, timeout_s=30)
    assert "comptoir_outbox_failed 1.0" in comptoir.http.get("/metrics").text
    order = comptoir.query(
        "query($id: ID!) { order(id: $id) { id } }", {"id": held["order"]["id"]}, shopper=stranger
    )
    assert order["data"]["order"] is None

    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path / "state"))
    runner = CliRunner()
    listed = runner.invoke(cli, ["outbox", "list", "--status", "failed"])
    assert listed.exit_code == 0, listed.output
    assert held["order"]["id"] in listed.output and "unknown_customer" in listed.output
    sent = write_sources.proxy.reached("oms", "/orders")
    retried = runner.invoke(cli, ["outbox", "retry", held["order"]["id"]])
    assert retried.exit_code == 0 and "pending again" in retried.output
    assert runner.invoke(cli, ["outbox", "retry", "--all"]).exit_code == 1  # none failed now
    # A running comptoir sends it again; the OMS refuses it again, and it is kept again.
    wait_for(lambda: write_sources.proxy.reached("oms", "/orders") > sent, timeout_s=30)
    wait_for(lambda: comptoir.http.get("/readyz").json()["outbox"]["failed"] == 1, timeout_s=30)


def test_the_outbox_commands_explain_a_missing_outbox_and_bad_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path / "nowhere"))
    runner = CliRunner()
    missing = runner.invoke(cli, ["outbox", "list"])
    assert missing.exit_code == 1 and "no outbox" in missing.output
    assert runner.invoke(cli, ["outbox", "retry"]).exit_code == 2
    assert runner.invoke(cli, ["outbox", "list", "--status", "lost"]).exit_code == 2
