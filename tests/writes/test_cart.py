"""`cart(input)`: channel prices in force, promotions, and a simple cart without the engine."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from comptoir.sources.reference import cases

from tests.conftest import STORE_KEY, Comptoir
from tests.writes.conftest import CART, WriteSources, degraded, payload


def _cart(
    comptoir: Comptoir, lines: list[tuple[str, int]], coupons: list[str] | None = None, **kw: object
) -> dict:
    variables = {
        "input": {"lines": [{"sku": s, "quantity": q} for s, q in lines], "couponCodes": coupons}
    }
    return comptoir.query(CART, variables, **kw)  # type: ignore[arg-type]


def test_a_cart_is_priced_from_the_channel_list_and_discounted_by_a_coupon(
    writable: Callable[..., Comptoir],
) -> None:
    body = _cart(writable(), [(cases.SKU_FULL, 2)], [cases.COUPON_PERCENT])
    cart = payload(body, "cart")
    line = cart["lines"][0]
    assert Decimal(line["unitPrice"]["amount"]) == Decimal("129.90")
    assert Decimal(cart["subtotal"]["amount"]) == Decimal("259.80")
    assert Decimal(cart["discount"]["amount"]) > 0
    assert Decimal(cart["total"]["amount"]) == Decimal(cart["subtotal"]["amount"]) - Decimal(
        cart["discount"]["amount"]
    )
    assert any(p["label"] for p in cart["promotions"])
    assert cart["loyaltyPoints"] is not None
    assert line["variant"]["sku"] == cases.SKU_FULL
    assert cart["userErrors"] == []
    assert degraded(body) == set()


def test_unsellable_lines_are_left_out_and_reported_while_the_others_are_priced(
    writable: Callable[..., Comptoir],
) -> None:
    lines = [
        (cases.SKU_FULL, 1),
        ("V-NOPE-XX", 1),
        (cases.SKU_FULL, 0),
        (cases.SKU_FULL, 100),
    ]
    web = payload(_cart(writable(), lines), "cart")
    assert [line["sku"] for line in web["lines"]] == [cases.SKU_FULL]
    codes = {(tuple(e["field"]), e["code"]) for e in web["userErrors"]}
    assert codes == {
        (("input", "lines", "1", "sku"), "UNKNOWN_SKU"),
        (("input", "lines", "2", "quantity"), "INVALID_QUANTITY"),
        (("input", "lines", "3", "quantity"), "INVALID_QUANTITY"),
    }


def test_a_sku_not_on_the_channel_or_without_a_price_there_is_a_user_error(
    writable: Callable[..., Comptoir],
) -> None:
    comptoir = writable()
    web_only_sku = "V-00005-"  # the web-only product's skus start so
    store = payload(
        _cart(comptoir, [(cases.SKU_NO_STORE_PRICE, 1), (cases.SKU_FULL, 1)], key=STORE_KEY),
        "cart",
    )
    assert [e["code"] for e in store["userErrors"]] == ["NO_PRICE"]
    assert [line["sku"] for line in store["lines"]] == [cases.SKU_FULL]
    product = comptoir.query(
        "query($id: ID!) { product(id: $id) { variants { sku } } }", {"id": cases.PRODUCT_WEB_ONLY}
    )["data"]["product"]
    sku = product["variants"][0]["sku"]
    assert sku.startswith(web_only_sku)
    refused = payload(_cart(comptoir, [(sku, 1)], key=STORE_KEY), "cart")
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_SOLD_ON_CHANNEL"]
    assert refused["lines"] == []


def test_an_unknown_coupon_is_reported_and_the_cart_still_priced(
    writable: Callable[..., Comptoir],
) -> None:
    cart = payload(_cart(writable(), [(cases.SKU_FULL, 1)], [cases.COUPON_EXPIRED]), "cart")
    assert [e["code"] for e in cart["userErrors"]] == ["COUPON_REJECTED"]
    assert cart["userErrors"][0]["field"] == ["input", "couponCodes", "0"]
    assert len(cart["lines"]) == 1


def test_without_the_promotion_engine_the_cart_has_list_prices_and_says_fallback(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    write_sources.proxy.fault("promo").down = True
    body = _cart(writable(), [(cases.SKU_FULL, 2)], [cases.COUPON_PERCENT])
    cart = payload(body, "cart")
    assert Decimal(cart["total"]["amount"]) == Decimal("259.80")
    assert Decimal(cart["discount"]["amount"]) == 0
    assert cart["promotions"] == []
    assert cart["loyaltyPoints"] is None
    assert ("promo", "fallback") in degraded(body)


def test_prices_sent_by_the_client_are_not_part_of_the_input(
    writable: Callable[..., Comptoir],
) -> None:
    variables = {"input": {"lines": [{"sku": cases.SKU_FULL, "quantity": 1, "unitPrice": "1.00"}]}}
    body = writable().query(CART, variables)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
