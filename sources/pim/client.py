"""The PIM's HTTP calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items
from comptoir.sources.pim.models import (
    CATEGORIES,
    PRODUCTS,
    VARIANTS,
    CategoryDoc,
    ProductDoc,
    VariantDoc,
)


async def fetch_products(
    client: SourceClient, ids: Sequence[str]
) -> tuple[dict[str, ProductDoc], float | None]:
    """Products by id."""
    items, max_age = await client.get_batch("/products", "ids", ids, "products")
    return {p["id"]: p for p in validate_items(PRODUCTS, items, client.name, "products")}, max_age


async def fetch_variants(
    client: SourceClient, skus: Sequence[str]
) -> tuple[dict[str, VariantDoc], float | None]:
    """Variants by sku."""
    items, max_age = await client.get_batch("/variants", "ids", skus, "variants")
    return {v["id"]: v for v in validate_items(VARIANTS, items, client.name, "variants")}, max_age


async def fetch_categories(client: SourceClient) -> tuple[list[CategoryDoc], float | None]:
    """The whole category tree (one page)."""
    response = await client.get("/categories", {}, "categories")
    items = client.items_of(response.body, "categories")
    return validate_items(CATEGORIES, items, client.name, "categories"), response.max_age


async def fetch_product_page(
    client: SourceClient, filters: Mapping[str, str]
) -> tuple[list[ProductDoc], str | None, float | None]:
    """One page of active products matching ``filters`` (category_id, q, channel, limit, cursor)."""
    response = await client.get("/products", filters, "products")
    items = validate_items(
        PRODUCTS, client.items_of(response.body, "products"), client.name, "products"
    )
    next_cursor = response.body.get("next_cursor")
    return (
        items,
        (next_cursor if isinstance(next_cursor, str) and next_cursor else None),
        response.max_age,
    )
