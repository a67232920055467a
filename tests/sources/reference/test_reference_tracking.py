"""Orders v2 over real HTTP: shipments with events and lines, returns, what is left to return."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.sources.reference import build_reference_app, cases
from comptoir.sources.reference.clock import fixed_clock

DATA_NOW = datetime.fromisoformat(cases.DATA_NOW)
WINDOW = timedelta(days=30)
SHIPMENT_STATUSES = {
    "label_created",
    "in_transit",
    "out_for_delivery",
    "ready_for_pickup",
    "delivered",
    "exception",
}
RETURN_STATUSES = {"requested", "received", "refunded", "rejected"}


def serve_at(ref_data: Path, served, moment: datetime) -> Iterator[httpx.Client]:
    with (
        served(build_reference_app(ref_data, {}, clock=fixed_clock(moment))) as server,
        httpx.Client(base_url=f"{server.url}/oms", timeout=30) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def oms(ref_data: Path, served) -> Iterator[httpx.Client]:
    """The oms, its clock at the data's now."""
    yield from serve_at(ref_data, served, DATA_NOW)


@pytest.fixture(scope="module")
def oms_later(ref_data: Path, served) -> Iterator[httpx.Client]:
    """The oms 45 days after the data's now: every window of the demo has closed."""
    yield from serve_at(ref_data, served, DATA_NOW + timedelta(days=45))


def order(oms: httpx.Client, order_id: str) -> dict[str, Any]:
    response = oms.get("/orders", params={"ids": order_id})
    assert response.status_code == 200, response.text
    (found,) = response.json()["items"]
    return dict(found)


def history(oms: httpx.Client, customer_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"customer_id": customer_id, "limit": "7"}
        if cursor:
            params["cursor"] = cursor
        page = oms.get("/orders", params=params).json()
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def delivered_at(doc: dict[str, Any]) -> datetime | None:
    if doc["status"] not in ("delivered", "returned"):
        return None
    moments = [s["delivered_at"] for s in doc["shipments"]]
    return datetime.fromisoformat(max(moments) if moments else doc["placed_at"])


def check_order(doc: dict[str, Any], now: datetime) -> None:
    """Every v2 rule an order read must keep, checked against the order's own facts."""
    line_ids = [line["id"] for line in doc["lines"]]
    assert len(set(line_ids)) == len(line_ids)
    quantities = {line["id"]: line["quantity"] for line in doc["lines"]}
    shipped: dict[str, int] = {}
    for shipment in doc["shipments"]:
        assert shipment["status"] in SHIPMENT_STATUSES
        assert shipment["tracking_url"] is None or shipment["tracking_url"].startswith("https://")
        events = shipment["events"]
        stamps = [datetime.fromisoformat(e["at"]) for e in events]
        assert events and stamps == sorted(stamps) and all(s <= now for s in stamps)
        assert {e["status"] for e in events} <= SHIPMENT_STATUSES
        assert events[-1]["status"] == shipment["status"]
        assert all(isinstance(e["location"], str | None) for e in events)
        eta = shipment["estimated_delivery_at"]
        assert eta is None or datetime.fromisoformat(eta).utcoffset() is not None
        assert (shipment["delivered_at"] is not None) == (shipment["status"] == "delivered")
        for part in shipment["lines"]:
            shipped[part["line_id"]] = shipped.get(part["line_id"], 0) + part["quantity"]
    if doc["shipments"]:
        assert shipped == quantities  # every unit in exactly one parcel
    taken: dict[str, int] = {}
    for ret in doc["returns"]:
        assert ret["status"] in RETURN_STATUSES and ret["method"] in ("store", "carrier")
        assert (ret["location_id"] is not None) == (ret["method"] == "store")
        if ret["status"] == "refunded":
            assert ret["refund"]["currency"] == doc["currency"] and ret["refund"]["amount"]
        else:
            assert ret["refund"] is None
        for part in ret["lines"]:
            assert part["line_id"] in quantities and part["quantity"] >= 1
            if ret["status"] != "rejected":
                taken[part["line_id"]] = taken.get(part["line_id"], 0) + part["quantity"]
    delivered = delivered_at(doc)
    open_ = delivered is not None and now < delivered + WINDOW
    expected = {
        line_id: (quantity - taken.get(line_id, 0) if open_ else 0)
        for line_id, quantity in quantities.items()
    }
    assert {line["id"]: line["returnable_quantity"] for line in doc["lines"]} == expected
    if open_ and any(expected.values()):
        assert delivered is not None
        assert datetime.fromisoformat(doc["returnable_until"]) == delivered + WINDOW
    else:
        assert doc["returnable_until"] is None


def test_every_order_of_a_customer_keeps_the_v2_rules(oms: httpx.Client) -> None:
    orders = history(oms, cases.CUSTOMER_OMNICHANNEL)
    assert len(orders) >= 39
    for doc in orders:
        check_order(doc, DATA_NOW)
    statuses = {s["status"] for doc in orders for s in doc["shipments"]}
    assert statuses == SHIPMENT_STATUSES
    assert {r["status"] for doc in orders for r in doc["returns"]} == RETURN_STATUSES
    assert any(doc["returnable_until"] for doc in orders)


def test_batch_reads_keep_the_rules_on_random_orders_too(oms, oms_later) -> None:
    ids = [f"O-2026-{n:06d}" for n in range(1, 101)] + [f"O-2025-{n:06d}" for n in range(1, 301)]
    for client, now in ((oms, DATA_NOW), (oms_later, DATA_NOW + timedelta(days=45))):
        found = []
        for start in range(0, len(ids), 100):
            response = client.get("/orders", params={"ids": ",".join(ids[start : start + 100])})
            found += response.json()["items"]
        assert len(found) > 100
        for doc in found:
            check_order(doc, now)


def test_a_delivered_order_within_its_window(oms: httpx.Client) -> None:
    doc = order(oms, cases.ORDER_RETURNABLE)
    assert doc["status"] == "delivered" and doc["returns"] == []
    assert [(line["id"], line["returnable_quantity"]) for line in doc["lines"]] == [
        ("1", 2),
        ("2", 2),
    ]
    delivered = delivered_at(doc)
    assert delivered is not None and DATA_NOW - timedelta(days=5) < delivered < DATA_NOW
    assert doc["returnable_until"] == (delivered + WINDOW).isoformat()


def test_the_same_order_once_the_window_has_closed(oms_later: httpx.Client) -> None:
    doc = order(oms_later, cases.ORDER_RETURNABLE)
    assert doc["returnable_until"] is None
    assert {line["returnable_quantity"] for line in doc["lines"]} == {0}


@pytest.mark.parametrize(
    "order_id",
    [
        cases.ORDER_RETURN_WINDOW_CLOSED,
        cases.ORDER_PLACED,
        cases.ORDER_IN_TRANSIT,
        cases.ORDER_CANCELLED,
        cases.ORDER_NOTHING_LEFT_TO_RETURN,
    ],
)
def test_orders_with_nothing_to_return(oms: httpx.Client, order_id: str) -> None:
    doc = order(oms, order_id)
    assert doc["returnable_until"] is None
    assert {line["returnable_quantity"] for line in doc["lines"]} == {0}


def test_returns_in_every_status_and_a_rejected_one_gives_the_units_back(oms) -> None:
    doc = order(oms, cases.ORDER_WITH_RETURNS)
    by_line = {ret["lines"][0]["line_id"]: ret for ret in doc["returns"]}
    statuses = {line_id: ret["status"] for line_id, ret in by_line.items()}
    assert statuses == {"1": "refunded", "2": "received", "3": "requested", "4": "rejected"}
    assert by_line["1"]["refund"] == {"amount": doc["lines"][0]["total"], "currency": "EUR"}
    assert [line["returnable_quantity"] for line in doc["lines"]] == [0, 0, 0, 1]
    assert doc["returnable_until"] is not None
    assert all(r["id"].startswith("R-2026-") for r in doc["returns"])


def test_a_parcel_in_transit(oms: httpx.Client) -> None:
    doc = order(oms, cases.ORDER_IN_TRANSIT)
    assert doc["status"] == "shipped"
    (shipment,) = doc["shipments"]
    assert shipment["status"] == "in_transit" and shipment["delivered_at"] is None
    assert [e["status"] for e in shipment["events"]] == [
        "label_created",
        "in_transit",
        "in_transit",
    ]
    assert datetime.fromisoformat(shipment["estimated_delivery_at"]) > DATA_NOW
    assert shipment["tracking_number"] in shipment["tracking_url"]
    assert shipment["shipped_at"] == shipment["events"][1]["at"]


@pytest.mark.parametrize(
    ("order_id", "status", "last_events"),
    [
        (cases.ORDER_READY_FOR_PICKUP, "ready_for_pickup", ["in_transit", "ready_for_pickup"]),
        (cases.ORDER_OUT_FOR_DELIVERY, "out_for_delivery", ["in_transit", "out_for_delivery"]),
        (cases.ORDER_SHIPMENT_EXCEPTION, "exception", ["out_for_delivery", "exception"]),
        (cases.ORDER_ALLOCATED, "label_created", ["label_created"]),
    ],
)
def test_parcels_at_each_stage(oms, order_id: str, status: str, last_events: list[str]) -> None:
    (shipment,) = order(oms, order_id)["shipments"]
    assert shipment["status"] == status
    assert [e["status"] for e in shipment["events"]][-len(last_events) :] == last_events
    assert (shipment["estimated_delivery_at"] is None) == (status == "exception")


def test_a_split_order_has_a_parcel_per_location(oms: httpx.Client) -> None:
    doc = order(oms, cases.ORDER_SPLIT)
    parcels = {s["from_location_id"]: s["lines"] for s in doc["shipments"]}
    assert parcels == {
        "L-WH-LYON": [{"line_id": "1", "quantity": 1}, {"line_id": "3", "quantity": 1}],
        "L-WH-LILLE": [{"line_id": "2", "quantity": 1}],
    }


def test_a_store_sale_is_returnable_from_the_day_it_was_sold(oms: httpx.Client) -> None:
    doc = order(oms, cases.ORDER_STORE)
    assert doc["shipments"] == []
    placed = datetime.fromisoformat(doc["placed_at"])
    assert doc["returnable_until"] == (placed + WINDOW).isoformat()


def test_locations_say_whether_they_accept_returns(http: httpx.Client) -> None:
    rows = {row["id"]: row for row in http.get("/erp/locations").json()["items"]}
    assert all(isinstance(row["accepts_returns"], bool) for row in rows.values())
    assert not any(row["accepts_returns"] for row in rows.values() if row["kind"] == "warehouse")
    stores = [row for row in rows.values() if row["kind"] == "store"]
    assert any(row["accepts_returns"] for row in stores)
    assert any(not row["accepts_returns"] for row in stores)
    assert rows[cases.STORE_PARIS_CENTRAL]["accepts_returns"]
    assert not rows[cases.STORE_NO_RETURNS]["accepts_returns"]
    assert rows[cases.STORE_BRIVE_RETURNS]["accepts_returns"]
    assert not rows[cases.STORE_BRIVE_NO_RETURNS]["accepts_returns"]
