"""schemathesis over the whole schema, on a public and a staff channel: never a 5xx, never an internal error.

Every query and mutation gets generated arguments (within the schema's
types, and beyond what comptoir accepts: long ids, unknown enum-like text,
odd numbers) and random selections, sent over real HTTP to comptoir on a
private copy of the sources (mutations write there). A server error, an
answer that is not JSON, or an ``INTERNAL_SERVER_ERROR`` fails the test.
Bounded: ``EXAMPLES`` cases per operation and channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import TABLET_KEY, WEB_KEY, Comptoir

EXAMPLES = 40
"""Cases per operation and channel: about 40 s for the whole schema on both channels here."""

CHANNELS = {"web": (WEB_KEY, "CU-100001"), "tablet": (TABLET_KEY, None)}


@pytest.fixture(params=sorted(CHANNELS))
def channel(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    return CHANNELS[request.param]


@pytest.fixture
def served(writable: Callable[..., Comptoir], channel: tuple[str, str | None]) -> dict[str, Any]:
    """comptoir on the private sources, and the headers of the channel under test."""
    comptoir = writable(breaker_failures=1000)
    key, shopper = channel
    headers = {"X-Channel-Key": key}
    if shopper is not None:
        headers["Authorization"] = f"Bearer {comptoir.tokens.mint(shopper)}"
    return {"url": f"{comptoir.server.url}/graphql", "headers": headers}


def _faults(label: str, response: Any, sent: object) -> list[str]:
    """What is wrong with an answer: a 5xx, a body that is not JSON, an internal error."""
    if response.status_code >= 500:
        return [f"{label}: HTTP {response.status_code} for {sent!r}"]
    try:
        body = response.json()
    except ValueError:
        return [f"{label}: HTTP {response.status_code}, not JSON, for {sent!r}"]
    return [
        f"{label}: {error} for {sent!r}"
        for error in (body.get("errors") or ())
        if isinstance(body, dict)
        if error.get("extensions", {}).get("code") == "INTERNAL_SERVER_ERROR"
    ]


BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
REPRESENTATION = st.fixed_dictionaries(
    {"__typename": st.sampled_from(["Product", "Variant", "Order", "Customer", "Query", ""])},
    optional={"id": JSON_VALUES, "sku": JSON_VALUES},
)
ENTITIES = (
    "query($r: [_Any!]!) { _entities(representations: $r) { __typename"
    " ... on Product { id name } ... on Variant { sku } ... on Order { id status }"
    " ... on Customer { id email orders(first: 2) { edges { node { id } } } } } }"
)


def _fuzz(operation: Any, headers: dict[str, str], failures: list[str]) -> int:
    """Send ``EXAMPLES`` generated cases of one operation; how many were sent."""
    sent = 0

    @given(case=operation.as_strategy())
    @BOUNDED
    def probe(case: Any) -> None:
        nonlocal sent
        sent += 1
        response = case.call(headers=headers)
        failures.extend(_faults(operation.label, response, case.body))

    probe()
    return sent


def test_no_server_error_and_no_internal_error(served: dict[str, Any]) -> None:
    schema = schemathesis.graphql.from_url(served["url"], headers=served["headers"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {"Query.product", "Query.cart", "Mutation.placeOrder"} <= {o.label for o in operations}
    failures: list[str] = []
    sent = 0
    for operation in operations:
        sent += _fuzz(operation, served["headers"], failures)

    # Federation's entry point, which schemathesis leaves out: any JSON as representations.
    @given(representations=st.lists(REPRESENTATION | JSON_VALUES, max_size=120))
    @BOUNDED
    def entities(representations: list[Any]) -> None:
        nonlocal sent
        sent += 1
        body = {"query": ENTITIES, "variables": {"r": representations}}
        response = httpx.post(served["url"], json=body, headers=served["headers"], timeout=30)
        failures.extend(_faults("Query._entities", response, representations))

    entities()
    assert failures == []
    assert sent >= len(operations) * 2
