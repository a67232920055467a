"""The ERP's cached collections and their loaders: price and stock rows by sku, the locations."""

from __future__ import annotations

from typing import Any

from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.erp.client import fetch_locations, fetch_prices, fetch_stock
from comptoir.sources.erp.models import LocationDoc, PriceRow, StockRow
from comptoir.sources.http import SourceClient
from comptoir.sources.loaders import TypedLoader, WholeLoader
from comptoir.sources.plugin import WHOLE, CollectionFactory, SourcePlugin

PRICES = CollectionSpec("erp", "prices", default_max_age_s=60)
STOCK = CollectionSpec("erp", "stock", default_max_age_s=15)
LOCATIONS = CollectionSpec("erp", "locations", default_max_age_s=3600)


class PricesBySkuLoader(TypedLoader[list[PriceRow]]):
    """Every ERP price row of a sku, on every price list."""

    spec = PRICES


class StockBySkuLoader(TypedLoader[list[StockRow]]):
    """Every ERP stock row of a sku, one per location holding it."""

    spec = STOCK


class LocationsLoader(WholeLoader[LocationDoc]):
    """Every ERP location: warehouses and stores."""

    spec = LOCATIONS


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """The ERP's collections on one client."""

    async def locations(_: list[str]) -> tuple[dict[str, Any], float | None]:
        found, max_age = await fetch_locations(client)
        return {WHOLE: found}, max_age

    return {
        "prices": collection(PRICES, lambda skus: fetch_prices(client, skus)),
        "stock": collection(STOCK, lambda skus: fetch_stock(client, skus)),
        "locations": collection(LOCATIONS, locations),
    }


SOURCE = SourcePlugin(
    name="erp",
    collections=build,
    events={"prices": ("prices",), "stock": ("stock",), "locations": ("locations",)},
    whole=frozenset({"locations"}),
)
