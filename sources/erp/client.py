"""The ERP's HTTP calls."""

from __future__ import annotations

from collections.abc import Sequence

from comptoir.sources.erp.models import LOCATIONS, PRICES, STOCK, LocationDoc, PriceRow, StockRow
from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items


async def fetch_prices(
    client: SourceClient, skus: Sequence[str]
) -> tuple[dict[str, list[PriceRow]], float | None]:
    """Every price row of each sku on every list, grouped by sku."""
    items, max_age = await client.get_batch("/prices", "skus", skus, "prices")
    grouped: dict[str, list[PriceRow]] = {sku: [] for sku in skus}
    for row in validate_items(PRICES, items, client.name, "prices"):
        grouped.setdefault(row["sku"], []).append(row)
    return grouped, max_age


async def fetch_stock(
    client: SourceClient, skus: Sequence[str]
) -> tuple[dict[str, list[StockRow]], float | None]:
    """Every stock row of each sku, grouped by sku."""
    items, max_age = await client.get_batch("/stock", "skus", skus, "stock")
    grouped: dict[str, list[StockRow]] = {sku: [] for sku in skus}
    for row in validate_items(STOCK, items, client.name, "stock"):
        grouped.setdefault(row["sku"], []).append(row)
    return grouped, max_age


async def fetch_locations(client: SourceClient) -> tuple[list[LocationDoc], float | None]:
    """Every warehouse and store (one page)."""
    response = await client.get("/locations", {}, "locations")
    items = client.items_of(response.body, "locations")
    return validate_items(LOCATIONS, items, client.name, "locations"), response.max_age
