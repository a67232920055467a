"""The ids promised by :mod:`comptoir.sources.reference.cases` are in the small scale, as told."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from comptoir.sources.reference import cases

from tests.support.geo import km


def one(http: httpx.Client, path: str, **params: str) -> dict:
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    return item


@pytest.mark.parametrize(
    ("order_id", "channel", "status", "mode"),
    [
        (cases.ORDER_PLACED, "web", "placed", "home"),
        (cases.ORDER_ALLOCATED, "app", "allocated", "home"),
        (cases.ORDER_SHIPPED, "web", "shipped", "click_and_collect"),
        (cases.ORDER_STORE, "store", "delivered", "click_and_collect"),
        (cases.ORDER_MARKETPLACE, "marketplace", "delivered", "home"),
        (cases.ORDER_CANCELLED, "web", "cancelled", "home"),
        (cases.ORDER_RETURNED, "web", "returned", "home"),
        (cases.ORDER_DELIVERED, "web", "delivered", "home"),
        (cases.ORDER_WITH_DISCOUNT, "web", "delivered", "home"),
    ],
)
def test_order_cases(
    http: httpx.Client, order_id: str, channel: str, status: str, mode: str
) -> None:
    order = one(http, "/oms/orders", ids=order_id)
    assert order["customer_id"] == cases.CUSTOMER_OMNICHANNEL
    assert (order["channel"], order["status"], order["delivery"]["mode"]) == (channel, status, mode)
    assert order["placed_at"].startswith("2026-")
    if mode == "home":
        assert order["delivery"]["address"]["country"] == "FR"
    if status in ("shipped", "delivered", "returned") and channel != "store":
        assert order["shipments"] and order["shipments"][0]["carrier"]


def test_first_order_is_the_contract_example(http: httpx.Client) -> None:
    order = one(http, "/oms/orders", ids=cases.ORDER_PLACED)
    assert order["lines"] == [
        {
            "id": "1",
            "sku": cases.SKU_FULL,
            "quantity": 1,
            "unit_price": "129.90",
            "discount": "0.00",
            "total": "129.90",
            "returnable_quantity": 0,
        }
    ]
    assert order["returnable_until"] is None and order["returns"] == []
    assert order["totals"] == {
        "subtotal": "129.90",
        "discount": "0.00",
        "shipping": "0.00",
        "tax": "21.65",
        "grand_total": "129.90",
    }


@pytest.mark.parametrize(
    ("product_id", "status", "channels"),
    [
        (cases.PRODUCT_FULL, "active", ["web", "app", "store"]),
        (cases.PRODUCT_MISSING_FR, "active", ["web", "app", "store"]),
        (cases.PRODUCT_DRAFT, "draft", ["web", "app", "store"]),
        (cases.PRODUCT_DISCONTINUED, "discontinued", ["web", "app", "store"]),
        (cases.PRODUCT_WEB_ONLY, "active", ["web"]),
        (cases.PRODUCT_STORE_ONLY, "active", ["store"]),
        (cases.PRODUCT_MARKETPLACE, "active", ["web", "marketplace"]),
        (cases.PRODUCT_TWO_CATEGORIES, "active", ["web", "app", "store"]),
        (cases.PRODUCT_BOOTS, "active", ["web", "app", "store"]),
    ],
)
def test_product_cases(
    http: httpx.Client, product_id: str, status: str, channels: list[str]
) -> None:
    product = one(http, "/pim/products", ids=product_id)
    assert (product["status"], product["channels"]) == (status, channels)


def test_sku_cases_are_variants(http: httpx.Client) -> None:
    skus = [value for name, value in vars(cases).items() if name.startswith("SKU_")]
    found = http.get("/pim/variants", params={"ids": ",".join(skus)}).json()["items"]
    assert {variant["id"] for variant in found} == set(skus)
    store_only = one(http, "/pim/products", ids=cases.PRODUCT_STORE_ONLY)["variant_skus"]
    rows = http.get("/erp/prices", params={"skus": ",".join(store_only)}).json()["items"]
    assert rows and {row["price_list"] for row in rows} == {"EUR-STORE"}
    web_only = one(http, "/pim/products", ids=cases.PRODUCT_WEB_ONLY)["variant_skus"]
    rows = http.get("/erp/prices", params={"skus": ",".join(web_only)}).json()["items"]
    assert rows and {row["price_list"] for row in rows} == {"EUR-WEB"}


def test_customer_cases(http: httpx.Client) -> None:
    lea = one(http, "/crm/customers", email=cases.CUSTOMER_OMNICHANNEL_EMAIL)
    assert (lea["id"], lea["first_name"], lea["segments"][0]) == (
        cases.CUSTOMER_OMNICHANNEL,
        "Léa",
        "vip",
    )
    mixed = one(http, "/crm/customers", ids=cases.CUSTOMER_MIXED_CASE_EMAIL)
    assert mixed["email"] == cases.MIXED_CASE_EMAIL


def test_store_cases(http: httpx.Client) -> None:
    rivoli = one(http, "/erp/locations", ids=cases.STORE_SHIP_FROM)
    assert rivoli["kind"] == "store" and rivoli["ship_from"] and rivoli["click_and_collect"]


def point(location: dict[str, Any]) -> tuple[float, float]:
    return location["latitude"], location["longitude"]


def test_store_cases_for_returns_and_pickup(http: httpx.Client) -> None:
    rows = {row["id"]: row for row in http.get("/erp/locations").json()["items"]}
    brive, gare = rows[cases.STORE_BRIVE_RETURNS], rows[cases.STORE_BRIVE_NO_RETURNS]
    assert brive["accepts_returns"] and brive["click_and_collect"] and not brive["ship_from"]
    assert not gare["accepts_returns"] and gare["click_and_collect"]
    assert brive["postal_code"] == gare["postal_code"] == cases.BRIVE_POSTAL_CODE
    assert km(cases.BRIVE_HOME, point(brive)) < 0.5 < km(cases.BRIVE_HOME, point(gare)) < 2
    nearby = {
        loc_id
        for loc_id, row in rows.items()
        if row["click_and_collect"] and km(cases.BRIVE_HOME, point(row)) <= 50
    }
    assert nearby == {cases.STORE_BRIVE_RETURNS, cases.STORE_BRIVE_NO_RETURNS}
    no_returns = rows[cases.STORE_NO_RETURNS]
    assert not no_returns["accepts_returns"] and no_returns["kind"] == "store"
    assert km(point(rows[cases.STORE_PARIS_CENTRAL]), point(no_returns)) < 2
    held = http.get("/erp/stock", params={"skus": cases.SKU_FULL}).json()["items"]
    shipping = {r["location_id"] for r in held if rows[r["location_id"]]["ship_from"]}
    assert shipping == {*cases.WAREHOUSES, cases.STORE_SHIP_FROM}
    assert all(km(cases.EXPRESS_TOO_FAR, point(rows[loc])) > 500 for loc in shipping)
    at = {(r["location_id"]): r["on_hand"] - r["reserved"] for r in held}
    assert (at[cases.STORE_BRIVE_RETURNS], at[cases.STORE_BRIVE_NO_RETURNS]) == (4, 2)
    gare_skus = {
        r["sku"]
        for r in http.get(
            "/erp/stock", params={"skus": ",".join(one_product_skus(http, cases.PRODUCT_FULL))}
        ).json()["items"]
        if r["location_id"] == cases.STORE_BRIVE_NO_RETURNS
    }
    assert gare_skus == {cases.SKU_FULL}
    store_only = http.get("/erp/stock", params={"skus": cases.SKU_STORE_ONLY}).json()["items"]
    assert store_only and all(rows[r["location_id"]]["kind"] == "store" for r in store_only)
    assert {r["location_id"] for r in store_only if rows[r["location_id"]]["ship_from"]} == {
        cases.STORE_SHIP_FROM
    }


def one_product_skus(http: httpx.Client, product_id: str) -> list[str]:
    return [str(sku) for sku in one(http, "/pim/products", ids=product_id)["variant_skus"]]


@pytest.mark.parametrize(
    ("order_id", "status", "shipment_statuses", "return_statuses"),
    [
        (cases.ORDER_RETURNABLE, "delivered", None, []),
        (cases.ORDER_IN_TRANSIT, "shipped", ["in_transit"], []),
        (cases.ORDER_OUT_FOR_DELIVERY, "shipped", ["out_for_delivery"], []),
        (cases.ORDER_SHIPMENT_EXCEPTION, "shipped", ["exception"], []),
        (cases.ORDER_READY_FOR_PICKUP, "shipped", ["ready_for_pickup"], []),
        (cases.ORDER_SPLIT, "delivered", ["delivered", "delivered"], []),
        (
            cases.ORDER_WITH_RETURNS,
            "returned",
            None,
            ["refunded", "received", "requested", "rejected"],
        ),
        (cases.ORDER_NOTHING_LEFT_TO_RETURN, "returned", None, ["refunded"]),
        (cases.ORDER_BRIVE_RETURNABLE, "delivered", None, []),
    ],
)
def test_v2_order_cases(
    http: httpx.Client,
    order_id: str,
    status: str,
    shipment_statuses: list[str] | None,
    return_statuses: list[str],
) -> None:
    order = one(http, "/oms/orders", ids=order_id)
    assert order["status"] == status
    if shipment_statuses is not None:
        assert [s["status"] for s in order["shipments"]] == shipment_statuses
    assert [r["status"] for r in order["returns"]] == return_statuses
    owner = cases.CUSTOMER_BRIVE if order_id == cases.ORDER_BRIVE_RETURNABLE else None
    assert order["customer_id"] == (owner or cases.CUSTOMER_OMNICHANNEL)


def test_the_brive_customer(http: httpx.Client) -> None:
    customer = one(http, "/crm/customers", ids=cases.CUSTOMER_BRIVE)
    assert customer["preferred_location_id"] == cases.STORE_BRIVE_RETURNS
    order = one(http, "/oms/orders", ids=cases.ORDER_BRIVE_RETURNABLE)
    assert order["delivery"]["address"]["postal_code"] == cases.BRIVE_POSTAL_CODE
    assert [(line["sku"], line["quantity"]) for line in order["lines"]] == [(cases.SKU_FULL, 1)]
    returnable = one(http, "/oms/orders", ids=cases.ORDER_RETURNABLE)
    assert [(line["sku"], line["quantity"]) for line in returnable["lines"]] == [
        (cases.SKU_FULL, 2),
        ("V-00001-NAVY-L", 2),
    ]
