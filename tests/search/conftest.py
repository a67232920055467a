"""What the search tests share: the search source's own answers, read over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import ReferenceSources

CHANNELS = {"web": ("web", "EUR-WEB"), "store": ("store", "EUR-STORE")}
"""The search parameters of the demo channels under test (assortment, price list)."""


def source_search(reference: ReferenceSources, channel: str, **params: Any) -> dict[str, Any]:
    """The search source's answer for a channel, asked directly (not through comptoir)."""
    assortment, price_list = CHANNELS[channel]
    response = httpx.get(
        f"{reference.url('search')}/products",
        params={"channel": assortment, "price_list": price_list, **params},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
