"""The DAM's HTTP calls."""

from __future__ import annotations

from collections.abc import Sequence

from comptoir.sources.dam.models import ASSETS, AssetDoc
from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items


async def fetch_assets(
    client: SourceClient, product_ids: Sequence[str]
) -> tuple[dict[str, list[AssetDoc]], float | None]:
    """Every asset of each product, grouped by product id (a product without assets maps to [])."""
    items, max_age = await client.get_batch("/assets", "product_ids", product_ids, "assets")
    grouped: dict[str, list[AssetDoc]] = {pid: [] for pid in product_ids}
    for asset in validate_items(ASSETS, items, client.name, "assets"):
        grouped.setdefault(asset["product_id"], []).append(asset)
    return grouped, max_age
