"""A client cannot fill the logs: its mistakes are never logged at ERROR, nor with a traceback."""

from __future__ import annotations

import logging

import pytest
from comptoir.sources.reference import cases

from tests.conftest import TABLET_KEY, WEB_KEY, Comptoir
from tests.security.probes import (
    BAD_BODIES,
    CART,
    ENTITIES,
    INPUT_TYPO,
    JSON_HEADERS,
    LONG,
    PRODUCT_BY_ID,
    SEARCH,
    representations,
)

ME = "{ me { id } }"


def test_user_errors_log_nothing_above_info(
    comptoir: Comptoir, caplog: pytest.LogCaptureFixture
) -> None:
    sent = 0
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        for query, variables in [
            (PRODUCT_BY_ID, {"id": LONG}),
            (SEARCH, {"q": LONG}),
            (ENTITIES, {"r": representations(20_000)}),
            (ENTITIES, {"r": ["x", {"__typename": "Nope"}]}),
            (
                CART,
                {"input": {"lines": [{"sku": "V-NOPE", "quantity": 500}], "couponCodes": [LONG]}},
            ),
            (INPUT_TYPO, {}),
            ('{ customer(id: "CU-100001") { id } }', {}),
            ('{ product(id: "P-00001") { nam } }', {}),
            ("{ " + "a: __typename " * 40 + "}", {}),
            ("{ product(id: 1", {}),
        ]:
            sent += len(query) + len(str(variables))
            # 200 with errors, or 400 for a request over its cost (20,000 representations).
            assert comptoir.post(query, variables).status_code in (200, 400)
        for raw in BAD_BODIES.values():
            sent += len(raw)
            response = comptoir.http.post(
                "/graphql", content=raw, headers={**JSON_HEADERS, "X-Channel-Key": WEB_KEY}
            )
            assert response.status_code == 400
        assert comptoir.post("{ __typename }", key="nope").status_code == 401
        assert (
            comptoir.post(ME, shopper=None, headers={"Authorization": "Bearer x"}).status_code
            == 401
        )
        staff = comptoir.post(
            "query($id: ID!) { customer(id: $id) { id } }",
            {"id": cases.PRODUCT_FULL},
            key=TABLET_KEY,
        )
        assert staff.status_code == 200
    # The test client's own logs (httpx, httpcore) apart.
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert [r for r in ours if r.levelno >= logging.WARNING] == []
    assert [r for r in ours if r.exc_info] == []
    logged = sum(len(r.getMessage()) for r in ours)
    assert logged < 10_000 < sent, [(r.name, r.getMessage()[:200]) for r in ours]
