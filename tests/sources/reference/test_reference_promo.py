"""The promotion engine: automatic promotions, coupons, rejected coupons, loyalty points."""

from __future__ import annotations

import httpx
import pytest
from comptoir.sources.reference import cases

BAG = cases.SKU_PAST_SALE  # a bag: no automatic promotion applies to it


def evaluate(
    http: httpx.Client,
    lines: list[tuple[str, int, str]],
    coupons: list[str] | None = None,
    channel: str = "web",
) -> dict:
    body = {
        "channel": channel,
        "customer_id": cases.CUSTOMER_OMNICHANNEL,
        "currency": "EUR",
        "coupon_codes": coupons or [],
        "lines": [{"sku": sku, "quantity": qty, "unit_price": price} for sku, qty, price in lines],
    }
    response = http.post("/promo/carts/evaluate", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_percent_coupon_and_rejected_coupons(http: httpx.Client) -> None:
    result = evaluate(http, [(BAG, 2, "129.90")], ["WELCOME10", "NOPE", cases.COUPON_EXPIRED])
    assert result["lines"] == [
        {"sku": BAG, "quantity": 2, "unit_price": "129.90", "discount": "25.98", "total": "233.82"}
    ]
    assert result["promotions"] == [
        {"id": "PR-1", "label": "10% with WELCOME10", "amount": "25.98"}
    ]
    assert result["totals"] == {"subtotal": "259.80", "discount": "25.98", "grand_total": "233.82"}
    assert result["loyalty_points"] == 233
    assert result["rejected_coupons"] == ["NOPE", cases.COUPON_EXPIRED]


def test_no_promotion(http: httpx.Client) -> None:
    result = evaluate(http, [(BAG, 1, "149.00"), ("V-UNKNOWN", 1, "10.00")])
    assert result["promotions"] == [] and result["rejected_coupons"] == []
    assert result["totals"] == {"subtotal": "159.00", "discount": "0.00", "grand_total": "159.00"}
    assert result["loyalty_points"] == 159


def test_automatic_promotions(http: httpx.Client) -> None:
    knit = evaluate(http, [(cases.SKU_FULL, 1, "129.90"), (BAG, 1, "100.00")])
    assert knit["promotions"] == [
        {"id": cases.AUTOMATIC_KNITWEAR, "label": "20% off knitwear", "amount": "25.98"}
    ]
    assert [line["discount"] for line in knit["lines"]] == ["25.98", "0.00"]
    socks = evaluate(http, [(cases.SKU_SOCKS, 4, "12.00"), ("V-00023-NAVY-35-38", 2, "10.00")])
    (promotion,) = socks["promotions"]
    assert (
        promotion["id"] == cases.AUTOMATIC_SOCKS and promotion["amount"] == "20.00"
    )  # two cheapest free
    assert socks["totals"]["grand_total"] == "48.00"


def test_stacking_fixed_and_channel_coupons(http: httpx.Client) -> None:
    small = evaluate(http, [(BAG, 1, "50.00")], [cases.COUPON_FIXED])
    assert small["rejected_coupons"] == [cases.COUPON_FIXED]
    big = evaluate(
        http,
        [(BAG, 1, "80.00"), (cases.SKU_NO_STORE_PRICE, 1, "40.00")],
        [cases.COUPON_FIXED, cases.COUPON_FREE_SHIPPING],
    )
    assert big["totals"] == {"subtotal": "120.00", "discount": "15.00", "grand_total": "105.00"}
    assert sum(float(line["discount"]) for line in big["lines"]) == pytest.approx(15.0)
    assert {
        "id": "PR-2",
        "label": "Free shipping with FREESHIP",
        "amount": "0.00",
        "free_shipping": True,
    } in big["promotions"]
    web = evaluate(http, [(BAG, 1, "100.00")], [cases.COUPON_APP_ONLY.lower()])
    assert web["rejected_coupons"] == [cases.COUPON_APP_ONLY.lower()]
    app = evaluate(http, [(BAG, 1, "100.00")], [cases.COUPON_APP_ONLY], channel="app")
    assert app["totals"]["discount"] == "5.00" and app["rejected_coupons"] == []


def test_evaluation_is_deterministic(http: httpx.Client) -> None:
    lines = [(cases.SKU_FULL, 3, "129.90"), (cases.SKU_SOCKS, 3, "12.00"), (BAG, 1, "99.99")]
    first = evaluate(http, lines, ["WELCOME10", "MERCI15", "WELCOME10"])
    assert first == evaluate(http, lines, ["WELCOME10", "MERCI15", "WELCOME10"])
    assert [p["id"] for p in first["promotions"]] == ["PR-10", "PR-11", "PR-1", "PR-3"]
    totals = first["totals"]
    assert float(totals["subtotal"]) - float(totals["discount"]) == pytest.approx(
        float(totals["grand_total"])
    )


@pytest.mark.parametrize(
    "body",
    [
        {
            "channel": "web",
            "currency": "EUR",
            "lines": [{"sku": "X", "quantity": 1, "unit_price": 12.5}],
        },
        {"channel": "web", "currency": "euro", "lines": []},
        {"currency": "EUR", "lines": []},
        {
            "channel": "web",
            "currency": "EUR",
            "lines": [{"sku": "X", "quantity": -1, "unit_price": "1.00"}],
        },
        {"channel": "web", "currency": "EUR", "coupon_codes": "WELCOME10", "lines": []},
    ],
)
def test_bad_carts_get_400(http: httpx.Client, body: dict) -> None:
    response = http.post("/promo/carts/evaluate", json=body)
    assert response.status_code == 400 and response.json()["error"] == "invalid_body"
