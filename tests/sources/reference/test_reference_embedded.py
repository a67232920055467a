"""EmbeddedSources: the seven sources served from the test's own event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from comptoir.sources.reference import EmbeddedSources, cases


async def test_embedded_sources_serve_and_stop(ref_data: Path) -> None:
    async with EmbeddedSources(ref_data, {"oms": "secret"}) as sources:
        assert set(sources.base_urls) == {"pim", "dam", "erp", "crm", "oms", "promo", "search"}
        assert sources.base_urls["erp"] == f"{sources.base_url}/erp"
        async with httpx.AsyncClient(timeout=10) as client:
            products, prices, orders, found = await asyncio.gather(
                client.get(
                    f"{sources.base_urls['pim']}/products", params={"ids": cases.PRODUCT_FULL}
                ),
                client.get(f"{sources.base_urls['erp']}/prices", params={"skus": cases.SKU_FULL}),
                client.get(f"{sources.base_urls['oms']}/orders", params={"ids": cases.ORDER_STORE}),
                client.get(
                    f"{sources.base_urls['search']}/products",
                    params={"channel": "web", "price_list": "EUR-WEB", "q": "cashmere"},
                ),
            )
            assert (
                products.status_code == 200
                and products.json()["items"][0]["id"] == cases.PRODUCT_FULL
            )
            assert prices.status_code == 200 and prices.json()["items"]
            assert orders.status_code == 401
            assert cases.PRODUCT_FULL in {item["id"] for item in found.json()["items"]}
        url = sources.base_urls["pim"]
    assert sources.base_urls == {}
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient(timeout=2) as client:
            await client.get(f"{url}/categories")


async def test_embedded_sources_refuse_a_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        async with EmbeddedSources(tmp_path / "nothing"):
            pass
