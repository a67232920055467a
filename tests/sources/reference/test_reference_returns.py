"""``POST /oms/returns`` over real HTTP, on a private copy of the data and a pinned clock."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.sources.reference import build_reference_app, cases
from comptoir.sources.reference.clock import fixed_clock

NOW = datetime.fromisoformat(cases.DATA_NOW) + timedelta(hours=9)
TOKEN = "oms-secret"  # noqa: S105 - a test double's token


@pytest.fixture(scope="module")
def oms(write_data: Path, served) -> Iterator[httpx.Client]:
    app = build_reference_app(write_data, {"oms": TOKEN}, clock=fixed_clock(NOW))
    with (
        served(app) as server,
        httpx.Client(
            base_url=f"{server.url}/oms", timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        yield client


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def returnable(oms: httpx.Client, order_id: str) -> tuple[dict[str, int], str | None]:
    (doc,) = oms.get("/orders", params={"ids": order_id}).json()["items"]
    return {line["id"]: line["returnable_quantity"] for line in doc["lines"]}, doc[
        "returnable_until"
    ]


def body(order_id: str, *lines: tuple[str, int], **extra: object) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "lines": [
            {"line_id": line_id, "quantity": quantity, "reason": "too_small"}
            for line_id, quantity in lines
        ],
        "method": "store",
        "location_id": cases.STORE_BRIVE_RETURNS,
        **extra,
    }


def test_a_return_is_requested_and_lowers_what_may_be_returned(oms: httpx.Client) -> None:
    before, until = returnable(oms, cases.ORDER_RETURNABLE)
    assert before == {"1": 2, "2": 2} and until is not None
    request = body(cases.ORDER_RETURNABLE, ("1", 1), location_id=cases.STORE_PARIS_CENTRAL)
    response = oms.post("/returns", json=request, headers=key())
    assert response.status_code == 201, response.text
    created = response.json()
    assert created == {
        "id": created["id"],
        "status": "requested",
        "method": "store",
        "location_id": cases.STORE_PARIS_CENTRAL,
        "lines": [{"line_id": "1", "quantity": 1, "reason": "too_small"}],
        "refund": None,
        "created_at": "2026-11-01T09:00:00+00:00",
    }
    assert created["id"].startswith("R-2026-")
    after, still = returnable(oms, cases.ORDER_RETURNABLE)
    assert after == {"1": 1, "2": 2} and still == until
    (doc,) = oms.get("/orders", params={"ids": cases.ORDER_RETURNABLE}).json()["items"]
    assert doc["returns"] == [created]


def test_returning_everything_left_closes_the_order_to_returns(oms: httpx.Client) -> None:
    request = body(cases.ORDER_BRIVE_RETURNABLE, ("1", 1), method="carrier", location_id=None)
    response = oms.post("/returns", json=request, headers=key())
    assert response.status_code == 201, response.text
    assert response.json()["location_id"] is None and response.json()["method"] == "carrier"
    assert returnable(oms, cases.ORDER_BRIVE_RETURNABLE) == ({"1": 0}, None)
    again = oms.post("/returns", json=request, headers=key())
    assert again.status_code == 422 and again.json()["error"] == "not_returnable"


def test_a_rejected_return_frees_its_units(oms: httpx.Client) -> None:
    request = body(cases.ORDER_WITH_RETURNS, ("4", 1))
    assert oms.post("/returns", json=request, headers=key()).status_code == 201
    assert returnable(oms, cases.ORDER_WITH_RETURNS)[0] == {"1": 0, "2": 0, "3": 0, "4": 0}


def test_the_same_key_replays_and_another_body_is_refused(oms: httpx.Client) -> None:
    headers = key()
    request = body(cases.ORDER_RETURNABLE, ("2", 1))
    first = oms.post("/returns", json=request, headers=headers)
    assert first.status_code == 201
    replay = oms.post("/returns", json=dict(reversed(request.items())), headers=headers)
    assert replay.status_code == 200 and replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert returnable(oms, cases.ORDER_RETURNABLE)[0]["2"] == 1  # one return, not two
    other = oms.post("/returns", json={**request, "method": "carrier"}, headers=headers)
    assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"
    missing = oms.post("/returns", json=request)
    assert missing.status_code == 400 and missing.json()["error"] == "idempotency_key_missing"


@pytest.mark.parametrize("order_id", ["O-2026-999999", "O-" + "9" * 300])
def test_an_unknown_order_is_404(oms: httpx.Client, order_id: str) -> None:
    response = oms.post("/returns", json=body(order_id, ("1", 1)), headers=key())
    assert response.status_code == 404 and set(response.json()) == {"error", "message"}


@pytest.mark.parametrize(
    "request_body",
    [
        body(cases.ORDER_RETURNABLE, ("1", 1), location_id=None),
        {k: v for k, v in body(cases.ORDER_RETURNABLE, ("1", 1)).items() if k != "location_id"},
        body(cases.ORDER_RETURNABLE),
        body(cases.ORDER_RETURNABLE, ("1", 0)),
        body(cases.ORDER_RETURNABLE, ("1", -1)),
        {
            **body(cases.ORDER_RETURNABLE),
            "lines": [{"line_id": "1", "quantity": 1, "reason": "ugly"}],
        },
        {**body(cases.ORDER_RETURNABLE), "lines": [{"line_id": "1", "quantity": 1}]},
        body(cases.ORDER_RETURNABLE, ("1", 1), method="drone"),
        {k: v for k, v in body(cases.ORDER_RETURNABLE, ("1", 1)).items() if k != "order_id"},
        body(cases.ORDER_RETURNABLE, ("1", 1), method=None),
        ["a", "list"],
    ],
)
def test_malformed_returns_get_400_and_change_nothing(oms: httpx.Client, request_body) -> None:
    before = returnable(oms, cases.ORDER_RETURNABLE)
    response = oms.post("/returns", json=request_body, headers=key())
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_body"
    assert returnable(oms, cases.ORDER_RETURNABLE) == before


@pytest.mark.parametrize(
    ("request_body", "why"),
    [
        (body(cases.ORDER_RETURN_WINDOW_CLOSED, ("1", 1)), "window"),
        (body(cases.ORDER_IN_TRANSIT, ("1", 1)), "not delivered"),
        (body(cases.ORDER_PLACED, ("1", 1)), "not delivered"),
        (body(cases.ORDER_CANCELLED, ("1", 1)), "not delivered"),
        (body(cases.ORDER_RETURNABLE, ("9", 1)), "no line 9"),
        (body(cases.ORDER_RETURNABLE, ("9" * 300, 1)), "no line 999"),
        (body(cases.ORDER_RETURNABLE, ("2", 10**6)), "returnable"),
        (body(cases.ORDER_RETURNABLE, ("2", 3)), "returnable"),
        (body(cases.ORDER_RETURNABLE, ("2", 1), ("2", 2)), "returnable"),
        (body(cases.ORDER_WITH_RETURNS, ("1", 1)), "returnable"),
        (body(cases.ORDER_RETURNABLE, ("2", 1), location_id=cases.STORE_NO_RETURNS), "accept"),
        (
            body(cases.ORDER_RETURNABLE, ("2", 1), location_id=cases.STORE_BRIVE_NO_RETURNS),
            "accept",
        ),
        (body(cases.ORDER_RETURNABLE, ("2", 1), location_id="L-WH-LYON"), "accept"),
        (body(cases.ORDER_RETURNABLE, ("2", 1), location_id="L-NOWHERE"), "accept"),
    ],
)
def test_what_cannot_be_returned_gets_422(oms: httpx.Client, request_body, why: str) -> None:
    before = returnable(oms, request_body["order_id"])
    headers = key()
    response = oms.post("/returns", json=request_body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "not_returnable" and why in response.json()["message"]
    assert returnable(oms, request_body["order_id"]) == before
    other = body(cases.ORDER_RETURN_WINDOW_CLOSED, ("1", 1), method="carrier", location_id=None)
    retried = oms.post("/returns", json=other, headers=headers)  # a refusal keeps nothing
    assert retried.status_code == 422 and retried.json()["error"] == "not_returnable"


def test_returns_need_the_oms_token(oms: httpx.Client) -> None:
    response = httpx.post(
        f"{oms.base_url}returns", json=body(cases.ORDER_RETURNABLE, ("1", 1)), headers=key()
    )
    assert response.status_code == 401
