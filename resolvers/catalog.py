"""Loading catalog data for a set of products at once: the product documents, then, in one round,
everything the query selected below them (variants, prices, stock, media, categories)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from comptoir.resolvers.assortment import is_shown
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.collection import CollectionLoader
from comptoir.sources.dam.loaders import AssetsByProductIdLoader
from comptoir.sources.erp.loaders import LocationsLoader, PricesBySkuLoader, StockBySkuLoader
from comptoir.sources.errors import SourceError
from comptoir.sources.pim.loaders import CategoryTreeLoader, ProductByIdLoader, VariantBySkuLoader
from comptoir.sources.pim.models import ProductDoc
from comptoir.sources.plugin import WHOLE


@dataclass(frozen=True, slots=True)
class CatalogNeeds:
    """Which collections a query selected below its products."""

    variants: bool = False
    prices: bool = False
    stock: bool = False
    assets: bool = False
    categories: bool = False

    @classmethod
    def from_fields(cls, names: Iterable[str]) -> CatalogNeeds:
        """Needs from the names of every field selected below the products."""
        selected = set(names)
        return cls(
            variants=bool(selected & {"variants", "product", "color", "size", "gtin"}),
            prices=bool(selected & {"price", "priceRange", "availableForSale"}),
            stock=bool(selected & {"availability", "availableForSale"}),
            assets="media" in selected,
            categories="categories" in selected,
        )

    @classmethod
    def everything(cls) -> CatalogNeeds:
        """Every collection (when the selection cannot be read ahead)."""
        return cls(True, True, True, True, True)


async def fill(target: dict[str, Any], loader: CollectionLoader, ids: Iterable[str]) -> None:
    """Load the ids not yet in ``target`` through ``loader``; errors are kept per id."""
    missing = list(dict.fromkeys(i for i in ids if i not in target))
    if not missing:
        return
    values = await asyncio.gather(*(loader.load(i) for i in missing), return_exceptions=True)
    for item_id, value in zip(missing, values, strict=True):
        if isinstance(value, BaseException) and not isinstance(value, SourceError):
            raise value
        target[item_id] = value


async def fill_whole(scope: RequestScope, name: str, loader: CollectionLoader, key: str) -> None:
    """Load a collection the source returns whole, indexed by ``key``."""
    if name in scope.catalog.whole:
        return
    try:
        items = await loader.load(WHOLE)
    except SourceError as error:
        scope.catalog.whole[name] = error
        return
    scope.catalog.whole[name] = {item[key]: item for item in items or ()}


def _whole_work(scope: RequestScope, needs: CatalogNeeds) -> list[Coroutine[Any, Any, None]]:
    loaders = scope.loaders
    work = []
    if needs.stock:
        work.append(fill_whole(scope, "locations", loaders.get(LocationsLoader), "id"))
    if needs.categories:
        work.append(fill_whole(scope, "categories", loaders.get(CategoryTreeLoader), "id"))
    return work


async def prefetch_whole(scope: RequestScope, needs: CatalogNeeds) -> None:
    """Load the whole collections ``needs`` asks for (locations, categories).

    They depend on no product, so a caller runs this alongside the product
    fetch rather than after it: one round less on a cold cache.
    """
    work = _whole_work(scope, needs)
    if work:
        await asyncio.gather(*work)


async def prefetch(
    scope: RequestScope, products: Sequence[ProductDoc], needs: CatalogNeeds
) -> None:
    """Load, in one concurrent round, what ``needs`` asks for about ``products``."""
    catalog = scope.catalog
    loaders = scope.loaders
    skus = [sku for product in products for sku in product["variant_skus"]]
    work = _whole_work(scope, needs)
    if needs.variants:
        work.append(fill(catalog.variants, loaders.get(VariantBySkuLoader), skus))
    if needs.prices:
        work.append(fill(catalog.prices, loaders.get(PricesBySkuLoader), skus))
    if needs.stock:
        work.append(fill(catalog.stock, loaders.get(StockBySkuLoader), skus))
    if needs.assets:
        work.append(
            fill(catalog.assets, loaders.get(AssetsByProductIdLoader), [p["id"] for p in products])
        )
    if work:
        await asyncio.gather(*work)


async def shown_products(
    scope: RequestScope, ids: Sequence[str], needs: CatalogNeeds
) -> list[ProductDoc | SourceError | None]:
    """The products of ``ids`` this channel may show (``None`` otherwise), with ``needs`` loaded."""
    await asyncio.gather(
        fill(scope.catalog.products, scope.loaders.get(ProductByIdLoader), ids),
        prefetch_whole(scope, needs),
    )
    found: list[ProductDoc | SourceError | None] = []
    for product_id in ids:
        doc = scope.catalog.products[product_id]
        if isinstance(doc, SourceError):
            found.append(doc)
        else:
            found.append(doc if is_shown(doc, scope.channel.assortment) else None)
    await prefetch(
        scope, [d for d in found if d is not None and not isinstance(d, SourceError)], needs
    )
    return found


async def shown_variants(
    scope: RequestScope, skus: Sequence[str]
) -> list[tuple[Any, ProductDoc] | SourceError | None]:
    """Each sku's variant with its product, when this channel may show the product."""
    await fill(scope.catalog.variants, scope.loaders.get(VariantBySkuLoader), skus)
    product_ids = []
    for sku in skus:
        variant = scope.catalog.variants[sku]
        if variant is not None and not isinstance(variant, SourceError):
            product_ids.append(variant["product_id"])
    await fill(scope.catalog.products, scope.loaders.get(ProductByIdLoader), product_ids)
    found: list[tuple[Any, ProductDoc] | SourceError | None] = []
    for sku in skus:
        variant = scope.catalog.variants[sku]
        if variant is None or isinstance(variant, SourceError):
            found.append(variant)
            continue
        product = scope.catalog.products[variant["product_id"]]
        if isinstance(product, SourceError):
            found.append(product)
        elif is_shown(product, scope.channel.assortment) and sku in product["variant_skus"]:
            found.append((variant, product))
        else:
            found.append(None)
    return found
