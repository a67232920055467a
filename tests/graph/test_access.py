"""Channel keys, shopper tokens and who may read which customer and order."""

from __future__ import annotations

import time

import jwt
from comptoir.sources.reference import cases

from comptoir.settings import DEMO_JWT_SECRET
from tests.conftest import TABLET_KEY, WEB_KEY, Comptoir
from tests.graph.queries import CUSTOMER_QUERY, ENTITIES_QUERY, ME_QUERY, ORDER_QUERY

OWNER = cases.CUSTOMER_OMNICHANNEL
STRANGER = cases.CUSTOMER_NO_ORDERS


def test_missing_channel_key_is_401(comptoir: Comptoir) -> None:
    response = comptoir.post('{ product(id: "P-00001") { id } }', key=None)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_unknown_channel_key_is_401(comptoir: Comptoir) -> None:
    assert comptoir.post('{ product(id: "P-00001") { id } }', key="nope").status_code == 401


def test_bad_shopper_tokens_are_401(comptoir: Comptoir) -> None:
    now = int(time.time())
    bad = [
        "not-a-jwt",
        jwt.encode(
            {"sub": OWNER, "exp": now + 60},
            "another-secret-of-enough-length-0123",
            algorithm="HS256",
        ),
        jwt.encode({"sub": OWNER, "exp": now - 60}, DEMO_JWT_SECRET, algorithm="HS256"),
        jwt.encode({"sub": OWNER}, DEMO_JWT_SECRET, algorithm="HS256"),
        jwt.encode({"sub": OWNER, "exp": now + 60}, DEMO_JWT_SECRET * 2, algorithm="HS512"),
        jwt.encode({"sub": OWNER, "exp": now + 60}, None, algorithm="none"),
    ]
    for token in bad:
        response = comptoir.post("{ me { id } }", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


def test_me_is_the_signed_in_shopper(comptoir: Comptoir) -> None:
    body = comptoir.query(ME_QUERY, shopper=OWNER)
    me = body["data"]["me"]
    assert me["id"] == OWNER and me["email"] == cases.CUSTOMER_OMNICHANNEL_EMAIL
    assert {i["system"] for i in me["identities"]} >= {"web", "store"}
    assert me["loyalty"]["points"] >= 0


def test_me_is_null_when_anonymous_or_unknown(comptoir: Comptoir) -> None:
    assert comptoir.query("{ me { id } }")["data"]["me"] is None
    assert comptoir.query("{ me { id } }", shopper="CU-NOBODY")["data"]["me"] is None


def test_orders_of_every_channel_newest_first(comptoir: Comptoir) -> None:
    edges = comptoir.query(ME_QUERY, {"first": 40}, shopper=OWNER)["data"]["me"]["orders"]["edges"]
    channels = {e["node"]["channel"] for e in edges}
    assert {"web", "store"} <= channels
    placed = [e["node"]["placedAt"] for e in edges]
    assert placed == sorted(placed, reverse=True)


def test_orders_page_with_cursors(comptoir: Comptoir) -> None:
    first = comptoir.query(ME_QUERY, {"first": 5}, shopper=OWNER)["data"]["me"]["orders"]
    assert first["pageInfo"]["hasNextPage"]
    second = comptoir.query(
        ME_QUERY, {"first": 5, "after": first["pageInfo"]["endCursor"]}, shopper=OWNER
    )["data"]["me"]["orders"]
    ids_first = {e["node"]["id"] for e in first["edges"]}
    ids_second = {e["node"]["id"] for e in second["edges"]}
    assert len(ids_second) == 5 and not ids_first & ids_second


def test_owner_reads_own_order(comptoir: Comptoir) -> None:
    order = comptoir.query(ORDER_QUERY, {"id": cases.ORDER_STORE}, shopper=OWNER)["data"]["order"]
    assert order["id"] == cases.ORDER_STORE and order["customer"]["id"] == OWNER


def test_another_shopper_cannot_read_an_order(comptoir: Comptoir) -> None:
    body = comptoir.query(ORDER_QUERY, {"id": cases.ORDER_STORE}, shopper=STRANGER)
    assert body["data"]["order"] is None
    assert "errors" not in body, "existence is not revealed"
    anonymous = comptoir.query(ORDER_QUERY, {"id": cases.ORDER_STORE})
    assert anonymous["data"]["order"] is None


def test_customer_is_forbidden_outside_staff_channels(comptoir: Comptoir) -> None:
    body = comptoir.query(CUSTOMER_QUERY, {"id": OWNER}, shopper=STRANGER)
    assert body["data"]["customer"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert cases.CUSTOMER_OMNICHANNEL_EMAIL not in str(body)


def test_staff_channel_reads_any_customer_and_order(comptoir: Comptoir) -> None:
    body = comptoir.query(CUSTOMER_QUERY, {"id": OWNER}, key=TABLET_KEY)
    assert body["data"]["customer"]["email"] == cases.CUSTOMER_OMNICHANNEL_EMAIL
    order = comptoir.query(ORDER_QUERY, {"id": cases.ORDER_PLACED}, key=TABLET_KEY)["data"]["order"]
    assert order["customer"]["id"] == OWNER


def test_entities_apply_the_same_access_rules(comptoir: Comptoir) -> None:
    representations = [
        {"__typename": "Order", "id": cases.ORDER_STORE},
        {"__typename": "Customer", "id": OWNER},
    ]
    body = comptoir.query(
        ENTITIES_QUERY, {"representations": representations}, key=WEB_KEY, shopper=STRANGER
    )
    text = str(body["data"])
    assert cases.CUSTOMER_OMNICHANNEL_EMAIL not in text
    assert body["data"]["_entities"][0] is None
    assert body["data"]["_entities"][1] is None
    owner = comptoir.query(ENTITIES_QUERY, {"representations": representations}, shopper=OWNER)
    assert owner["data"]["_entities"][0]["id"] == cases.ORDER_STORE
    assert owner["data"]["_entities"][1]["email"] == cases.CUSTOMER_OMNICHANNEL_EMAIL


def test_entities_need_a_channel_key(comptoir: Comptoir) -> None:
    response = comptoir.post("{ _service { sdl } }", key=None)
    assert response.status_code == 401
    sdl = comptoir.query("{ _service { sdl } }")["data"]["_service"]["sdl"]
    assert "@key" in sdl and "federation/v2" in sdl


def test_browser_get_serves_graphiql_with_a_channel_key_header(comptoir: Comptoir) -> None:
    response = comptoir.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower() and "X-Channel-Key" in response.text


def test_get_queries_need_a_channel_key(comptoir: Comptoir) -> None:
    assert comptoir.http.get("/graphql", params={"query": "{ __typename }"}).status_code == 401
    ok = comptoir.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"X-Channel-Key": WEB_KEY}
    )
    assert ok.status_code == 200 and ok.json()["data"] == {"__typename": "Query"}
