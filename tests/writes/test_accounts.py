"""`registerCustomer` (held while the CRM is down) and `redeemLoyaltyPoints` (never held)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from comptoir.sources.reference import cases

from tests.conftest import Comptoir
from tests.support.processes import wait_for
from tests.writes.conftest import (
    HOME,
    PLACE_ORDER,
    REDEEM,
    REGISTER,
    WriteSources,
    degraded,
    payload,
)


def newcomer(email: str = "nina.roux@example.com") -> dict[str, Any]:
    """A registration input."""
    return {"email": email, "firstName": "Nina", "lastName": "Roux", "phone": "+33612345678"}


def test_a_customer_is_created_in_the_crm_at_once(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    body = writable().query(REGISTER, {"input": newcomer(), "key": "r-1"})
    made = payload(body, "registerCustomer")
    assert made["pending"] is False and made["userErrors"] == []
    assert made["customer"]["id"].startswith("CU-")
    assert [c["id"] for c in write_sources.customers_with_email("nina.roux@example.com")] == [
        made["customer"]["id"]
    ]


def test_a_taken_email_and_a_bad_email_are_user_errors(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    taken = payload(
        comptoir.query(
            REGISTER, {"input": newcomer(cases.CUSTOMER_OMNICHANNEL_EMAIL), "key": "r-2"}
        ),
        "registerCustomer",
    )
    assert [(e["code"], e["field"]) for e in taken["userErrors"]] == [
        ("EMAIL_TAKEN", ["input", "email"])
    ]
    write_sources.proxy.reset()
    bad = payload(
        comptoir.query(REGISTER, {"input": newcomer("not-an-email"), "key": "r-3"}),
        "registerCustomer",
    )
    assert [e["code"] for e in bad["userErrors"]] == ["INVALID_EMAIL"]
    assert write_sources.proxy.reached("crm") == 0
    assert comptoir.http.get("/readyz").json()["outbox"] == {
        "backend": "sqlite",
        "status": "up",
        "pending": 0,
        "oldestPendingAgeS": None,
        "failed": 0,
    }


def test_crm_down_the_account_is_held_and_its_orders_reach_the_oms_with_the_crm_id(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    crm = write_sources.proxy.fault("crm")
    crm.down = True
    body = comptoir.query(REGISTER, {"input": newcomer(), "key": "r-4"})
    held = payload(body, "registerCustomer")
    assert held["pending"] is True and ("crm", "fallback") in degraded(body)
    provisional = held["customer"]["id"]
    assert provisional.startswith("PENDING-CU-")
    again = payload(
        comptoir.query(REGISTER, {"input": newcomer(), "key": "r-4"}), "registerCustomer"
    )
    assert again["customer"]["id"] == provisional

    me = comptoir.query("{ me { id email } }", shopper=provisional)["data"]["me"]
    assert me == {"id": provisional, "email": "nina.roux@example.com"}
    order = {"lines": [{"sku": cases.SKU_FULL, "quantity": 1}], "delivery": HOME}
    placed = payload(
        comptoir.query(PLACE_ORDER, {"input": order, "key": "o-1"}, shopper=provisional),
        "placeOrder",
    )
    assert placed["pending"] is True and placed["userErrors"] == []

    crm.down = False
    wait_for(lambda: len(write_sources.customers_with_email("nina.roux@example.com")) == 1)
    created = write_sources.customers_with_email("nina.roux@example.com")[0]["id"]
    wait_for(lambda: len(write_sources.orders_of(created)) == 1)
    assert write_sources.orders_of(provisional) == []
    assert comptoir.query("{ me { id } }", shopper=provisional)["data"]["me"] == {"id": created}
    delivered = write_sources.orders_of(created)[0]["id"]
    for token_subject in (provisional, created):  # a retry after the account exists: same order
        replay = payload(
            comptoir.query(PLACE_ORDER, {"input": order, "key": "o-1"}, shopper=token_subject),
            "placeOrder",
        )
        assert replay["order"]["id"] == delivered and replay["pending"] is False
    assert len(write_sources.orders_of(created)) == 1


def test_points_are_burned_against_the_live_balance_once_per_key(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    rich = cases.CUSTOMER_RICH_POINTS
    before = write_sources.points_of(rich)
    redeemed = payload(
        comptoir.query(REDEEM, {"points": 100, "key": "p-1"}, shopper=rich), "redeemLoyaltyPoints"
    )
    assert redeemed["userErrors"] == []
    assert redeemed["account"]["points"] == before - 100
    payload(
        comptoir.query(REDEEM, {"points": 100, "key": "p-1"}, shopper=rich), "redeemLoyaltyPoints"
    )
    assert write_sources.points_of(rich) == before - 100
    reused = payload(
        comptoir.query(REDEEM, {"points": 5, "key": "p-1"}, shopper=rich), "redeemLoyaltyPoints"
    )
    assert [e["code"] for e in reused["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]


def test_more_points_than_the_balance_is_a_user_error(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    poor = cases.CUSTOMER_ZERO_POINTS
    refused = payload(
        writable().query(REDEEM, {"points": 10, "key": "p-2"}, shopper=poor), "redeemLoyaltyPoints"
    )
    assert refused["account"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_POINTS"]


def test_crm_down_redeeming_is_refused_with_loyalty_unavailable(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    rich = cases.CUSTOMER_RICH_POINTS
    before = write_sources.points_of(rich)
    write_sources.proxy.fault("crm").down = True
    refused = payload(
        comptoir.query(REDEEM, {"points": 10, "key": "p-3"}, shopper=rich), "redeemLoyaltyPoints"
    )
    assert [e["code"] for e in refused["userErrors"]] == ["LOYALTY_UNAVAILABLE"]
    write_sources.proxy.fault("crm").down = False
    assert write_sources.points_of(rich) == before
    assert comptoir.http.get("/readyz").json()["outbox"]["pending"] == 0


def test_bad_points_are_user_errors_and_nothing_is_sent(
    writable: Callable[..., Comptoir], write_sources: WriteSources
) -> None:
    comptoir = writable()
    write_sources.proxy.reset()
    for points in (0, -5):
        refused = payload(
            comptoir.query(
                REDEEM,
                {"points": points, "key": f"bad-{points}"},
                shopper=cases.CUSTOMER_RICH_POINTS,
            ),
            "redeemLoyaltyPoints",
        )
        assert [e["code"] for e in refused["userErrors"]] == ["INVALID_POINTS"]
    assert write_sources.proxy.reached("crm") == 0
