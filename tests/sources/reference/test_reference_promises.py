"""``POST /oms/promises`` over real HTTP: the allocation engine's options, on a controlled clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.sources.reference import build_reference_app, build_source_app, cases
from comptoir.sources.reference.clock import NOW_VARIABLE

from tests.support.geo import km

MONDAY_BEFORE_CUT_OFF = datetime.fromisoformat("2026-11-02T13:00:00+01:00")
MONDAY_AFTER_CUT_OFF = datetime.fromisoformat("2026-11-02T15:00:00+01:00")
SATURDAY_MORNING = datetime.fromisoformat("2026-11-07T09:00:00+01:00")
OPERA = (48.8719, 2.3316)
BRIVE = {
    "country": "FR",
    "postal_code": cases.BRIVE_POSTAL_CODE,
    "latitude": cases.BRIVE_HOME[0],
    "longitude": cases.BRIVE_HOME[1],
}
PARIS = {"country": "FR", "postal_code": "75009", "latitude": OPERA[0], "longitude": OPERA[1]}
BAYONNE = {
    "country": "FR",
    "latitude": cases.EXPRESS_TOO_FAR[0],
    "longitude": cases.EXPRESS_TOO_FAR[1],
}
OPTION_KEYS = {
    "mode",
    "service",
    "from_location_ids",
    "split",
    "earliest_at",
    "latest_at",
    "order_before",
    "price",
    "currency",
}


class SetClock:
    """The oms's clock, set by each test."""

    def __init__(self) -> None:
        self.now = MONDAY_BEFORE_CUT_OFF

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def clock() -> SetClock:
    return SetClock()


@pytest.fixture(scope="module")
def oms(ref_data: Path, served, clock: SetClock) -> Iterator[httpx.Client]:
    with (
        served(build_reference_app(ref_data, {}, clock=clock)) as server,
        httpx.Client(base_url=f"{server.url}/oms", timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def locations(http: httpx.Client) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in http.get("/erp/locations").json()["items"]}


def promise(
    oms: httpx.Client, lines: list[tuple[str, int]], destination: dict[str, Any]
) -> dict[str, Any]:
    body = {
        "channel": "web",
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "destination": destination,
    }
    response = oms.post("/promises", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    check_shape(answer)
    return answer


def check_shape(answer: dict[str, Any]) -> None:
    """What holds for every answer: keys, money, offsets, fastest first, split and origins."""
    assert set(answer) == {"options", "unavailable"}
    windows = []
    for option in answer["options"]:
        pickup = option["mode"] == "click_and_collect"
        assert set(option) == OPTION_KEYS | ({"location_id"} if pickup else set())
        assert option["service"] in (("pickup",) if pickup else ("express", "standard"))
        assert option["currency"] == "EUR" and option["price"].count(".") == 1
        earliest = datetime.fromisoformat(option["earliest_at"])
        latest = datetime.fromisoformat(option["latest_at"])
        assert earliest.utcoffset() is not None and earliest <= latest
        assert option["split"] == (len(option["from_location_ids"]) > 1)
        if pickup:
            assert option["from_location_ids"][0] == option["location_id"]
        windows.append((earliest, latest))
    assert windows == sorted(windows)


def by_service(answer: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for option in answer["options"]:
        found.setdefault(option["service"], []).append(option)
    return found


def test_a_single_line_before_the_cut_off(oms, clock, locations) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    answer = promise(oms, [(cases.SKU_FULL, 1)], BRIVE)
    assert answer["unavailable"] == []
    options = by_service(answer)
    (express,) = options["express"]
    assert express["mode"] == "home" and not express["split"]
    assert express["order_before"] == "2026-11-02T14:00:00+01:00"
    assert express["earliest_at"] == "2026-11-03T09:00:00+01:00"
    assert express["latest_at"] == "2026-11-03T13:00:00+01:00"
    (origin,) = express["from_location_ids"]
    assert locations[origin]["ship_from"]
    assert (
        km(cases.BRIVE_HOME, (locations[origin]["latitude"], locations[origin]["longitude"])) < 500
    )
    (standard,) = options["standard"]
    assert standard["order_before"] is None and standard["price"] == "4.90"
    assert standard["earliest_at"] > express["latest_at"]
    assert all(locations[o]["ship_from"] for o in standard["from_location_ids"])
    stores = [option["location_id"] for option in options["pickup"]]
    assert stores == [cases.STORE_BRIVE_RETURNS, cases.STORE_BRIVE_NO_RETURNS]
    for pickup in options["pickup"]:  # both hold the unit: ready two hours later
        assert pickup["earliest_at"] == pickup["latest_at"] == "2026-11-02T15:00:00+01:00"
        assert pickup["price"] == "0.00" and not pickup["split"]
    assert [o["service"] for o in answer["options"]] == [
        "pickup",
        "pickup",
        "express",
        "standard",
    ]


def test_no_express_after_the_cut_off_and_everything_a_day_later(oms, clock) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    before = by_service(promise(oms, [(cases.SKU_FULL, 1)], BRIVE))
    clock.now = MONDAY_AFTER_CUT_OFF
    after = by_service(promise(oms, [(cases.SKU_FULL, 1)], BRIVE))
    assert "express" not in after
    assert after["standard"][0]["earliest_at"] == "2026-11-05T09:00:00+01:00"
    assert before["standard"][0]["earliest_at"] == "2026-11-04T09:00:00+01:00"
    assert [p["earliest_at"] for p in after["pickup"]] == ["2026-11-02T17:00:00+01:00"] * 2


def test_the_cut_off_is_in_the_destinations_time_zone(oms, clock) -> None:
    # 13:30 UTC is 14:30 in Paris: past the cut-off there, though not in UTC.
    clock.now = datetime.fromisoformat("2026-11-02T13:30:00+00:00")
    assert "express" not in by_service(promise(oms, [(cases.SKU_FULL, 1)], BRIVE))
    clock.now = datetime.fromisoformat("2026-11-02T12:30:00+00:00")
    (express,) = by_service(promise(oms, [(cases.SKU_FULL, 1)], BRIVE))["express"]
    assert express["order_before"] == "2026-11-02T14:00:00+01:00"


def test_no_express_on_saturday_and_no_pickup_on_sunday(oms, clock) -> None:
    clock.now = SATURDAY_MORNING
    options = by_service(promise(oms, [(cases.SKU_FULL, 1)], BRIVE))
    assert "express" not in options
    assert options["pickup"][0]["earliest_at"] == "2026-11-07T11:00:00+01:00"
    clock.now = datetime.fromisoformat("2026-11-07T18:30:00+01:00")
    options = by_service(promise(oms, [(cases.SKU_FULL, 1)], BRIVE))
    assert options["pickup"][0]["earliest_at"] == "2026-11-09T11:00:00+01:00"  # Monday


def test_no_express_beyond_the_distance_bound(oms, clock) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    options = by_service(promise(oms, [(cases.SKU_FULL, 1)], BAYONNE))
    assert "express" not in options and "pickup" not in options
    assert options["standard"]


def test_without_coordinates_neither_express_nor_pickup(oms, clock) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    answer = promise(oms, [(cases.SKU_FULL, 1)], {"country": "FR", "postal_code": "75009"})
    assert [option["service"] for option in answer["options"]] == ["standard"]


def test_a_basket_no_location_holds_ships_split(oms, clock, locations) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    lines = [(cases.SKU_STORE_ONLY, 1), (cases.SKU_FULL, 10)]
    answer = promise(oms, lines, PARIS)
    options = by_service(answer)
    (standard,) = options["standard"]
    assert standard["split"] and len(standard["from_location_ids"]) == 2
    assert cases.STORE_SHIP_FROM in standard["from_location_ids"]  # the only one shipping it
    assert all(locations[o]["ship_from"] for o in standard["from_location_ids"])
    (single,) = by_service(promise(oms, [(cases.SKU_FULL, 10)], PARIS))["standard"]
    assert not single["split"] and locations[single["from_location_ids"][0]]["kind"] == "warehouse"
    assert single["earliest_at"] < standard["earliest_at"]  # a store needs a day to prepare


def test_unavailable_lines_are_listed_and_the_rest_is_promised(oms, clock) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    lines = [
        (cases.SKU_FULL, 1),
        (cases.SKU_NO_STOCK_ROWS, 1),
        (cases.SKU_ZERO_STOCK, 2),
        (cases.SKU_OVER_RESERVED, 1),
        ("V-99999-NOPE-XL", 1),
        ("V-" + "9" * 300, 1),
    ]
    answer = promise(oms, lines, PARIS)
    assert sorted(answer["unavailable"], key=lambda u: u["sku"]) == sorted(
        [
            {"sku": cases.SKU_NO_STOCK_ROWS, "reason": "out_of_stock"},
            {"sku": cases.SKU_ZERO_STOCK, "reason": "out_of_stock"},
            {"sku": cases.SKU_OVER_RESERVED, "reason": "out_of_stock"},
            {"sku": "V-99999-NOPE-XL", "reason": "unknown_sku"},
            {"sku": "V-" + "9" * 300, "reason": "unknown_sku"},
        ],
        key=lambda u: u["sku"],
    )
    alone = promise(oms, [(cases.SKU_FULL, 1)], PARIS)
    assert answer["options"] == alone["options"]  # the options of what can be served
    nothing = promise(oms, [(cases.SKU_NO_STOCK_ROWS, 1)], PARIS)
    assert nothing["options"] == []


def test_more_units_than_any_location_holds_are_out_of_stock(oms, clock) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    answer = promise(oms, [(cases.SKU_FULL, 60)], PARIS)
    assert answer == {
        "options": [],
        "unavailable": [{"sku": cases.SKU_FULL, "reason": "out_of_stock"}],
    }


def test_click_and_collect_within_50_km_at_stores_holding_every_line(
    oms, clock, locations, http
) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    answer = promise(oms, [(cases.SKU_FULL, 1), ("V-00001-NAVY-M", 1)], BRIVE)
    assert [o["location_id"] for o in by_service(answer)["pickup"]] == [cases.STORE_BRIVE_RETURNS]
    paris = by_service(promise(oms, [(cases.SKU_FULL, 1)], PARIS))["pickup"]
    stores = [option["location_id"] for option in paris]
    rows = http.get("/erp/stock", params={"skus": cases.SKU_FULL}).json()["items"]
    held = {r["location_id"] for r in rows if r["on_hand"] - r["reserved"] >= 1}
    expected = sorted(
        (
            loc
            for loc in locations.values()
            if loc["click_and_collect"]
            and loc["id"] in held
            and km(OPERA, (loc["latitude"], loc["longitude"])) <= 50
        ),
        key=lambda loc: km(OPERA, (loc["latitude"], loc["longitude"])),
    )
    assert stores == [loc["id"] for loc in expected]
    assert stores[:2] == [cases.STORE_PARIS_CENTRAL, cases.STORE_SHIP_FROM]


@pytest.mark.parametrize(("east", "offered"), [(0.6, True), (0.72, False)])
def test_click_and_collect_stops_at_50_km(oms, clock, locations, east, offered) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    store = locations[cases.STORE_BRIVE_RETURNS]
    point = (store["latitude"], store["longitude"] + east)
    assert (km(point, (store["latitude"], store["longitude"])) < 50) is offered
    destination = {"country": "FR", "latitude": point[0], "longitude": point[1]}
    pickups = by_service(promise(oms, [(cases.SKU_FULL, 1)], destination)).get("pickup", [])
    assert (cases.STORE_BRIVE_RETURNS in [p["location_id"] for p in pickups]) is offered


def test_a_store_short_of_units_gets_them_by_transfer_later(oms, clock, locations) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    pickups = by_service(promise(oms, [(cases.SKU_FULL, 3)], BRIVE))["pickup"]
    ready, transfer = pickups
    assert ready["location_id"] == cases.STORE_BRIVE_RETURNS and not ready["split"]
    assert transfer["location_id"] == cases.STORE_BRIVE_NO_RETURNS and transfer["split"]
    source = transfer["from_location_ids"][1]
    assert locations[source]["ship_from"]
    assert transfer["earliest_at"] > ready["latest_at"]


def test_lines_of_one_sku_are_added_up(oms, clock) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    twice = promise(oms, [(cases.SKU_FULL, 2), (cases.SKU_FULL, 1)], BRIVE)
    once = promise(oms, [(cases.SKU_FULL, 3)], BRIVE)
    assert twice == once


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "web", "lines": [], "destination": PARIS},
        {"channel": "web", "lines": [{"sku": cases.SKU_FULL, "quantity": 0}], "destination": PARIS},
        {
            "channel": "web",
            "lines": [{"sku": cases.SKU_FULL, "quantity": 100}],
            "destination": PARIS,
        },
        {
            "channel": "web",
            "lines": [{"sku": cases.SKU_FULL, "quantity": "1"}],
            "destination": PARIS,
        },
        {"channel": "web", "lines": [{"sku": cases.SKU_FULL}], "destination": PARIS},
        {"channel": "web", "lines": [{"quantity": 1}], "destination": PARIS},
        {"lines": [{"sku": cases.SKU_FULL, "quantity": 1}], "destination": PARIS},
        {"channel": "", "lines": [{"sku": cases.SKU_FULL, "quantity": 1}], "destination": PARIS},
        {"channel": "web", "lines": [{"sku": cases.SKU_FULL, "quantity": 1}]},
        {
            "channel": "web",
            "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
            "destination": {"postal_code": "75009"},
        },
        {
            "channel": "web",
            "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
            "destination": {"country": "FR", "latitude": 48.87},
        },
        {
            "channel": "web",
            "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
            "destination": {"country": "FR", "postal_code": "75009", "longitude": 2.33},
        },
        {
            "channel": "web",
            "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
            "destination": {"country": "FR"},
        },
        {
            "channel": "web",
            "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
            "destination": {"country": "FR", "latitude": 123.0, "longitude": 2.33},
        },
        {
            "channel": "web",
            "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
            "destination": {"country": "France", "postal_code": "75009"},
        },
        ["not", "an", "object"],
    ],
)
def test_requests_the_contract_refuses_get_400(oms, body) -> None:
    response = oms.post("/promises", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_body" and response.json()["message"]


def test_a_body_that_is_not_json_gets_400(oms) -> None:
    response = oms.post("/promises", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_json"


def test_no_idempotency_key_is_needed(oms, clock) -> None:
    clock.now = MONDAY_BEFORE_CUT_OFF
    assert "Idempotency-Key" not in oms.headers
    promise(oms, [(cases.SKU_FULL, 1)], PARIS)


@pytest.mark.parametrize(
    ("pinned", "express"),
    [("2026-11-02T13:00:00+01:00", True), ("2026-11-02T15:00:00+01:00", False)],
)
def test_a_separately_started_oms_is_pinned_by_the_environment(
    ref_data: Path, served, monkeypatch, pinned: str, express: bool
) -> None:
    monkeypatch.setenv(NOW_VARIABLE, pinned)
    with served(build_source_app("oms", ref_data)) as server:
        body = {"channel": "web", "lines": [{"sku": cases.SKU_FULL, "quantity": 1}]}
        response = httpx.post(f"{server.url}/promises", json={**body, "destination": BRIVE})
    assert response.status_code == 200
    assert ("express" in by_service(response.json())) is express


def test_a_malformed_pin_fails_at_start(ref_data: Path, monkeypatch) -> None:
    monkeypatch.setenv(NOW_VARIABLE, "next tuesday")
    with pytest.raises(ValueError, match=NOW_VARIABLE):
        build_source_app("oms", ref_data)
    monkeypatch.setenv(NOW_VARIABLE, "2026-11-02T13:00:00")  # no offset
    with pytest.raises(ValueError, match=NOW_VARIABLE):
        build_reference_app(ref_data)
