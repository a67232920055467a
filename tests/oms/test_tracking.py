"""Where is my parcel: shipments with their journey, for the order's owner and staff only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from comptoir.sources.reference import cases

from tests.conftest import TABLET_KEY, Comptoir
from tests.oms.conftest import ORDER_AFTER, OmsSources, data_of

OWNER = cases.CUSTOMER_OMNICHANNEL
STRANGER = cases.CUSTOMER_NO_ORDERS
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Order { id shipments { id trackingUrl } returns { id } }
  }
}
"""


def test_a_parcel_in_transit_has_its_journey_tracking_and_eta(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    order = data_of(comptoir.query(ORDER_AFTER, {"id": cases.ORDER_IN_TRANSIT}, shopper=OWNER))[
        "order"
    ]
    stored = oms_sources.order(cases.ORDER_IN_TRANSIT)
    (parcel,) = order["shipments"]
    (raw,) = stored["shipments"]
    assert order["status"] == "SHIPPED" and parcel["status"] == "IN_TRANSIT"
    assert parcel["trackingUrl"] == raw["tracking_url"] and raw["tracking_number"] in (
        parcel["trackingUrl"] or ""
    )
    assert parcel["trackingNumber"] == raw["tracking_number"] and parcel["carrier"]
    eta = datetime.fromisoformat(parcel["estimatedDeliveryAt"])
    assert eta > datetime.fromisoformat(cases.DATA_NOW)
    assert [e["status"] for e in parcel["events"]] == ["LABEL_CREATED", "IN_TRANSIT", "IN_TRANSIT"]
    moments = [datetime.fromisoformat(e["at"]) for e in parcel["events"]]
    assert moments == sorted(moments)  # oldest first
    assert all(e["location"] for e in parcel["events"])
    line_ids = {line["id"] for line in order["lines"]}
    assert {line["lineId"] for line in parcel["lines"]} == line_ids
    assert parcel["deliveredAt"] is None and order["returnableUntil"] is None
    assert all(line["returnableQuantity"] == 0 for line in order["lines"])


def test_every_stage_of_a_parcel_is_reported(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()

    def parcels(order_id: str) -> list[dict[str, Any]]:
        body = comptoir.query(ORDER_AFTER, {"id": order_id}, shopper=OWNER)
        found: list[dict[str, Any]] = data_of(body)["order"]["shipments"]
        return found

    (out,) = parcels(cases.ORDER_OUT_FOR_DELIVERY)
    assert out["status"] == "OUT_FOR_DELIVERY" and out["estimatedDeliveryAt"]
    (held_up,) = parcels(cases.ORDER_SHIPMENT_EXCEPTION)
    assert held_up["status"] == "EXCEPTION" and held_up["estimatedDeliveryAt"] is None
    (pickup,) = parcels(cases.ORDER_READY_FOR_PICKUP)
    assert pickup["status"] == "READY_FOR_PICKUP"
    split = parcels(cases.ORDER_SPLIT)
    assert sorted(s["fromLocationId"] for s in split) == ["L-WH-LILLE", "L-WH-LYON"]
    lines = {s["fromLocationId"]: sorted(line["lineId"] for line in s["lines"]) for s in split}
    assert lines == {"L-WH-LYON": ["1", "3"], "L-WH-LILLE": ["2"]}
    assert all(s["status"] == "DELIVERED" and s["deliveredAt"] for s in split)


def test_another_shopper_sees_nothing_of_the_order_and_staff_see_it_all(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    hidden = comptoir.query(ORDER_AFTER, {"id": cases.ORDER_IN_TRANSIT}, shopper=STRANGER)
    assert data_of(hidden)["order"] is None
    anonymous = comptoir.query(ORDER_AFTER, {"id": cases.ORDER_IN_TRANSIT})
    assert data_of(anonymous)["order"] is None
    representations = [{"__typename": "Order", "id": cases.ORDER_WITH_RETURNS}]
    entities = comptoir.query(ENTITIES, {"representations": representations}, shopper=STRANGER)
    assert data_of(entities)["_entities"] == [None]
    owner = comptoir.query(ENTITIES, {"representations": representations}, shopper=OWNER)
    (mine,) = data_of(owner)["_entities"]
    assert mine["id"] == cases.ORDER_WITH_RETURNS and len(mine["returns"]) == 4
    staff = comptoir.query(ORDER_AFTER, {"id": cases.ORDER_IN_TRANSIT}, key=TABLET_KEY)
    assert data_of(staff)["order"]["shipments"][0]["trackingUrl"]
