"""Fixtures of the reference-source tests: small demo data and the six sources over real HTTP."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from comptoir.sources.reference import DemoScale, build_reference_app, ensure_demo_data
from starlette.types import ASGIApp

TOKEN = "test-token"  # noqa: S105 - a test double's token


class _Served:
    """An ASGI app served by uvicorn from a background thread on a free loopback port."""

    def __init__(self, app: ASGIApp) -> None:
        self.sock = socket.socket(
            socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
        )  # TCP_NODELAY
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> _Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def ref_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo data, generated once per session; tests only read it."""
    return ensure_demo_data(tmp_path_factory.mktemp("reference") / "demo", DemoScale.small())


@pytest.fixture(scope="session")
def ref_url(ref_data: Path) -> Iterator[str]:
    """Root URL of the six sources (no tokens) serving the read-only data."""
    with _Served(build_reference_app(ref_data, {})) as served:
        yield served.url


@pytest.fixture(scope="session")
def http(ref_url: str) -> Iterator[httpx.Client]:
    """A client on the read-only sources: ``http.get("/erp/prices", ...)``."""
    with httpx.Client(base_url=ref_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def write_data(ref_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo data for tests that write."""
    target = tmp_path_factory.mktemp("writable") / "demo"
    shutil.copytree(ref_data, target)
    return target


@pytest.fixture(scope="session")
def write_token() -> str:
    """The bearer token of the crm and the oms behind :func:`write_http`."""
    return TOKEN


@pytest.fixture(scope="module")
def write_http(write_data: Path) -> Iterator[httpx.Client]:
    """A client on sources serving the writable copy, the crm and oms protected by :data:`TOKEN`."""
    app = build_reference_app(write_data, {"crm": TOKEN, "oms": TOKEN})
    with (
        _Served(app) as served,
        httpx.Client(
            base_url=served.url, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        yield client


@pytest.fixture(scope="session")
def served() -> type[_Served]:
    """The helper serving an app from a background thread, for tests that build their own."""
    return _Served
