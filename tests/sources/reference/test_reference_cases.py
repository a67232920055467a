"""The ids promised by :mod:`comptoir.sources.reference.cases` are in the small scale, as told."""

from __future__ import annotations

import httpx
import pytest
from comptoir.sources.reference import cases


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
        }
    ]
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
