"""Writes change the sources' data: each test gets its own copy, served behind a fault proxy."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from comptoir.settings import SOURCE_NAMES, Settings
from tests.conftest import Comptoir
from tests.support.fault_proxy import FaultProxy
from tests.support.servers import ServerThread

PLACE_ORDER = """
mutation Place($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) {
    pending
    order { id status channel customer { id } lines { sku quantity unitPrice { amount } }
            totals { subtotal { amount } discount { amount } grandTotal { amount } } }
    userErrors { field message code }
  }
}
"""

REGISTER = """
mutation Register($input: RegisterCustomerInput!, $key: String!) {
  registerCustomer(input: $input, idempotencyKey: $key) {
    pending
    customer { id email firstName lastName }
    userErrors { field message code }
  }
}
"""

REDEEM = """
mutation Redeem($points: Int!, $key: String!) {
  redeemLoyaltyPoints(points: $points, idempotencyKey: $key) {
    account { points }
    userErrors { field message code }
  }
}
"""

CART = """
query Cart($input: CartInput!) {
  cart(input: $input) {
    lines { sku quantity unitPrice { amount } discount { amount } total { amount } variant { sku } }
    promotions { id label amount { amount } }
    subtotal { amount } discount { amount } total { amount }
    loyaltyPoints
    userErrors { field message code }
  }
}
"""

MY_ORDERS = """
query { me { id orders(first: 50) { edges { node { id status } } } } }
"""

HOME = {
    "mode": "HOME",
    "address": {"line1": "1 rue de Rivoli", "city": "Paris", "postalCode": "75001"},
}


@dataclass
class WriteSources:
    """A private copy of the demo data, its reference sources, and a fault proxy in front."""

    data: Path
    proxy: FaultProxy

    def urls(self) -> dict[str, str]:
        """``COMPTOIR_*_URL`` settings pointing at the proxy."""
        return {f"{name}_url": self.proxy.url(name) for name in SOURCE_NAMES}

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
def writable(
    write_sources: WriteSources, tmp_path: Path, start_comptoir: Callable[..., Comptoir]
) -> Callable[..., Comptoir]:
    """Start comptoir servers on the private sources (all sharing one data directory by default)."""

    def start(**overrides: Any) -> Comptoir:
        settings = {
            "data_dir": tmp_path / "state",
            "breaker_failures": 1000,
            **write_sources.urls(),
        }
        return start_comptoir(Settings(**{**settings, **overrides}))

    return start


def payload(body: dict[str, Any], name: str) -> dict[str, Any]:
    """A mutation's payload, asserting the request had no GraphQL error."""
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"][name]
    return found


def degraded(body: dict[str, Any]) -> set[tuple[str, str]]:
    """``extensions.degraded`` as (source, mode) pairs."""
    return {(d["source"], d["mode"]) for d in body.get("extensions", {}).get("degraded", [])}
