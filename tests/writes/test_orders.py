"""`placeOrder`: sent at once when the OMS is up, held when it is down, delivered exactly once."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from comptoir.sources.reference import cases

from tests.conftest import Comptoir
from tests.support.processes import wait_for
from tests.writes.conftest import (
    CART,
    HOME,
    MY_ORDERS,
    PLACE_ORDER,
    WriteSources,
    degraded,
    payload,
)

SHOPPER = cases.CUSTOMER_NO_ORDERS


def nothing_held(comptoir: Comptoir) -> bool:
    """The outbox holds no pending write: each one delivered (or refused), none to send again."""
    pending: int = comptoir.http.get("/readyz").json()["outbox"]["pending"]
    return pending == 0


def order_input(quantity: int = 1, **extra: Any) -> dict[str, Any]:
    """An order of the full sku, delivered home."""
    return {"lines": [{"sku": cases.SKU_FULL, "quantity": quantity}], "delivery": HOME, **extra}


def place(
    comptoir: Comptoir, key: str, order: dict[str, Any] | None = None, shopper: str = SHOPPER
) -> dict[str, Any]:
    """The whole response of a placeOrder."""
    return comptoir.query(
        PLACE_ORDER, {"input": order or order_input(), "key": key}, shopper=shopper
    )


def test_an_order_reaches_the_oms_at_once_with_our_prices(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    lines = [{"sku": cases.SKU_FULL, "quantity": 2}]
    cart = payload(
        comptoir.query(
            CART,
            {"input": {"lines": lines, "couponCodes": [cases.COUPON_PERCENT]}},
            shopper=SHOPPER,
        ),
        "cart",
    )
    body = place(comptoir, "k-1", order_input(quantity=2, couponCodes=[cases.COUPON_PERCENT]))
    placed = payload(body, "placeOrder")
    assert placed["userErrors"] == [] and placed["pending"] is False
    order = placed["order"]
    assert order["status"] == "PLACED" and order["id"].startswith("O-")
    assert order["customer"]["id"] == SHOPPER
    held = write_sources.orders_of(SHOPPER)
    assert [o["id"] for o in held] == [order["id"]]
    assert held[0]["lines"][0]["unit_price"] == "129.90"
    assert Decimal(cart["discount"]["amount"]) > 0
    assert Decimal(held[0]["totals"]["discount"]) == Decimal(cart["discount"]["amount"])
    assert Decimal(held[0]["totals"]["grand_total"]) == Decimal(cart["total"]["amount"])
    assert order["totals"]["grandTotal"]["amount"] == cart["total"]["amount"]
    assert degraded(body) == set()


def test_the_same_key_gives_the_same_order_and_another_input_a_user_error(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    first = payload(place(comptoir, "k-2"), "placeOrder")["order"]
    again = payload(place(comptoir, "k-2"), "placeOrder")["order"]
    assert again["id"] == first["id"]
    other = payload(place(comptoir, "k-2", order_input(quantity=3)), "placeOrder")
    assert other["order"] is None
    assert [e["code"] for e in other["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert len(write_sources.orders_of(SHOPPER)) == 1


def test_oms_down_the_order_is_pending_then_delivered_exactly_once(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    oms = write_sources.proxy.fault("oms")
    oms.down = True
    body = place(comptoir, "k-3")
    held = payload(body, "placeOrder")
    assert held["pending"] is True and held["userErrors"] == []
    provisional = held["order"]["id"]
    assert held["order"]["status"] == "PENDING" and provisional.startswith("PENDING-O-")
    assert ("oms", "fallback") in degraded(body)
    again = payload(place(comptoir, "k-3"), "placeOrder")
    assert again["order"]["id"] == provisional and again["pending"] is True
    listed = comptoir.query(MY_ORDERS, shopper=SHOPPER)["data"]["me"]["orders"]["edges"]
    assert [(e["node"]["id"], e["node"]["status"]) for e in listed] == [(provisional, "PENDING")]
    assert write_sources.orders_of(SHOPPER) == []

    oms.down = False
    wait_for(lambda: len(write_sources.orders_of(SHOPPER)) == 1)
    delivered = write_sources.orders_of(SHOPPER)[0]

    def resolved() -> dict[str, str]:
        order: dict[str, str] = comptoir.query(
            "query($id: ID!) { order(id: $id) { id status } }", {"id": provisional}, shopper=SHOPPER
        )["data"]["order"]
        return order

    # The OMS holds the order a moment before comptoir has recorded its answer.
    wait_for(lambda: resolved()["status"] != "PENDING")
    assert resolved() == {"id": delivered["id"], "status": "PLACED"}
    listed = comptoir.query(MY_ORDERS, shopper=SHOPPER)["data"]["me"]["orders"]["edges"]
    assert [e["node"]["id"] for e in listed] == [delivered["id"]]  # once, by the OMS id
    replay = payload(place(comptoir, "k-3"), "placeOrder")
    assert replay["order"]["id"] == delivered["id"] and replay["pending"] is False
    wait_for(lambda: nothing_held(comptoir))  # the write is settled: nothing can send it again
    assert len(write_sources.orders_of(SHOPPER)) == 1


def test_orders_held_for_one_shopper_reach_the_oms_in_the_order_placed(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    write_sources.proxy.fault("oms").down = True
    ids = [
        payload(place(comptoir, f"seq-{n}", order_input(quantity=n)), "placeOrder")["order"]["id"]
        for n in (1, 2, 3)
    ]
    assert len(set(ids)) == 3
    write_sources.proxy.fault("oms").down = False
    wait_for(lambda: len(write_sources.orders_of(SHOPPER)) == 3)
    oms_orders = sorted(write_sources.orders_of(SHOPPER), key=lambda o: o["id"])
    assert [o["lines"][0]["quantity"] for o in oms_orders] == [1, 2, 3]


def test_bad_input_gives_user_errors_and_nothing_is_held_or_sent(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    proxy = write_sources.proxy
    bad_orders = [
        order_input(quantity=0),
        {"lines": [{"sku": "V-NOPE", "quantity": 1}], "delivery": HOME},
        {"lines": [], "delivery": HOME},
        {"lines": [{"sku": cases.SKU_FULL, "quantity": 1}], "delivery": {"mode": "HOME"}},
        {
            "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
            "delivery": {"mode": "CLICK_AND_COLLECT", "locationId": "L-WH-LYON"},
        },
    ]
    expected = [
        "INVALID_QUANTITY",
        "UNKNOWN_SKU",
        "EMPTY_ORDER",
        "ADDRESS_REQUIRED",
        "UNKNOWN_LOCATION",
    ]
    proxy.reset()
    for n, (order, code) in enumerate(zip(bad_orders, expected, strict=True)):
        refused = payload(place(comptoir, f"bad-{n}", order), "placeOrder")
        assert refused["order"] is None and refused["pending"] is False
        assert code in [e["code"] for e in refused["userErrors"]], refused
    assert proxy.reached("oms") == 0 and proxy.reached("promo") == 0
    assert write_sources.orders_of(SHOPPER) == []
    ops = comptoir.http.get("/readyz").json()["outbox"]
    assert ops["pending"] == 0 and ops["failed"] == 0


def test_an_anonymous_caller_cannot_place_an_order(writable: Callable[..., Comptoir]) -> None:
    body = writable().query(PLACE_ORDER, {"input": order_input(), "key": "anon"})
    refused = payload(body, "placeOrder")
    assert [e["code"] for e in refused["userErrors"]] == ["NOT_SIGNED_IN"]


def test_click_and_collect_at_a_store_is_placed(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    order = {
        "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
        "delivery": {"mode": "CLICK_AND_COLLECT", "locationId": cases.STORE_PARIS_CENTRAL},
    }
    placed = payload(place(writable(), "cc-1", order), "placeOrder")
    assert placed["userErrors"] == []
    held = write_sources.orders_of(SHOPPER)[0]
    assert held["delivery"]["mode"] == "click_and_collect"
    assert held["delivery"]["location_id"] == cases.STORE_PARIS_CENTRAL


def test_another_shopper_cannot_read_a_pending_order(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    write_sources.proxy.fault("oms").down = True
    provisional = payload(place(comptoir, "mine"), "placeOrder")["order"]["id"]
    query = "query($id: ID!) { order(id: $id) { id } }"
    assert comptoir.query(query, {"id": provisional}, shopper=cases.CUSTOMER_OMNICHANNEL)[
        "data"
    ] == {"order": None}
    assert (
        comptoir.query(query, {"id": provisional}, shopper=SHOPPER)["data"]["order"]["id"]
        == provisional
    )


def test_two_processes_sharing_the_data_directory_deliver_a_write_once(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    first, second = writable(), writable()
    write_sources.proxy.fault("oms").down = True
    for n in range(6):
        place(first if n % 2 else second, f"shared-{n}", order_input(quantity=n + 1))
    write_sources.proxy.reset()
    write_sources.proxy.fault("oms").down = False
    wait_for(lambda: len(write_sources.orders_of(SHOPPER)) == 6)
    wait_for(lambda: nothing_held(first) and nothing_held(second))  # every write settled
    quantities = sorted(o["lines"][0]["quantity"] for o in write_sources.orders_of(SHOPPER))
    assert quantities == [1, 2, 3, 4, 5, 6]
    assert write_sources.proxy.reached("oms", "/orders") <= 6 + 2  # at most a retried probe or two


def test_with_the_promotion_engine_down_an_order_is_placed_at_list_prices(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    write_sources.proxy.fault("promo").down = True
    body = place(writable(), "no-promo", order_input(couponCodes=[cases.COUPON_PERCENT]))
    placed = payload(body, "placeOrder")
    assert placed["pending"] is False and placed["userErrors"] == []
    assert ("promo", "fallback") in degraded(body)
    held = write_sources.orders_of(SHOPPER)[0]
    assert held["totals"]["discount"] == "0.00" and held["totals"]["grand_total"] == "129.90"


def test_an_order_for_click_and_collect_needs_a_store(writable: Callable[..., Comptoir]) -> None:
    order = {
        "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
        "delivery": {"mode": "CLICK_AND_COLLECT"},
    }
    refused = payload(
        writable().query(PLACE_ORDER, {"input": order, "key": "cc"}, shopper=SHOPPER), "placeOrder"
    )
    assert [e["code"] for e in refused["userErrors"]] == ["LOCATION_REQUIRED"]
