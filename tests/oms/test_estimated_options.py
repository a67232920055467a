"""While the OMS is down, delivery options are comptoir's estimate: marked, and only what its
cached stock and the channel's lead time justify."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from comptoir.sources.reference import cases

from tests.conftest import Comptoir
from tests.oms.conftest import BRIVE, VARIANT_OPTIONS, OmsSources, by_service, data_of
from tests.writes.conftest import degraded

STORES_NEAR_BRIVE = """
query($sku: ID!, $near: GeoPointInput!) {
  variant(sku: $sku) {
    availability { stores(near: $near, radiusKm: 50) { location { id } quantity } }
  }
}
"""
LEAD_TIME = timedelta(days=3)  # the demo web channel's lead_time_days


def estimate(comptoir: Comptoir, quantity: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    response = comptoir.post(
        VARIANT_OPTIONS, {"sku": cases.SKU_FULL, "destination": BRIVE, "quantity": quantity}
    )
    assert response.status_code == 200
    assert "no-store" in response.headers["cache-control"]  # a degraded answer is never stored
    body: dict[str, Any] = response.json()
    return body, data_of(body)["variant"]["deliveryOptions"]


def held_in_stores(comptoir: Comptoir) -> dict[str, int]:
    near = {"latitude": BRIVE["latitude"], "longitude": BRIVE["longitude"]}
    body = data_of(comptoir.query(STORES_NEAR_BRIVE, {"sku": cases.SKU_FULL, "near": near}))
    return {s["location"]["id"]: s["quantity"] for s in body["variant"]["availability"]["stores"]}


def test_oms_down_options_are_estimated_and_marked(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    stores = held_in_stores(comptoir)  # the ERP's stock, as comptoir caches it
    assert stores == {cases.STORE_BRIVE_RETURNS: 4, cases.STORE_BRIVE_NO_RETURNS: 2}
    oms_sources.proxy.fault("oms").down = True
    asked = datetime.now(UTC)
    body, options = estimate(comptoir, 3)
    answered = datetime.now(UTC)
    assert degraded(body) == {("oms", "fallback")}
    assert options and all(o["estimated"] is True for o in options)
    assert all(o["orderBefore"] is None for o in options)
    grouped = by_service(options)
    assert set(grouped) == {"standard", "pickup"}  # never express
    (home,) = grouped["standard"]
    earliest = datetime.fromisoformat(home["earliestAt"])
    assert asked + LEAD_TIME <= earliest <= answered + LEAD_TIME
    assert home["price"] == {"amount": "4.90", "currencyCode": "EUR"}
    assert all(origin["shipFrom"] for origin in home["fromLocations"])
    ready, transfer = grouped["pickup"]  # nearest first
    # Brive Guierle holds 4: ready within hours. Brive Gare holds 2 of the 3: a transfer, later.
    assert ready["location"]["id"] == cases.STORE_BRIVE_RETURNS and ready["split"] is False
    assert datetime.fromisoformat(ready["latestAt"]) <= answered + timedelta(days=1)
    assert transfer["location"]["id"] == cases.STORE_BRIVE_NO_RETURNS and transfer["split"]
    assert datetime.fromisoformat(transfer["earliestAt"]) >= asked + LEAD_TIME
    assert transfer["fromLocations"][0]["id"] == cases.STORE_BRIVE_NO_RETURNS
    assert transfer["fromLocations"][1]["shipFrom"]
    assert [o["service"] for o in options] == ["pickup", "standard", "pickup"]  # fastest first


def test_no_pickup_is_ready_in_hours_where_the_cached_stock_does_not_hold_it(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    stores = held_in_stores(comptoir)
    oms_sources.proxy.fault("oms").down = True
    asked = datetime.now(UTC)
    _, options = estimate(comptoir, 5)
    pickups = by_service(options)["pickup"]
    assert pickups and all(stores[p["location"]["id"]] < 5 for p in pickups)
    for pickup in pickups:  # every store lacks units: each waits for a transfer
        assert pickup["split"] is True
        assert datetime.fromisoformat(pickup["earliestAt"]) >= asked + LEAD_TIME


def test_estimates_end_when_the_oms_is_back(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    oms = oms_sources.proxy.fault("oms")
    oms.down = True
    _, options = estimate(comptoir, 1)
    assert all(o["estimated"] for o in options)
    oms.down = False
    body = comptoir.query(
        VARIANT_OPTIONS, {"sku": cases.SKU_FULL, "destination": BRIVE, "quantity": 1}
    )
    promised = data_of(body)["variant"]["deliveryOptions"]
    assert degraded(body) == set()
    assert promised and not any(o["estimated"] for o in promised)
    assert "express" in by_service(promised)  # the set clock is a Monday before the cut-off


def test_without_the_oms_nor_any_stock_the_options_alone_are_unavailable(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    oms_sources.proxy.fault("oms").down = True
    oms_sources.proxy.fault("erp").down = True
    body = comptoir.query(
        VARIANT_OPTIONS, {"sku": cases.SKU_FULL, "destination": BRIVE, "quantity": 1}
    )
    assert body["data"]["variant"]["sku"] == cases.SKU_FULL  # the rest of the answer stands
    assert body["data"]["variant"]["deliveryOptions"] is None
    (error,) = body["errors"]
    assert error["path"] == ["variant", "deliveryOptions"]
    assert error["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": "erp"}
