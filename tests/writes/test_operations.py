"""Operating the outbox: a crash drill, refused writes kept and retried, /readyz and /metrics."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
from tests.support.servers import free_port
from tests.writes.conftest import PLACE_ORDER, WriteSources, payload
from tests.writes.test_orders import order_input, place, wait_for

SHOPPER = cases.CUSTOMER_NO_ORDERS


class ComptoirProcess:
    """comptoir (or a reference source) in a process of its own, so that a test can SIGKILL it."""

    COMPTOIR = (
        "-m",
        "uvicorn",
        "--factory",
        "comptoir.graph.app:create_app",
        "--log-level",
        "warning",
    )

    def __init__(
        self, env: dict[str, str], args: tuple[str, ...] = COMPTOIR, probe: str = "/healthz"
    ) -> None:
        self.port = free_port()
        self.env = env
        self.args = args
        self.probe = probe
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ComptoirProcess:
        command = [sys.executable, *self.args, "--port", str(self.port)]
        self.process = subprocess.Popen(command, env={**os.environ, **self.env})  # noqa: S603
        wait_for(self._up, timeout_s=30)
        return self

    def _up(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "the process exited"
        try:
            httpx.get(f"{self.url}{self.probe}", timeout=1)
        except httpx.TransportError:
            return False
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def oms_process(write_sources: WriteSources) -> Iterator[ComptoirProcess]:
    """The reference OMS alone (`comptoir source oms`) on the private data, in its own process."""
    env = {"COMPTOIR_DATA_DIR": str(write_sources.data.parent), "COMPTOIR_DEMO_SCALE": "small"}
    running = ComptoirProcess(env, ("-m", "comptoir.cli", "source", "oms"), probe="/").start()
    yield running
    running.kill()


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
    time.sleep(1.0)
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


def test_an_order_for_click_and_collect_needs_a_store(writable: Callable[..., Comptoir]) -> None:
    order = {
        "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
        "delivery": {"mode": "CLICK_AND_COLLECT"},
    }
    refused = payload(
        writable().query(PLACE_ORDER, {"input": order, "key": "cc"}, shopper=SHOPPER), "placeOrder"
    )
    assert [e["code"] for e in refused["userErrors"]] == ["LOCATION_REQUIRED"]
