"""Shared fixtures: small demo data, the reference sources over real HTTP, comptoir servers."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.graph.app import create_app
from comptoir.sources.reference.generate import ensure_demo_data
from comptoir.sources.reference.scale import DemoScale
from comptoir.sources.registry import SOURCES

from comptoir.auth import ShopperTokens
from comptoir.balance import BalancedConnections
from comptoir.settings import DEMO_JWT_SECRET, Settings
from tests.support.fault_proxy import FaultProxy
from tests.support.postgres_server import PostgresServer
from tests.support.rounds import RoundGate
from tests.support.servers import RequestCounter, ServerThread

WEB_KEY = "demo-web-key"
STORE_KEY = "demo-store-key"
TABLET_KEY = "demo-tablet-key"
MARKETPLACE_KEY = "demo-marketplace-key"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL started once for the session; a test takes a fresh schema of it."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo data set, generated once per session."""
    return ensure_demo_data(tmp_path_factory.mktemp("data") / "demo", DemoScale.small())


@dataclass
class ReferenceSources:
    """The six reference sources under one server, with a request counter in front."""

    server: ServerThread
    counter: RequestCounter

    def url(self, source: str) -> str:
        """Base URL of one source (it carries a path: /erp)."""
        return f"{self.server.url}/{source}"


@pytest.fixture(scope="session")
def reference(demo_data: Path) -> Iterator[ReferenceSources]:
    """The reference sources over real loopback HTTP, for the whole session."""
    from comptoir.sources.reference.apps import build_reference_app

    counter = RequestCounter(build_reference_app(demo_data, {}))
    with ServerThread(counter) as server:
        yield ReferenceSources(server, counter)


@dataclass
class Comptoir:
    """A running comptoir and an HTTP client to it."""

    server: ServerThread
    http: httpx.Client
    tokens: ShopperTokens = field(default_factory=lambda: ShopperTokens(DEMO_JWT_SECRET))

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = WEB_KEY,
        shopper: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST a GraphQL request with a channel key and, optionally, a shopper token."""
        sent = dict(headers or {})
        if key is not None:
            sent["X-Channel-Key"] = key
        if shopper is not None:
            sent["Authorization"] = f"Bearer {self.tokens.mint(shopper)}"
        return self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )

    def query(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The JSON of a request that must answer 200."""
        response = self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def reference_settings(reference: ReferenceSources, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings pointing every source at the reference sources (shopper tokens: the demo secret)."""
    urls = {f"{name}_url": reference.url(name) for name in SOURCES.names()}
    return Settings(
        **{"data_dir": tmp_path / "state", "jwt_secret": DEMO_JWT_SECRET, **urls, **overrides}
    )


@pytest.fixture
def start_comptoir(
    reference: ReferenceSources, tmp_path: Path
) -> Iterator[Callable[..., Comptoir]]:
    """Start comptoir servers on the reference sources (settings overridable); stopped after the test."""
    started: list[Comptoir] = []

    def start(settings: Settings | None = None, **overrides: Any) -> Comptoir:
        settings = settings or reference_settings(reference, tmp_path, **overrides)
        # On the protocol `comptoir serve` runs (deadlines, known requests answered at once).
        server = ServerThread(create_app(settings), http=BalancedConnections).start()
        client = Comptoir(server, httpx.Client(base_url=server.url, timeout=30))
        started.append(client)
        return client

    yield start
    for running in started:
        running.http.close()
        running.server.stop()


@pytest.fixture
def comptoir(start_comptoir: Callable[..., Comptoir]) -> Comptoir:
    """A comptoir on the reference sources with an in-process cache."""
    return start_comptoir()


@dataclass
class WriteSources:
    """A private copy of the demo data, its reference sources, and a fault proxy in front."""

    data: Path
    proxy: FaultProxy

    def urls(self) -> dict[str, str]:
        """``COMPTOIR_*_URL`` settings pointing at the proxy."""
        return {f"{name}_url": self.proxy.url(name) for name in SOURCES.names()}

    def orders_of(self, customer_id: str) -> list[dict[str, Any]]:
        """The orders the OMS holds for a customer (read from its file, not through comptoir)."""
        with sqlite3.connect(self.data / "oms.sqlite") as conn:
            rows = conn.execute(
                "SELECT doc FROM orders WHERE customer_id = ?", (customer_id,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def customers_with_email(self, email: str) -> list[dict[str, Any]]:
        """The CRM's customers with this email."""
        with sqlite3.connect(self.data / "crm.sqlite") as conn:
            rows = conn.execute("SELECT doc FROM customers").fetchall()
        docs = [json.loads(row[0]) for row in rows]
        return [d for d in docs if d["email"].lower() == email.lower()]

    def set_price(self, sku: str, price_list: str, amount: str) -> None:
        """Change the amount of every ERP price row of ``sku`` on ``price_list``."""
        with sqlite3.connect(self.data / "erp.sqlite") as conn:
            rows = conn.execute(
                "SELECT seq, doc FROM prices WHERE sku = ? AND price_list = ?", (sku, price_list)
            ).fetchall()
            assert rows, f"no {price_list} price row for {sku}"
            for seq, doc in rows:
                changed = {**json.loads(doc), "amount": amount}
                conn.execute("UPDATE prices SET doc = ? WHERE seq = ?", (json.dumps(changed), seq))

    def add_price_row(self, sku: str, price_list: str, amount: str, valid_from: str) -> None:
        """Add an ERP price row of ``sku`` on ``price_list`` starting at ``valid_from``."""
        with sqlite3.connect(self.data / "erp.sqlite") as conn:
            row = conn.execute(
                "SELECT doc FROM prices WHERE sku = ? AND price_list = ?", (sku, price_list)
            ).fetchone()
            assert row, f"no {price_list} price row for {sku}"
            doc = {**json.loads(row[0]), "amount": amount, "valid_from": valid_from}
            doc["valid_to"] = None
            conn.execute(
                "INSERT INTO prices (sku, price_list, doc) VALUES (?, ?, ?)",
                (sku, price_list, json.dumps(doc)),
            )

    def points_of(self, customer_id: str) -> int:
        """The CRM's live balance."""
        with sqlite3.connect(self.data / "crm.sqlite") as conn:
            row = conn.execute(
                "SELECT doc FROM loyalty_accounts WHERE customer_id = ?", (customer_id,)
            ).fetchone()
        points: int = json.loads(row[0])["points"]
        return points


@pytest.fixture
def write_sources(demo_data: Path, tmp_path: Path) -> Iterator[WriteSources]:
    """The reference sources on a private copy of the small demo data, behind a fault proxy."""
    from comptoir.sources.reference.apps import build_reference_app

    data = tmp_path / "sources" / "demo"  # as `comptoir source` finds it under COMPTOIR_DATA_DIR
    shutil.copytree(demo_data, data)
    with ServerThread(build_reference_app(data, {})) as server:
        proxy = FaultProxy(server.url).start()
        yield WriteSources(data, proxy)
        proxy.stop()


@pytest.fixture
async def gated(
    reference: ReferenceSources, tmp_path: Path
) -> AsyncIterator[tuple[RoundGate, httpx.AsyncClient]]:
    """comptoir in this event loop with a cold cache, its upstream requests let through by rounds."""
    gate = RoundGate(httpx.AsyncHTTPTransport())
    settings = reference_settings(reference, tmp_path, response_cache=False)
    app = create_app(settings, upstream=gate)
    async with app.router.lifespan_context(app):
        gate.start()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://comptoir") as client:
            yield gate, client
    await gate.stop()
