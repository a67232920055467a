"""The OMS v2 over real HTTP: a private copy of the demo data, the reference sources on a clock
each test sets, a fault proxy in front, and comptoir on them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from comptoir.sources.reference import cases

from comptoir.settings import DEMO_JWT_SECRET, Settings
from tests.conftest import Comptoir, WriteSources
from tests.support.fault_proxy import FaultProxy
from tests.support.servers import ServerThread

MONDAY_BEFORE_CUT_OFF = datetime.fromisoformat("2026-11-02T13:00:00+01:00")
"""A Monday, an hour before the engine's 14:00 cut-off, a day after the demo data's "now"."""
MONDAY_AFTER_CUT_OFF = datetime.fromisoformat("2026-11-02T15:00:00+01:00")

BRIVE = {
    "country": "FR",
    "postalCode": cases.BRIVE_POSTAL_CODE,
    "latitude": cases.BRIVE_HOME[0],
    "longitude": cases.BRIVE_HOME[1],
}
PARIS = {"country": "FR", "postalCode": "75009", "latitude": 48.8719, "longitude": 2.3316}

OPTION_FIELDS = """
  mode service split earliestAt latestAt orderBefore estimated skus
  price { amount currencyCode }
  location { id name acceptsReturns }
  fromLocations { id kind shipFrom }
"""

VARIANT_OPTIONS = f"""
query VariantOptions($sku: ID!, $destination: DestinationInput!, $quantity: Int = 1) {{
  variant(sku: $sku) {{
    sku
    deliveryOptions(destination: $destination, quantity: $quantity) {{ {OPTION_FIELDS} }}
  }}
}}
"""

CART_OPTIONS = f"""
query CartOptions($input: CartInput!, $destination: DestinationInput!) {{
  cart(input: $input) {{
    lines {{ sku quantity }}
    deliveryOptions(destination: $destination) {{ {OPTION_FIELDS} }}
    userErrors {{ code }}
  }}
}}
"""

ORDER_AFTER = """
query Order($id: ID!) {
  order(id: $id) {
    id status returnableUntil
    lines { id sku quantity returnableQuantity }
    shipments {
      id status carrier trackingNumber trackingUrl fromLocationId shippedAt deliveredAt
      estimatedDeliveryAt events { at status location } lines { lineId quantity }
    }
    returns {
      id status method pending createdAt location { id name }
      lines { lineId quantity reason } refund { amount currencyCode }
    }
  }
}
"""

REQUEST_RETURN = """
mutation Return($input: RequestReturnInput!, $key: String!) {
  requestReturn(input: $input, idempotencyKey: $key) {
    pending
    return { id status method pending location { id } lines { lineId quantity reason } }
    userErrors { field message code }
  }
}
"""


class SetClock:
    """The reference oms's clock, set by each test."""

    def __init__(self) -> None:
        self.now = MONDAY_BEFORE_CUT_OFF

    def __call__(self) -> datetime:
        return self.now


@dataclass
class OmsSources(WriteSources):
    """The private sources behind their fault proxy, and the oms's clock."""

    clock: SetClock | None = None

    def order(self, order_id: str) -> dict[str, Any]:
        """An order as the OMS stores it (read from its file, not through comptoir)."""
        with sqlite3.connect(self.data / "oms.sqlite") as conn:
            row = conn.execute("SELECT doc FROM orders WHERE id = ?", (order_id,)).fetchone()
        doc: dict[str, Any] = json.loads(row[0])
        return doc


@pytest.fixture
def oms_sources(demo_data: Path, tmp_path: Path) -> Iterator[OmsSources]:
    """The reference sources on a copy of the small demo data and a set clock, behind a proxy."""
    from comptoir.sources.reference.apps import build_reference_app

    data = tmp_path / "sources" / "demo"
    shutil.copytree(demo_data, data)
    clock = SetClock()
    with ServerThread(build_reference_app(data, {}, clock=clock)) as server:
        proxy = FaultProxy(server.url).start()
        yield OmsSources(data, proxy, clock)
        proxy.stop()


@pytest.fixture
def on_oms(
    oms_sources: OmsSources, tmp_path: Path, start_comptoir: Callable[..., Comptoir]
) -> Callable[..., Comptoir]:
    """Start comptoir on the proxied sources (settings overridable)."""

    def start(**overrides: Any) -> Comptoir:
        settings = {
            "data_dir": tmp_path / "state",
            "breaker_failures": 1000,
            "jwt_secret": DEMO_JWT_SECRET,
            **oms_sources.urls(),
        }
        return start_comptoir(Settings(**{**settings, **overrides}))

    return start


def data_of(body: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` of an answer that must have no error."""
    assert "errors" not in body, body["errors"]
    found: dict[str, Any] = body["data"]
    return found


def by_service(options: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Options grouped by service, each group in the answer's order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for option in options:
        grouped.setdefault(option["service"], []).append(option)
    return grouped
