"""A replayed `registerCustomer` never reads someone else's orders or points.

An anonymous caller who guesses a registration's key and input gets the same
account back (the key's promise), but a customer's orders and loyalty are
read by that customer (signed in) or a staff channel only, whoever handed
the customer out. A signed-in caller's key is theirs: the same key and input
from another shopper is another registration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from comptoir.sources.reference import cases

from tests.conftest import TABLET_KEY, Comptoir

REGISTER = """
mutation Register($input: RegisterCustomerInput!, $key: String!) {
  registerCustomer(input: $input, idempotencyKey: $key) {
    customer { id email orders(first: 5) { edges { node { id } } } loyalty { points } }
    userErrors { code }
  }
}
"""

PLACE_ORDER = """
mutation Place($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { order { id } userErrors { code } }
}
"""

CUSTOMER = """
query($id: ID!) { customer(id: $id) { id orders(first: 5) { edges { node { id } } } } }
"""

ME = "{ me { id orders(first: 5) { edges { node { id } } } } }"

INPUT = {"email": "replay.probe.7f3a@example.com", "firstName": "Léa", "lastName": "Martin"}
KEY = "signup-1"


def order_ids(customer: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in customer["orders"]["edges"]]


def test_a_replayed_registration_reads_neither_orders_nor_points(
    writable: Callable[..., Comptoir],
) -> None:
    comptoir = writable()
    first = comptoir.query(REGISTER, {"input": INPUT, "key": KEY})
    assert first["data"]["registerCustomer"]["customer"], first
    customer_id = first["data"]["registerCustomer"]["customer"]["id"]
    placed = comptoir.query(
        PLACE_ORDER,
        {
            "input": {
                "lines": [{"sku": cases.SKU_FULL, "quantity": 1}],
                "delivery": {
                    "mode": "HOME",
                    "address": {"line1": "1 rue de Rivoli", "city": "Paris", "postalCode": "75001"},
                },
            },
            "key": "order-1",
        },
        shopper=customer_id,
    )
    order_id = placed["data"]["placeOrder"]["order"]["id"]

    # The attacker: anonymous, same key and input.
    replay = comptoir.query(REGISTER, {"input": INPUT, "key": KEY})
    assert order_id not in str(replay)
    customer = replay["data"]["registerCustomer"]["customer"]
    assert customer["id"] == customer_id and customer["orders"] is None
    assert customer["loyalty"] is None
    assert sorted((e["path"][-1], e["extensions"]["code"]) for e in replay["errors"]) == [
        ("loyalty", "FORBIDDEN"),
        ("orders", "FORBIDDEN"),
    ]

    # The customer themself and a staff channel still read them.
    assert order_ids(comptoir.query(ME, shopper=customer_id)["data"]["me"]) == [order_id]
    staff = comptoir.query(CUSTOMER, {"id": customer_id}, key=TABLET_KEY)
    assert order_ids(staff["data"]["customer"]) == [order_id]


def test_a_signed_in_callers_key_is_their_own(writable: Callable[..., Comptoir]) -> None:
    comptoir = writable()
    query = REGISTER.replace(" orders(first: 5) { edges { node { id } } } loyalty { points }", "")
    first = comptoir.query(query, {"input": INPUT, "key": KEY}, shopper="CU-100001")
    assert first["data"]["registerCustomer"]["userErrors"] == []
    # Another shopper with the same key and input does not get that account.
    other = comptoir.query(query, {"input": INPUT, "key": KEY}, shopper="CU-100002")
    assert other["data"]["registerCustomer"] == {
        "customer": None,
        "userErrors": [{"code": "EMAIL_TAKEN"}],
    }
