"""Delivery options over real HTTP: the OMS's allocation engine, behind comptoir's cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from comptoir.sources.reference import cases

from tests.conftest import STORE_KEY, Comptoir
from tests.oms.conftest import (
    BRIVE,
    CART_OPTIONS,
    MONDAY_AFTER_CUT_OFF,
    MONDAY_BEFORE_CUT_OFF,
    PARIS,
    VARIANT_OPTIONS,
    OmsSources,
    by_service,
    data_of,
)
from tests.support.geo import km

STORES_HOLDING = """
query($sku: ID!, $near: GeoPointInput!) {
  variant(sku: $sku) { availability { stores(near: $near, radiusKm: 50) { location { id } } } }
}
"""


def options(
    comptoir: Comptoir, sku: str, destination: dict[str, Any], quantity: int = 1, **kwargs: Any
) -> list[dict[str, Any]]:
    body = comptoir.query(
        VARIANT_OPTIONS, {"sku": sku, "destination": destination, "quantity": quantity}, **kwargs
    )
    found: list[dict[str, Any]] = data_of(body)["variant"]["deliveryOptions"]
    assert "degraded" not in body["extensions"]
    return found


def test_one_line_before_the_cut_off_can_arrive_tomorrow(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    found = options(comptoir, cases.SKU_FULL, BRIVE)
    assert [o["service"] for o in found] == ["pickup", "pickup", "express", "standard"]
    grouped = by_service(found)
    (express,) = grouped["express"]
    assert express["mode"] == "HOME" and express["estimated"] is False
    assert express["orderBefore"] == "2026-11-02T14:00:00+01:00"
    assert (express["earliestAt"], express["latestAt"]) == (
        "2026-11-03T09:00:00+01:00",
        "2026-11-03T13:00:00+01:00",
    )
    assert express["price"] == {"amount": "9.90", "currencyCode": "EUR"}
    assert express["location"] is None and not express["split"]
    assert all(origin["shipFrom"] for origin in express["fromLocations"])
    (standard,) = grouped["standard"]
    assert standard["orderBefore"] is None and standard["earliestAt"] > express["latestAt"]
    pickups = grouped["pickup"]
    assert [p["location"]["id"] for p in pickups] == [
        cases.STORE_BRIVE_RETURNS,
        cases.STORE_BRIVE_NO_RETURNS,
    ]
    for pickup in pickups:  # both hold the unit: ready two hours later, for free
        assert pickup["mode"] == "CLICK_AND_COLLECT"
        assert pickup["earliestAt"] == pickup["latestAt"] == "2026-11-02T15:00:00+01:00"
        assert pickup["price"]["amount"] == "0.00"
        assert [origin["id"] for origin in pickup["fromLocations"]] == [pickup["location"]["id"]]
    assert all(o["skus"] == [cases.SKU_FULL] for o in found)


def test_after_the_cut_off_there_is_no_express_and_home_delivery_is_a_day_later(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms(promise_cache_s=0)
    assert oms_sources.clock is not None
    before = by_service(options(comptoir, cases.SKU_FULL, BRIVE))
    oms_sources.clock.now = MONDAY_AFTER_CUT_OFF
    after = by_service(options(comptoir, cases.SKU_FULL, BRIVE))
    assert "express" in before and "express" not in after
    assert before["standard"][0]["earliestAt"] == "2026-11-04T09:00:00+01:00"
    assert after["standard"][0]["earliestAt"] == "2026-11-05T09:00:00+01:00"
    assert [p["earliestAt"] for p in after["pickup"]] == ["2026-11-02T17:00:00+01:00"] * 2
    oms_sources.clock.now = MONDAY_BEFORE_CUT_OFF


def test_a_basket_no_location_holds_whole_ships_split(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    lines = [{"sku": cases.SKU_STORE_ONLY, "quantity": 1}, {"sku": cases.SKU_FULL, "quantity": 10}]
    cart = data_of(
        comptoir.query(
            CART_OPTIONS, {"input": {"lines": lines}, "destination": PARIS}, key=STORE_KEY
        )
    )["cart"]
    assert cart["userErrors"] == [] and len(cart["lines"]) == 2
    (standard,) = by_service(cart["deliveryOptions"])["standard"]
    assert standard["split"] is True and len(standard["fromLocations"]) == 2
    assert cases.STORE_SHIP_FROM in [origin["id"] for origin in standard["fromLocations"]]
    assert sorted(standard["skus"]) == sorted([cases.SKU_STORE_ONLY, cases.SKU_FULL])
    alone = data_of(
        comptoir.query(
            CART_OPTIONS, {"input": {"lines": lines[1:]}, "destination": PARIS}, key=STORE_KEY
        )
    )["cart"]
    (single,) = by_service(alone["deliveryOptions"])["standard"]
    assert single["split"] is False and single["fromLocations"][0]["kind"] == "WAREHOUSE"


def test_unavailable_lines_are_left_out_of_every_option(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    lines = [{"sku": cases.SKU_FULL, "quantity": 1}, {"sku": cases.SKU_ZERO_STOCK, "quantity": 1}]
    cart = data_of(comptoir.query(CART_OPTIONS, {"input": {"lines": lines}, "destination": PARIS}))[
        "cart"
    ]
    assert {line["sku"] for line in cart["lines"]} == {cases.SKU_FULL, cases.SKU_ZERO_STOCK}
    assert cart["deliveryOptions"] and all(
        o["skus"] == [cases.SKU_FULL] for o in cart["deliveryOptions"]
    )
    assert options(comptoir, cases.SKU_ZERO_STOCK, PARIS) == []
    assert options(comptoir, cases.SKU_FULL, PARIS, quantity=60) == []  # more than anyone holds


def test_click_and_collect_is_nearest_first_within_50_km(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    near = {"latitude": PARIS["latitude"], "longitude": PARIS["longitude"]}
    holding = data_of(comptoir.query(STORES_HOLDING, {"sku": cases.SKU_FULL, "near": near}))
    stores = [s["location"]["id"] for s in holding["variant"]["availability"]["stores"]]
    pickups = by_service(options(comptoir, cases.SKU_FULL, PARIS))["pickup"]
    ids = [p["location"]["id"] for p in pickups]
    # Every click-and-collect store within 50 km holding a unit, nearest first, and no other.
    assert ids == stores
    assert ids[:2] == [cases.STORE_PARIS_CENTRAL, cases.STORE_SHIP_FROM]
    far = {
        "country": "FR",
        "latitude": cases.EXPRESS_TOO_FAR[0],
        "longitude": cases.EXPRESS_TOO_FAR[1],
    }
    assert "pickup" not in by_service(options(comptoir, cases.SKU_FULL, far))
    assert km(cases.EXPRESS_TOO_FAR, (PARIS["latitude"], PARIS["longitude"])) > 50


def test_a_promise_is_asked_once_per_question_and_cell(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms(response_cache=False)
    proxy = oms_sources.proxy
    proxy.reset()
    first = options(comptoir, cases.SKU_FULL, BRIVE)
    again = options(comptoir, cases.SKU_FULL, BRIVE)
    neighbour = {**BRIVE, "latitude": BRIVE["latitude"] + 0.001}  # about 100 m north: same cell
    same_cell = options(comptoir, cases.SKU_FULL, neighbour)
    assert first == again == same_cell
    assert proxy.reached("oms", "/promises") == 1
    options(comptoir, cases.SKU_FULL, BRIVE, quantity=2)  # another question
    options(comptoir, cases.SKU_FULL, BRIVE, key=STORE_KEY)  # another channel
    far_cell = {**BRIVE, "latitude": BRIVE["latitude"] + 0.02}
    options(comptoir, cases.SKU_FULL, far_cell)
    assert proxy.reached("oms", "/promises") == 4


def test_a_cached_promise_is_not_kept_when_caching_is_off(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms(response_cache=False, promise_cache_s=0)
    oms_sources.proxy.reset()
    options(comptoir, cases.SKU_FULL, BRIVE)
    options(comptoir, cases.SKU_FULL, BRIVE)
    assert oms_sources.proxy.reached("oms", "/promises") == 2


def test_bad_destinations_and_quantities_are_bad_user_input_and_ask_nothing(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    oms_sources.proxy.reset()
    wrong = [
        ({"country": "FR"}, 1),
        ({"country": "FR", "latitude": 48.87}, 1),
        ({"country": "France", "postalCode": "75009"}, 1),
        ({"country": "FR", "latitude": 123.0, "longitude": 2.3}, 1),
        ({"country": "FR", "postalCode": ""}, 1),
        (PARIS, 0),
        (PARIS, 100),
    ]
    for destination, quantity in wrong:
        body = comptoir.query(
            VARIANT_OPTIONS,
            {"sku": cases.SKU_FULL, "destination": destination, "quantity": quantity},
        )
        assert body["data"]["variant"]["deliveryOptions"] is None, (destination, quantity)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
        assert body["data"]["variant"]["sku"] == cases.SKU_FULL
    assert oms_sources.proxy.reached("oms", "/promises") == 0
