"""The PIM's cached collections and their loaders: products, variants, the category tree, pages."""

from __future__ import annotations

from typing import Any

from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.http import SourceClient
from comptoir.sources.loaders import PageLoader, TypedLoader, WholeLoader
from comptoir.sources.pages import IdPage, fetch_pages
from comptoir.sources.pim.client import (
    fetch_categories,
    fetch_product_page,
    fetch_products,
    fetch_variants,
)
from comptoir.sources.pim.models import CategoryDoc, ProductDoc, VariantDoc
from comptoir.sources.plugin import WHOLE, CollectionFactory, SourcePlugin

PRODUCTS = CollectionSpec("pim", "products", default_max_age_s=300)
VARIANTS = CollectionSpec("pim", "variants", default_max_age_s=300)
CATEGORIES = CollectionSpec("pim", "categories", default_max_age_s=3600)
PRODUCT_PAGES = CollectionSpec("pim", "product_pages", default_max_age_s=60)


class ProductByIdLoader(TypedLoader[ProductDoc]):
    """PIM products by id."""

    spec = PRODUCTS


class VariantBySkuLoader(TypedLoader[VariantDoc]):
    """PIM variants by sku."""

    spec = VARIANTS


class CategoryTreeLoader(WholeLoader[CategoryDoc]):
    """The PIM's whole category tree."""

    spec = CATEGORIES


class ProductPageLoader(PageLoader[IdPage]):
    """Pages of the PIM's list of active products (filters: category_id, q, channel), as ids."""

    spec = PRODUCT_PAGES


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """The PIM's collections on one client."""
    products = collection(PRODUCTS, lambda ids: fetch_products(client, ids))

    async def categories(_: list[str]) -> tuple[dict[str, Any], float | None]:
        tree, max_age = await fetch_categories(client)
        return {WHOLE: tree}, max_age

    async def one_page(_: str, params: dict[str, str]) -> tuple[IdPage, float | None]:
        items, cursor, max_age = await fetch_product_page(client, params)
        # The page keeps ids only; the documents go to the products collection,
        # so that a change event for a product reaches every page showing it.
        await products.prime({p["id"]: p for p in items}, max_age)
        return {"ids": [p["id"] for p in items], "next_cursor": cursor}, max_age

    return {
        "products": products,
        "variants": collection(VARIANTS, lambda skus: fetch_variants(client, skus)),
        "categories": collection(CATEGORIES, categories),
        "product_pages": collection(PRODUCT_PAGES, lambda pages: fetch_pages(pages, one_page)),
    }


SOURCE = SourcePlugin(
    name="pim",
    collections=build,
    events={"products": ("products",), "variants": ("variants",), "categories": ("categories",)},
    whole=frozenset({"categories"}),
)
