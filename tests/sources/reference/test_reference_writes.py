"""Idempotent POSTs of the crm and the oms, over real HTTP, on a private copy of the data."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
from comptoir.sources.reference import build_reference_app, cases


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


ORDER = {
    "customer_id": cases.CUSTOMER_OMNICHANNEL,
    "channel": "web",
    "currency": "EUR",
    "lines": [
        {"sku": cases.SKU_FULL, "quantity": 2, "unit_price": "129.90"},
        {"sku": cases.SKU_ON_SALE, "quantity": 1, "unit_price": "44.90"},
    ],
    "delivery": {
        "mode": "home",
        "address": {
            "line1": "1 rue de Rivoli",
            "city": "Paris",
            "postal_code": "75001",
            "country": "FR",
        },
    },
}


def test_post_customer_is_idempotent(write_http: httpx.Client) -> None:
    headers = key()
    body = {"email": "Nouvelle.Cliente@example.com", "first_name": "Nora", "last_name": "Benali"}
    first = write_http.post("/crm/customers", json=body, headers=headers)
    assert first.status_code == 201, first.text
    created = first.json()
    assert (
        created["id"].startswith("CU-")
        and created["email"] == body["email"]
        and created["phone"] is None
    )
    again = write_http.post("/crm/customers", json=dict(reversed(body.items())), headers=headers)
    assert again.status_code == 200 and again.json() == created
    other = write_http.post("/crm/customers", json={**body, "first_name": "Zoé"}, headers=headers)
    assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"
    (found,) = write_http.get(
        "/crm/customers", params={"email": "nouvelle.cliente@EXAMPLE.com"}
    ).json()["items"]
    assert found == created
    assert write_http.get("/crm/customers", params={"ids": created["id"]}).json()["items"] == [
        created
    ]


def test_post_without_key_is_a_bad_request(write_http: httpx.Client) -> None:
    body = {"email": "sans.cle@example.com", "first_name": "Sans", "last_name": "Clé"}
    for path, payload in (
        ("/crm/customers", body),
        ("/oms/orders", ORDER),
        ("/crm/loyalty/redemptions", {"customer_id": cases.CUSTOMER_RICH_POINTS, "points": 1}),
    ):
        response = write_http.post(path, json=payload)
        assert response.status_code == 400 and response.json()["error"] == "idempotency_key_missing"


def test_email_taken_and_failures_are_not_kept(write_http: httpx.Client) -> None:
    headers = key()
    taken = {
        "email": cases.CUSTOMER_OMNICHANNEL_EMAIL.upper(),
        "first_name": "Léa",
        "last_name": "Martin",
    }
    for _ in range(2):
        response = write_http.post("/crm/customers", json=taken, headers=headers)
        assert response.status_code == 409 and response.json()["error"] == "email_taken"
    fresh = {**taken, "email": "lea.martin.bis@example.com"}
    assert write_http.post("/crm/customers", json=fresh, headers=headers).status_code == 201


def test_bad_bodies_get_400(write_http: httpx.Client) -> None:
    bad_customers = [
        {"email": "not-an-email", "first_name": "A", "last_name": "B"},
        {"email": "a@example.com", "first_name": 3, "last_name": "B"},
        ["a list"],
    ]
    for body in bad_customers:
        response = write_http.post("/crm/customers", json=body, headers=key())
        assert response.status_code == 400 and response.json()["error"] == "invalid_body", body
    invalid = write_http.post(
        "/crm/customers", content=b"{nope", headers={**key(), "Content-Type": "application/json"}
    )
    assert invalid.status_code == 400 and invalid.json()["error"] == "invalid_json"
    bad_orders = [
        {**ORDER, "lines": [{"sku": cases.SKU_FULL, "quantity": 1, "unit_price": 129.9}]},
        {**ORDER, "lines": []},
        {**ORDER, "delivery": {"mode": "home"}},
        {**ORDER, "delivery": {"mode": "click_and_collect"}},
        {**ORDER, "delivery": {"mode": "drone", "location_id": "L-WH-LYON"}},
        {k: v for k, v in ORDER.items() if k != "delivery"},
        {**ORDER, "lines": [{"sku": cases.SKU_FULL, "quantity": 0, "unit_price": "1.00"}]},
    ]
    for body in bad_orders:
        response = write_http.post("/oms/orders", json=body, headers=key())
        assert response.status_code == 400, (body, response.text)


def test_redemptions(write_http: httpx.Client) -> None:
    def balance(customer: str) -> int:
        (account,) = write_http.get(
            "/crm/loyalty/accounts", params={"customer_ids": customer}
        ).json()["items"]
        return int(account["points"])

    def redeem(body: dict) -> httpx.Response:
        return write_http.post("/crm/loyalty/redemptions", json=body, headers=key())

    rich = cases.CUSTOMER_RICH_POINTS
    before = balance(rich)
    assert redeem({"customer_id": rich, "points": 0}).status_code == 400
    assert redeem({"customer_id": rich, "points": -5}).status_code == 400
    assert redeem({"customer_id": rich, "points": "10"}).status_code == 400
    assert (
        redeem({"customer_id": rich, "points": before + 1}).json()["error"] == "insufficient_points"
    )
    assert redeem({"customer_id": cases.CUSTOMER_NO_ORDERS, "points": 1}).status_code == 422
    assert redeem({"customer_id": cases.CUSTOMER_ZERO_POINTS, "points": 1}).status_code == 422
    headers = key()
    body = {"customer_id": rich, "points": 250, "order_id": "O-2026-000999"}
    done = write_http.post("/crm/loyalty/redemptions", json=body, headers=headers)
    assert done.status_code == 201, done.text
    burn = done.json()
    assert burn["kind"] == "burn" and burn["points"] == -250 and burn["order_id"] == "O-2026-000999"
    replay = write_http.post("/crm/loyalty/redemptions", json=body, headers=headers)
    assert replay.status_code == 200 and replay.json() == burn
    assert balance(rich) == before - 250
    latest = write_http.get(
        "/crm/loyalty/transactions", params={"customer_id": rich, "limit": 1}
    ).json()["items"]
    assert latest == [burn]


def test_post_order(write_http: httpx.Client) -> None:
    headers = key()
    response = write_http.post(
        "/oms/orders",
        json={**ORDER, "promotions": [{"id": "PR-1", "amount": "30.37"}]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["id"].startswith("O-20") and order["status"] == "placed"
    assert [line["total"] for line in order["lines"]] == ["259.80", "44.90"]
    assert all(line["discount"] == "0.00" for line in order["lines"])
    totals = order["totals"]
    assert totals == {
        "subtotal": "304.70",
        "discount": "30.37",
        "shipping": "0.00",
        "tax": str((Decimal("274.33") / 6).quantize(Decimal("0.01"))),
        "grand_total": "274.33",
    }
    assert order["delivery"]["mode"] == "home" and order["delivery"]["address"]["city"] == "Paris"
    listed = write_http.get(
        "/oms/orders", params={"customer_id": cases.CUSTOMER_OMNICHANNEL, "limit": 1}
    ).json()
    assert listed["items"] == [order]
    assert write_http.get("/oms/orders", params={"ids": order["id"]}).json()["items"] == [order]
    unknown = write_http.post(
        "/oms/orders", json={**ORDER, "customer_id": "CU-999999"}, headers=key()
    )
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_customer"


def test_a_customer_created_in_the_crm_can_order(write_http: httpx.Client) -> None:
    created = write_http.post(
        "/crm/customers",
        headers=key(),
        json={"email": "commande@example.com", "first_name": "Ana", "last_name": "Costa"},
    )
    store_order = {
        **ORDER,
        "customer_id": created.json()["id"],
        "channel": "store",
        "delivery": {"mode": "click_and_collect", "location_id": cases.STORE_PARIS_CENTRAL},
    }
    response = write_http.post("/oms/orders", json=store_order, headers=key())
    assert response.status_code == 201, response.text
    assert response.json()["location_id"] == cases.STORE_PARIS_CENTRAL


def test_concurrent_posts_with_one_key_make_one_order(
    write_data: Path, write_http: httpx.Client, write_token: str, served
) -> None:
    """Requests race on two servers, two pools of connections as two processes would have."""
    customer = cases.CUSTOMER_MIXED_CASE_EMAIL
    body = {**ORDER, "customer_id": customer}

    def count() -> int:
        page = write_http.get("/oms/orders", params={"customer_id": customer, "limit": 100}).json()
        assert page["next_cursor"] is None
        return len(page["items"])

    before = count()
    headers = {**key(), "Authorization": f"Bearer {write_token}"}
    with served(build_reference_app(write_data, {"oms": write_token})) as other:
        urls = [str(write_http.base_url), other.url] * 8

        def post(url: str) -> httpx.Response:
            return httpx.post(f"{url}/oms/orders", json=body, headers=headers, timeout=30)

        with ThreadPoolExecutor(len(urls)) as pool:
            responses = list(pool.map(post, urls))
    assert sorted(r.status_code for r in responses) == [200] * (len(urls) - 1) + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert count() == before + 1
