"""Writes change the sources' data: each test gets its own copy, served behind a fault proxy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from comptoir.settings import DEMO_JWT_SECRET, Settings
from tests.conftest import Comptoir, WriteSources
from tests.support.processes import ComptoirProcess

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


@pytest.fixture
def oms_process(write_sources: WriteSources) -> Iterator[ComptoirProcess]:
    """The reference OMS alone (`comptoir source oms`) on the private data, in its own process."""
    env = {"COMPTOIR_DATA_DIR": str(write_sources.data.parent), "COMPTOIR_DEMO_SCALE": "small"}
    running = ComptoirProcess(env, ("-m", "comptoir.cli", "source", "oms"), probe="/").start()
    yield running
    running.kill()


@pytest.fixture
def writable(
    write_sources: WriteSources, tmp_path: Path, start_comptoir: Callable[..., Comptoir]
) -> Callable[..., Comptoir]:
    """Start comptoir servers on the private sources (all sharing one data directory by default)."""

    def start(**overrides: Any) -> Comptoir:
        settings = {
            "data_dir": tmp_path / "state",
            "breaker_failures": 1000,
            "jwt_secret": DEMO_JWT_SECRET,
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
