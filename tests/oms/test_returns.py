"""Returns over real HTTP: eligibility as the OMS reports it, every refusal checked before
anything is sent, a return to a store near home, and a return held while the OMS is down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from comptoir.sources.reference import cases

from tests.conftest import TABLET_KEY, Comptoir
from tests.oms.conftest import ORDER_AFTER, REQUEST_RETURN, OmsSources, data_of
from tests.support.processes import wait_for
from tests.writes.conftest import degraded

OWNER = cases.CUSTOMER_OMNICHANNEL
STRANGER = cases.CUSTOMER_NO_ORDERS
BRIVE_SHOPPER = cases.CUSTOMER_BRIVE

STORES_TAKING_RETURNS = """
query($near: GeoPointInput!, $radiusKm: Float, $accepts: Boolean) {
  locations(near: $near, radiusKm: $radiusKm, acceptsReturns: $accepts) {
    id name acceptsReturns distanceKm
  }
}
"""
ME = "query { me { firstName } }"


def order_of(comptoir: Comptoir, order_id: str, **kwargs: Any) -> dict[str, Any]:
    found: dict[str, Any] = data_of(comptoir.query(ORDER_AFTER, {"id": order_id}, **kwargs))[
        "order"
    ]
    return found


def ask(
    comptoir: Comptoir, idem: str, order_id: str, lines: list[dict[str, Any]], **kwargs: Any
) -> dict[str, Any]:
    method = kwargs.pop("method", "CARRIER")
    location = kwargs.pop("location_id", None)
    body = {"orderId": order_id, "lines": lines, "method": method, "locationId": location}
    return comptoir.query(REQUEST_RETURN, {"input": body, "key": idem}, **kwargs)


def line(line_id: str, quantity: int = 1, reason: str = "TOO_SMALL") -> dict[str, Any]:
    return {"lineId": line_id, "quantity": quantity, "reason": reason}


def oms_returns(sources: OmsSources, order_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sources.order(order_id).get("returns") or []
    return found


def test_what_may_be_returned_is_as_the_oms_says(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    open_order = order_of(comptoir, cases.ORDER_RETURNABLE, shopper=OWNER)
    assert open_order["returnableUntil"] is not None and open_order["returns"] == []
    assert [(ln["id"], ln["returnableQuantity"]) for ln in open_order["lines"]] == [
        ("1", 2),
        ("2", 2),
    ]
    closed = order_of(comptoir, cases.ORDER_RETURN_WINDOW_CLOSED, shopper=OWNER)
    assert closed["returnableUntil"] is None
    assert all(ln["returnableQuantity"] == 0 for ln in closed["lines"])
    returned = order_of(comptoir, cases.ORDER_WITH_RETURNS, shopper=OWNER)
    statuses = {r["lines"][0]["lineId"]: r["status"] for r in returned["returns"]}
    assert statuses == {"1": "REFUNDED", "2": "RECEIVED", "3": "REQUESTED", "4": "REJECTED"}
    (refunded,) = [r for r in returned["returns"] if r["status"] == "REFUNDED"]
    assert refunded["refund"]["currencyCode"] == "EUR" and refunded["refund"]["amount"]
    assert all(r["refund"] is None for r in returned["returns"] if r is not refunded)
    assert all(r["pending"] is False for r in returned["returns"])
    left = {ln["id"]: ln["returnableQuantity"] for ln in returned["lines"]}
    assert left == {"1": 0, "2": 0, "3": 0, "4": 1}  # a rejected return gives the unit back
    nothing = order_of(comptoir, cases.ORDER_NOTHING_LEFT_TO_RETURN, shopper=OWNER)
    assert nothing["returnableUntil"] is None


def test_return_it_to_a_store_near_home(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    home = {"latitude": cases.BRIVE_HOME[0], "longitude": cases.BRIVE_HOME[1]}
    nearby = data_of(
        comptoir.query(STORES_TAKING_RETURNS, {"near": home, "radiusKm": 0.5, "accepts": True})
    )["locations"]
    assert [s["id"] for s in nearby] == [cases.STORE_BRIVE_RETURNS]
    refusing = data_of(
        comptoir.query(STORES_TAKING_RETURNS, {"near": home, "radiusKm": 2, "accepts": False})
    )["locations"]
    assert [s["id"] for s in refusing] == [cases.STORE_BRIVE_NO_RETURNS]
    assert not refusing[0]["acceptsReturns"]

    order_id = cases.ORDER_BRIVE_RETURNABLE
    body = ask(
        comptoir,
        "ret-1",
        order_id,
        [line("1", reason="CHANGED_MIND")],
        method="STORE",
        location_id=cases.STORE_BRIVE_RETURNS,
        shopper=BRIVE_SHOPPER,
    )
    answer = data_of(body)["requestReturn"]
    assert answer["userErrors"] == [] and answer["pending"] is False
    made = answer["return"]
    assert made["id"].startswith("R-") and made["status"] == "REQUESTED"
    assert made["method"] == "STORE" and made["location"] == {"id": cases.STORE_BRIVE_RETURNS}
    assert made["lines"] == [{"lineId": "1", "quantity": 1, "reason": "CHANGED_MIND"}]
    assert [r["id"] for r in oms_returns(oms_sources, order_id)] == [made["id"]]
    after = order_of(comptoir, order_id, shopper=BRIVE_SHOPPER)
    assert [r["id"] for r in after["returns"]] == [made["id"]]
    assert after["returns"][0]["location"]["name"]
    assert after["lines"][0]["returnableQuantity"] == 0 and after["returnableUntil"] is None

    again = data_of(
        ask(
            comptoir,
            "ret-1",
            order_id,
            [line("1", reason="CHANGED_MIND")],
            method="STORE",
            location_id=cases.STORE_BRIVE_RETURNS,
            shopper=BRIVE_SHOPPER,
        )
    )["requestReturn"]
    assert again["return"]["id"] == made["id"] and again["userErrors"] == []
    other = data_of(ask(comptoir, "ret-1", order_id, [line("1")], shopper=BRIVE_SHOPPER))
    assert [e["code"] for e in other["requestReturn"]["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert len(oms_returns(oms_sources, order_id)) == 1


def test_a_staff_channel_may_ask_on_the_shoppers_behalf(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    answer = data_of(
        ask(comptoir, "desk-1", cases.ORDER_RETURNABLE, [line("2", 2, "DAMAGED")], key=TABLET_KEY)
    )["requestReturn"]
    assert answer["userErrors"] == [] and answer["return"]["status"] == "REQUESTED"
    assert [r["lines"] for r in oms_returns(oms_sources, cases.ORDER_RETURNABLE)] == [
        [{"line_id": "2", "quantity": 2, "reason": "damaged"}]
    ]


ANONYMOUS: dict[str, str] = {}
AS_OWNER = {"shopper": OWNER}
AS_STRANGER = {"shopper": STRANGER}
REFUSALS = [
    pytest.param(
        ANONYMOUS, cases.ORDER_RETURNABLE, [line("1")], {}, "NOT_SIGNED_IN", id="anonymous"
    ),
    pytest.param(
        AS_STRANGER,
        cases.ORDER_RETURNABLE,
        [line("1")],
        {},
        "UNKNOWN_ORDER",
        id="someone-elses-order",
    ),
    pytest.param(AS_OWNER, "O-2026-999999", [line("1")], {}, "UNKNOWN_ORDER", id="no-such-order"),
    pytest.param(
        AS_OWNER,
        cases.ORDER_RETURN_WINDOW_CLOSED,
        [line("1")],
        {},
        "NOT_RETURNABLE",
        id="window-closed",
    ),
    pytest.param(
        AS_OWNER, cases.ORDER_IN_TRANSIT, [line("1")], {}, "NOT_RETURNABLE", id="not-delivered"
    ),
    pytest.param(
        AS_OWNER,
        cases.ORDER_NOTHING_LEFT_TO_RETURN,
        [line("1")],
        {},
        "NOT_RETURNABLE",
        id="all-returned",
    ),
    pytest.param(
        AS_OWNER, cases.ORDER_RETURNABLE, [line("9")], {}, "UNKNOWN_LINE", id="unknown-line"
    ),
    pytest.param(
        AS_OWNER, cases.ORDER_RETURNABLE, [line("1", 3)], {}, "QUANTITY_TOO_HIGH", id="too-many"
    ),
    pytest.param(
        AS_OWNER,
        cases.ORDER_RETURNABLE,
        [line("1", 2), line("1", 1)],
        {},
        "QUANTITY_TOO_HIGH",
        id="too-many-over-two-lines",
    ),
    pytest.param(
        AS_OWNER,
        cases.ORDER_WITH_RETURNS,
        [line("1")],
        {},
        "QUANTITY_TOO_HIGH",
        id="already-returned",
    ),
    pytest.param(
        AS_OWNER, cases.ORDER_RETURNABLE, [line("1", 0)], {}, "INVALID_QUANTITY", id="zero-units"
    ),
    pytest.param(AS_OWNER, cases.ORDER_RETURNABLE, [], {}, "EMPTY_RETURN", id="no-lines"),
    pytest.param(
        AS_OWNER,
        cases.ORDER_RETURNABLE,
        [line("1")],
        {"method": "STORE"},
        "LOCATION_REQUIRED",
        id="store-without-store",
    ),
    pytest.param(
        AS_OWNER,
        cases.ORDER_RETURNABLE,
        [line("1")],
        {"method": "STORE", "location_id": "L-NOPE"},
        "UNKNOWN_LOCATION",
        id="unknown-store",
    ),
    pytest.param(
        AS_OWNER,
        cases.ORDER_RETURNABLE,
        [line("1")],
        {"method": "STORE", "location_id": cases.STORE_NO_RETURNS},
        "LOCATION_REFUSES_RETURNS",
        id="store-refusing-returns",
    ),
    pytest.param(
        AS_OWNER,
        cases.ORDER_RETURNABLE,
        [line("1")],
        {"key": ""},
        "INVALID_IDEMPOTENCY_KEY",
        id="empty-key",
    ),
]


@pytest.mark.parametrize(("caller", "order_id", "lines", "how", "code"), REFUSALS)
def test_every_refusal_is_a_user_error_and_nothing_is_sent(
    on_oms: Callable[..., Comptoir],
    oms_sources: OmsSources,
    caller: dict[str, str],
    order_id: str,
    lines: list[dict[str, Any]],
    how: dict[str, str],
    code: str,
) -> None:
    comptoir = on_oms()
    oms_sources.proxy.reset()
    key = how.get("key", "k-refused")
    body = comptoir.query(
        REQUEST_RETURN,
        {
            "input": {
                "orderId": order_id,
                "lines": lines,
                "method": how.get("method", "CARRIER"),
                "locationId": how.get("location_id"),
            },
            "key": key,
        },
        **caller,
    )
    answer = data_of(body)["requestReturn"]
    assert answer["return"] is None and answer["pending"] is False
    assert code in [e["code"] for e in answer["userErrors"]], answer["userErrors"]
    assert all(e["message"] for e in answer["userErrors"])
    assert oms_sources.proxy.reached("oms", "/returns") == 0
    assert oms_returns(oms_sources, cases.ORDER_RETURNABLE) == []


def test_someone_elses_order_is_refused_like_one_that_does_not_exist(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    theirs = data_of(ask(comptoir, "k", cases.ORDER_RETURNABLE, [line("1")], shopper=STRANGER))
    none = data_of(ask(comptoir, "k", "O-2026-999999", [line("1")], shopper=STRANGER))
    assert theirs["requestReturn"]["userErrors"] == none["requestReturn"]["userErrors"]


def test_a_return_held_while_the_oms_is_down_reaches_it_once(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    order_id = cases.ORDER_RETURNABLE
    order_of(comptoir, order_id, shopper=OWNER)  # the order is in comptoir's cache
    oms = oms_sources.proxy.fault("oms")
    oms.down = True
    body = ask(comptoir, "held-1", order_id, [line("1")], shopper=OWNER)
    held = data_of(body)["requestReturn"]
    assert held["userErrors"] == [] and held["pending"] is True
    provisional = held["return"]["id"]
    assert provisional.startswith("PENDING-R-") and held["return"]["pending"] is True
    assert ("oms", "fallback") in degraded(body)
    again = data_of(ask(comptoir, "held-1", order_id, [line("1")], shopper=OWNER))
    assert again["requestReturn"]["return"]["id"] == provisional
    # What is held counts: one unit of line 1 is left to return, not two.
    more = data_of(ask(comptoir, "held-2", order_id, [line("1", 2)], shopper=OWNER))
    assert [e["code"] for e in more["requestReturn"]["userErrors"]] == ["QUANTITY_TOO_HIGH"]
    listed = order_of(comptoir, order_id, shopper=OWNER)["returns"]
    assert [(r["id"], r["pending"], r["status"]) for r in listed] == [
        (provisional, True, "REQUESTED")
    ]
    assert oms_returns(oms_sources, order_id) == []

    oms.down = False
    wait_for(lambda: len(oms_returns(oms_sources, order_id)) == 1)
    (delivered,) = oms_returns(oms_sources, order_id)
    replay = data_of(ask(comptoir, "held-1", order_id, [line("1")], shopper=OWNER))
    assert replay["requestReturn"]["return"]["id"] == delivered["id"]
    assert replay["requestReturn"]["pending"] is False
    wait_for(lambda: comptoir.http.get("/readyz").json()["outbox"]["pending"] == 0)
    listed = order_of(comptoir, order_id, shopper=OWNER)["returns"]
    assert [(r["id"], r["pending"]) for r in listed] == [(delivered["id"], False)]
    assert len(oms_returns(oms_sources, order_id)) == 1


def test_returns_read_while_the_oms_is_down_are_stale_or_unavailable_alone(
    on_oms: Callable[..., Comptoir], oms_sources: OmsSources
) -> None:
    comptoir = on_oms()
    oms = oms_sources.proxy.fault("oms")
    oms.max_age = 0  # cached orders are past their freshness at once
    order_of(comptoir, cases.ORDER_WITH_RETURNS, shopper=OWNER)
    oms.down = True
    body = comptoir.query(ORDER_AFTER, {"id": cases.ORDER_WITH_RETURNS}, shopper=OWNER)
    assert len(data_of(body)["order"]["returns"]) == 4
    assert ("oms", "stale") in degraded(body)
    query = "query($id: ID!) { me { firstName } order(id: $id) { returns { id } } }"
    missing = comptoir.query(query, {"id": cases.ORDER_RETURNABLE}, shopper=OWNER)
    assert missing["data"]["me"]["firstName"]  # the CRM's part of the answer stands
    assert missing["data"]["order"] is None
    (error,) = missing["errors"]
    assert error["path"] == ["order"]
    assert error["extensions"] == {"code": "SOURCE_UNAVAILABLE", "source": "oms"}
