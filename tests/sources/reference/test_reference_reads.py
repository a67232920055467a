"""Read endpoints of the reference sources, over real HTTP, against the contract."""

from __future__ import annotations

import httpx
import pytest
from comptoir.sources.reference import MAX_AGE, cases


def items(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["items"]


def ids_of(rows: list[dict], key: str = "id") -> set[str]:
    return {row[key] for row in rows}


def walk(http: httpx.Client, path: str, params: dict, limit: int) -> list[dict]:
    """Every item of a list read, page by page."""
    seen: list[dict] = []
    cursor = None
    for _ in range(1000):
        page = http.get(
            path, params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= limit
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


def test_batch_read_skips_unknown_ids(http: httpx.Client) -> None:
    rows = items(
        http.get(
            "/pim/products", params={"ids": f"{cases.PRODUCT_FULL},P-99999,{cases.PRODUCT_DRAFT}"}
        )
    )
    assert ids_of(rows) == {cases.PRODUCT_FULL, cases.PRODUCT_DRAFT}
    assert "next_cursor" not in http.get("/pim/products", params={"ids": cases.PRODUCT_FULL}).json()
    assert items(http.get("/pim/products", params={"ids": ""})) == []


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/pim/products", "ids"),
        ("/pim/variants", "ids"),
        ("/pim/categories", "ids"),
        ("/dam/assets", "product_ids"),
        ("/erp/prices", "skus"),
        ("/erp/stock", "skus"),
        ("/erp/locations", "ids"),
        ("/crm/customers", "ids"),
        ("/crm/loyalty/accounts", "customer_ids"),
        ("/oms/orders", "ids"),
    ],
)
def test_more_than_100_ids_is_a_bad_request(http: httpx.Client, path: str, param: str) -> None:
    assert http.get(path, params={param: ",".join(f"X-{n}" for n in range(100))}).status_code == 200
    response = http.get(path, params={param: ",".join(f"X-{n}" for n in range(101))})
    assert response.status_code == 400
    assert response.json()["error"] == "too_many_ids"
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/pim/products", {"limit": "101"}),
        ("/pim/products", {"limit": "0"}),
        ("/pim/products", {"limit": "x"}),
        ("/pim/products", {"cursor": "not-a-cursor"}),
        ("/oms/orders", {"customer_id": "CU-100001", "cursor": "e30"}),
        ("/oms/orders", {}),
        ("/crm/customers", {}),
        ("/crm/loyalty/transactions", {}),
        ("/erp/prices", {}),
        ("/erp/stock", {}),
        ("/dam/assets", {}),
        ("/pim/variants", {}),
    ],
)
def test_bad_parameters_get_400_with_an_error_body(
    http: httpx.Client, path: str, params: dict
) -> None:
    response = http.get(path, params=params)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error", "message"}


def test_a_cursor_of_another_listing_is_refused(http: httpx.Client) -> None:
    page = http.get("/pim/products", params={"limit": 2}).json()
    response = http.get(
        "/oms/orders",
        params={"customer_id": cases.CUSTOMER_OMNICHANNEL, "cursor": page["next_cursor"]},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_cursor"


def test_unknown_paths_and_methods_answer_json_errors(http: httpx.Client) -> None:
    missing = http.get("/pim/nothing")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = http.delete("/pim/products")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_products_page_through_every_active_product_once(http: httpx.Client) -> None:
    everything = walk(http, "/pim/products", {}, 7)
    listed = [row["id"] for row in everything]
    assert listed == sorted(listed) and len(listed) == len(set(listed))
    assert all(row["status"] == "active" for row in everything)
    assert cases.PRODUCT_DRAFT not in listed and cases.PRODUCT_DISCONTINUED not in listed
    all_ids = ",".join(f"P-{n:05d}" for n in range(1, 81))
    active = {
        row["id"]
        for row in items(http.get("/pim/products", params={"ids": all_ids}))
        if row["status"] == "active"
    }
    assert set(listed) == active


def test_product_filters(http: httpx.Client) -> None:
    shoes = walk(http, "/pim/products", {"category_id": cases.CATEGORY_WITH_SUBCATEGORIES}, 100)
    assert cases.PRODUCT_BOOTS in ids_of(shoes)
    assert all({"C-boots", "C-sneakers"} & set(row["category_ids"]) for row in shoes)
    women = ids_of(walk(http, "/pim/products", {"category_id": "C-women"}, 100))
    assert {cases.PRODUCT_BOOTS, cases.PRODUCT_FULL} <= women
    gifts = ids_of(walk(http, "/pim/products", {"category_id": "C-gifts"}, 100))
    assert cases.PRODUCT_TWO_CATEGORIES in gifts
    assert walk(http, "/pim/products", {"category_id": "C-nowhere"}, 100) == []
    for query in ("cashmere crew", "CACHEMIRE", "rundhals"):
        assert cases.PRODUCT_FULL in ids_of(walk(http, "/pim/products", {"q": query}, 100)), query
    assert walk(http, "/pim/products", {"q": "zzz-nothing"}, 100) == []
    store = ids_of(walk(http, "/pim/products", {"channel": "store"}, 100))
    assert cases.PRODUCT_STORE_ONLY in store and cases.PRODUCT_WEB_ONLY not in store
    market = walk(http, "/pim/products", {"channel": "marketplace"}, 100)
    assert cases.PRODUCT_MARKETPLACE in ids_of(market)
    assert all("marketplace" in row["channels"] for row in market)
    both = walk(
        http, "/pim/products", {"channel": "web", "category_id": "C-knitwear", "q": "cashmere"}, 100
    )
    assert cases.PRODUCT_FULL in ids_of(both)


def test_product_documents_follow_the_contract(http: httpx.Client) -> None:
    (full,) = items(http.get("/pim/products", params={"ids": cases.PRODUCT_FULL}))
    assert full["name"] == {
        "en": "Cashmere crew-neck jumper",
        "fr": "Pull col rond en cachemire",
        "de": "Pullover mit Rundhals aus Kaschmir",
    }
    assert full["channels"] == ["web", "app", "store"] and full["category_ids"] == ["C-knitwear"]
    assert cases.SKU_FULL in full["variant_skus"] and full["updated_at"].endswith("+00:00")
    (missing_fr,) = items(http.get("/pim/products", params={"ids": cases.PRODUCT_MISSING_FR}))
    assert "fr" not in missing_fr["name"] and "en" in missing_fr["name"]
    variants = items(http.get("/pim/variants", params={"ids": ",".join(full["variant_skus"])}))
    assert ids_of(variants) == set(full["variant_skus"])
    teal_m = next(v for v in variants if v["id"] == cases.SKU_FULL)
    assert teal_m["options"] == {
        "color": {"en": "Teal", "fr": "Bleu canard", "de": "Petrol"},
        "color_code": "teal",
        "size": "M",
    }
    assert len(teal_m["gtin"]) == 13 and teal_m["product_id"] == cases.PRODUCT_FULL


def test_categories_and_locations_come_in_one_page(http: httpx.Client) -> None:
    categories = http.get("/pim/categories").json()
    assert categories["next_cursor"] is None
    by_id = {row["id"]: row for row in categories["items"]}
    assert by_id["C-boots"]["parent_id"] == "C-shoes" and by_id["C-shoes"]["parent_id"] == "C-women"
    assert by_id["C-women"]["parent_id"] is None
    locations = http.get("/erp/locations").json()
    assert locations["next_cursor"] is None
    stores = [row for row in locations["items"] if row["kind"] == "store"]
    warehouses = [row for row in locations["items"] if row["kind"] == "warehouse"]
    assert len(stores) >= 40 and all(row["click_and_collect"] for row in stores)
    assert ids_of(warehouses) == set(cases.WAREHOUSES)
    assert all(row["ship_from"] and not row["click_and_collect"] for row in warehouses)
    assert any(row["ship_from"] for row in stores)
    (paris,) = items(http.get("/erp/locations", params={"ids": cases.STORE_PARIS_CENTRAL}))
    assert (
        paris["city"] == "Paris"
        and abs(paris["latitude"] - 48.8719) < 0.01
        and abs(paris["longitude"] - 2.3316) < 0.01
    )
    assert not paris["ship_from"]


def test_assets(http: httpx.Client) -> None:
    rows = items(
        http.get(
            "/dam/assets",
            params={
                "product_ids": ",".join(
                    [
                        cases.PRODUCT_FULL,
                        cases.PRODUCT_EXPIRED_ASSET,
                        cases.PRODUCT_RESTRICTED_ASSET,
                        cases.PRODUCT_WITHOUT_ASSETS,
                    ]
                )
            },
        )
    )
    by_product: dict[str, list[dict]] = {}
    for row in rows:
        by_product.setdefault(row["product_id"], []).append(row)
    assert cases.PRODUCT_WITHOUT_ASSETS not in by_product
    full = by_product[cases.PRODUCT_FULL]
    assert {"image", "video", "document"} <= {row["kind"] for row in full}
    assert any(row["variant_sku"] and row["variant_sku"].startswith("V-00001-TEAL") for row in full)
    assert any(
        row["rights"]["expires_at"] and row["rights"]["expires_at"] < "2026"
        for row in by_product[cases.PRODUCT_EXPIRED_ASSET]
    )
    assert any(
        row["rights"]["channels"] == ["web"] for row in by_product[cases.PRODUCT_RESTRICTED_ASSET]
    )


def price_rows(http: httpx.Client, sku: str, **params: str) -> list[dict]:
    return items(http.get("/erp/prices", params={"skus": sku, **params}))


def test_price_rows(http: httpx.Client) -> None:
    rows = price_rows(http, cases.SKU_FULL)
    assert {row["price_list"] for row in rows} == {"EUR-WEB", "EUR-STORE"}
    assert all(row["amount"] == "129.90" and row["currency"] == "EUR" for row in rows)
    assert {
        row["price_list"] for row in price_rows(http, cases.SKU_FULL, price_list="EUR-STORE")
    } == {"EUR-STORE"}
    assert price_rows(http, cases.SKU_FULL, price_list="GBP-WEB") == []
    sale = price_rows(http, cases.SKU_ON_SALE, price_list="EUR-WEB")
    assert any(
        r["amount"] == "44.90" and r["compare_at"] == "59.90" and r["valid_to"] is None
        for r in sale
    )
    assert any(row["valid_from"] >= "2028" for row in price_rows(http, cases.SKU_FUTURE_PRICE))
    assert sum(1 for row in price_rows(http, cases.SKU_PAST_SALE) if row["valid_to"]) >= 2
    assert any(
        row["currency"] == "USD"
        for row in price_rows(http, cases.SKU_WRONG_CURRENCY, price_list="EUR-WEB")
    )
    assert price_rows(http, cases.SKU_NO_STORE_PRICE, price_list="EUR-STORE") == []
    assert price_rows(http, cases.SKU_NO_STORE_PRICE, price_list="EUR-WEB")
    (expired,) = price_rows(http, cases.SKU_STORE_PRICE_EXPIRED, price_list="EUR-STORE")
    assert expired["valid_to"] < "2026-11"
    equal = [
        r
        for r in price_rows(http, cases.SKU_EQUAL_VALID_FROM, price_list="EUR-WEB")
        if r["valid_from"].startswith("2026-06-01")
    ]
    assert sorted(r["amount"] for r in equal) == ["85.00", "89.00"]
    several = items(
        http.get("/erp/prices", params={"skus": f"{cases.SKU_FULL},{cases.SKU_ON_SALE},V-NOPE"})
    )
    assert {row["sku"] for row in several} == {cases.SKU_FULL, cases.SKU_ON_SALE}
    for row in several:
        assert isinstance(row["amount"], str) and row["amount"].count(".") == 1


def test_stock_rows(http: httpx.Client) -> None:
    rows = items(
        http.get(
            "/erp/stock",
            params={
                "skus": ",".join(
                    [
                        cases.SKU_FULL,
                        cases.SKU_NO_STOCK_ROWS,
                        cases.SKU_ZERO_STOCK,
                        cases.SKU_OVER_RESERVED,
                    ]
                )
            },
        )
    )
    by_sku: dict[str, list[dict]] = {}
    for row in rows:
        by_sku.setdefault(row["sku"], []).append(row)
    assert cases.SKU_NO_STOCK_ROWS not in by_sku
    assert by_sku[cases.SKU_ZERO_STOCK] and all(
        row["on_hand"] == 0 for row in by_sku[cases.SKU_ZERO_STOCK]
    )
    (over,) = by_sku[cases.SKU_OVER_RESERVED]
    assert over["reserved"] > over["on_hand"]
    paris = next(
        row for row in by_sku[cases.SKU_FULL] if row["location_id"] == cases.STORE_PARIS_CENTRAL
    )
    assert (paris["on_hand"], paris["reserved"]) == (7, 2)


def test_customers(http: httpx.Client) -> None:
    rows = items(
        http.get("/crm/customers", params={"ids": f"{cases.CUSTOMER_OMNICHANNEL},CU-999999"})
    )
    (lea,) = rows
    assert lea["email"] == cases.CUSTOMER_OMNICHANNEL_EMAIL
    assert {i["system"] for i in lea["identities"]} == set(cases.CHANNELS)
    assert lea["preferred_location_id"] == cases.STORE_PARIS_CENTRAL
    for email in (
        cases.MIXED_CASE_EMAIL,
        cases.MIXED_CASE_EMAIL.lower(),
        cases.MIXED_CASE_EMAIL.upper(),
    ):
        (found,) = items(http.get("/crm/customers", params={"email": email}))
        assert found["id"] == cases.CUSTOMER_MIXED_CASE_EMAIL
    assert items(http.get("/crm/customers", params={"email": "nobody@example.com"})) == []


def test_loyalty(http: httpx.Client) -> None:
    accounts = items(
        http.get(
            "/crm/loyalty/accounts",
            params={
                "customer_ids": ",".join(
                    [
                        cases.CUSTOMER_OMNICHANNEL,
                        cases.CUSTOMER_NO_ORDERS,
                        cases.CUSTOMER_ZERO_POINTS,
                        cases.CUSTOMER_RICH_POINTS,
                    ]
                )
            },
        )
    )
    by_id = {row["customer_id"]: row for row in accounts}
    assert cases.CUSTOMER_NO_ORDERS not in by_id
    assert by_id[cases.CUSTOMER_ZERO_POINTS]["points"] == 0
    assert by_id[cases.CUSTOMER_RICH_POINTS]["points"] >= 5000
    history = walk(
        http, "/crm/loyalty/transactions", {"customer_id": cases.CUSTOMER_OMNICHANNEL}, 9
    )
    assert len(history) > 30 and len({tx["id"] for tx in history}) == len(history)
    stamps = [tx["created_at"] for tx in history]
    assert stamps == sorted(stamps, reverse=True)
    assert sum(tx["points"] for tx in history) == by_id[cases.CUSTOMER_OMNICHANNEL]["points"]
    assert {"earn", "burn"} <= {tx["kind"] for tx in history}
    assert walk(http, "/crm/loyalty/transactions", {"customer_id": "CU-999999"}, 10) == []


def test_orders(http: httpx.Client) -> None:
    history = walk(http, "/oms/orders", {"customer_id": cases.CUSTOMER_OMNICHANNEL}, 5)
    assert len(history) >= 32 and len({o["id"] for o in history}) == len(history)
    stamps = [order["placed_at"] for order in history]
    assert stamps == sorted(stamps, reverse=True)
    assert set(cases.CHANNELS) <= {order["channel"] for order in history}
    assert {"placed", "allocated", "shipped", "delivered", "cancelled", "returned"} <= {
        o["status"] for o in history
    }
    (store,) = items(http.get("/oms/orders", params={"ids": cases.ORDER_STORE}))
    assert store["channel"] == "store" and store["location_id"] == cases.STORE_PARIS_CENTRAL
    (shipped,) = items(http.get("/oms/orders", params={"ids": cases.ORDER_SHIPPED}))
    assert shipped["delivery"] == {
        "mode": "click_and_collect",
        "location_id": cases.STORE_PARIS_CENTRAL,
        "address": None,
    }
    assert shipped["shipments"][0]["from_location_id"] == "L-WH-LYON"
    (returned,) = items(http.get("/oms/orders", params={"ids": cases.ORDER_RETURNED}))
    assert returned["returns"]
    (discounted,) = items(http.get("/oms/orders", params={"ids": cases.ORDER_WITH_DISCOUNT}))
    assert discounted["totals"]["discount"] != "0.00"
    assert walk(http, "/oms/orders", {"customer_id": cases.CUSTOMER_NO_ORDERS}, 10) == []


def test_cache_control_on_every_get(http: httpx.Client) -> None:
    reads = {
        "/pim/products": ("products", {"ids": cases.PRODUCT_FULL}),
        "/pim/variants": ("variants", {"ids": cases.SKU_FULL}),
        "/pim/categories": ("categories", {}),
        "/dam/assets": ("assets", {"product_ids": cases.PRODUCT_FULL}),
        "/erp/prices": ("prices", {"skus": cases.SKU_FULL}),
        "/erp/stock": ("stock", {"skus": cases.SKU_FULL}),
        "/erp/locations": ("locations", {}),
        "/crm/customers": ("customers", {"ids": cases.CUSTOMER_OMNICHANNEL}),
        "/crm/loyalty/accounts": ("loyalty_accounts", {"customer_ids": cases.CUSTOMER_OMNICHANNEL}),
        "/crm/loyalty/transactions": (
            "loyalty_transactions",
            {"customer_id": cases.CUSTOMER_OMNICHANNEL},
        ),
        "/oms/orders": ("orders", {"customer_id": cases.CUSTOMER_OMNICHANNEL}),
    }
    for path, (collection, params) in reads.items():
        response = http.get(path, params=params)
        assert response.status_code == 200
        assert response.headers["cache-control"] == f"max-age={MAX_AGE[collection]}", path
    assert http.get("/pim/products", params={"limit": 2}).headers["cache-control"] == "max-age=300"
