"""Bearer tokens: a source with a token refuses requests without it; the others stay open."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from comptoir.sources.reference import build_reference_app, build_source_app, cases


@pytest.fixture(scope="module")
def guarded(ref_data: Path, served):
    with served(
        build_reference_app(ref_data, {"erp": "erp-secret", "promo": "promo-secret"})
    ) as served:
        yield served.url


def test_missing_or_wrong_token_gets_401(guarded: str) -> None:
    url = f"{guarded}/erp/prices"
    params = {"skus": cases.SKU_FULL}
    missing = httpx.get(url, params=params)
    assert missing.status_code == 401 and missing.json()["error"] == "missing_token"
    assert missing.headers["www-authenticate"] == "Bearer"
    for value in ("Bearer nope", "Bearer promo-secret", "Basic erp-secret", "erp-secret", "Bearer"):
        wrong = httpx.get(url, params=params, headers={"Authorization": value})
        assert wrong.status_code == 401, value
        assert set(wrong.json()) == {"error", "message"}
    right = httpx.get(url, params=params, headers={"Authorization": "Bearer erp-secret"})
    assert right.status_code == 200 and right.json()["items"]
    cart = {"channel": "web", "currency": "EUR", "lines": []}
    assert httpx.post(f"{guarded}/promo/carts/evaluate", json=cart).status_code == 401
    ok = httpx.post(
        f"{guarded}/promo/carts/evaluate",
        json=cart,
        headers={"Authorization": "Bearer promo-secret"},
    )
    assert ok.status_code == 200


def test_sources_without_token_stay_open(guarded: str) -> None:
    assert (
        httpx.get(f"{guarded}/pim/products", params={"ids": cases.PRODUCT_FULL}).status_code == 200
    )


def test_single_source_app(ref_data: Path, served) -> None:
    with served(build_source_app("crm", ref_data, "crm-secret")) as crm:
        assert (
            httpx.get(
                f"{crm.url}/customers", params={"ids": cases.CUSTOMER_OMNICHANNEL}
            ).status_code
            == 401
        )
        response = httpx.get(
            f"{crm.url}/customers",
            params={"ids": cases.CUSTOMER_OMNICHANNEL},
            headers={"Authorization": "Bearer crm-secret"},
        )
        assert (
            response.status_code == 200
            and response.json()["items"][0]["id"] == cases.CUSTOMER_OMNICHANNEL
        )


def test_unknown_sources_are_refused(ref_data: Path) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        build_source_app("wms", ref_data)
    with pytest.raises(ValueError, match="unknown sources"):
        build_reference_app(ref_data, {"wms": "x"})
