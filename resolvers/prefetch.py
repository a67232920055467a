"""What a request has loaded of the catalog, and loading it for many products in one round.

A product page reads, for each product it shows, some of: its variants,
their price and stock rows, the locations holding stock, its media, the
category tree. Each GraphQL field declares which of these it reads
(:class:`CatalogReads`); the graph adds up the declarations of every field
selected below a list of products, and :func:`prefetch` loads all of it in
one concurrent round. Fields then read what was loaded without awaiting,
through :class:`CatalogData`. Reading what was not loaded raises
:class:`NotLoaded`: a field that does not declare what it reads fails its
tests instead of costing an upstream round in production.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from comptoir.sources.dam.loaders import AssetsByProductIdLoader
from comptoir.sources.dam.models import AssetDoc
from comptoir.sources.erp.loaders import LocationsLoader, PricesBySkuLoader, StockBySkuLoader
from comptoir.sources.erp.models import LocationDoc, PriceRow, StockRow
from comptoir.sources.errors import SourceError
from comptoir.sources.loaders import TypedLoader, WholeLoader
from comptoir.sources.pim.loaders import CategoryTreeLoader, ProductByIdLoader, VariantBySkuLoader
from comptoir.sources.pim.models import CategoryDoc, ProductDoc, VariantDoc

if TYPE_CHECKING:
    from comptoir.resolvers.scope import RequestScope

V = TypeVar("V")


class CatalogReads(enum.Flag):
    """What a field reads of the catalog beyond the product document itself."""

    NONE = 0
    VARIANTS = enum.auto()
    PRICES = enum.auto()
    STOCK = enum.auto()
    LOCATIONS = enum.auto()
    MEDIA = enum.auto()
    CATEGORIES = enum.auto()


class NotLoaded(LookupError):
    """Catalog data read before it was loaded: the reading field does not declare it."""


def _value(entry: V | SourceError | None) -> V | None:
    if isinstance(entry, SourceError):
        raise entry
    return entry


def _entry(found: dict[str, V | SourceError | None], key: str, part: str) -> V | None:
    try:
        return _value(found[key])
    except KeyError:
        raise NotLoaded(f"{part} of {key} read before it was loaded") from None


def _whole(found: dict[str, V] | SourceError | None, part: str) -> dict[str, V]:
    if found is None:
        raise NotLoaded(f"{part} read before they were loaded")
    if isinstance(found, SourceError):
        raise found
    return found


@dataclass(slots=True)
class CatalogData:
    """The catalog documents loaded for one request, by id.

    Each map holds, per id, the loaded value, ``None`` (unknown upstream) or
    the :class:`~comptoir.sources.errors.SourceError` that kept it; the
    readers return the value or raise that error (or :class:`NotLoaded`).
    """

    products: dict[str, ProductDoc | SourceError | None] = field(default_factory=dict)
    variants: dict[str, VariantDoc | SourceError | None] = field(default_factory=dict)
    prices: dict[str, list[PriceRow] | SourceError | None] = field(default_factory=dict)
    stock: dict[str, list[StockRow] | SourceError | None] = field(default_factory=dict)
    media: dict[str, list[AssetDoc] | SourceError | None] = field(default_factory=dict)
    categories: dict[str, CategoryDoc] | SourceError | None = None
    locations: dict[str, LocationDoc] | SourceError | None = None
    whole_started: CatalogReads = CatalogReads.NONE
    """The whole collections whose load :func:`start_whole` started."""
    _ready: dict[str, int] = field(default_factory=dict)
    """Per product id, what is known to be loaded for it (:class:`CatalogReads` bits)."""

    def product(self, product_id: str) -> ProductDoc | None:
        """A loaded product document (whether or not the channel may show it)."""
        return _entry(self.products, product_id, "product")

    def variant(self, sku: str) -> VariantDoc | None:
        """A loaded variant, ``None`` when the PIM does not know the sku."""
        return _entry(self.variants, sku, "variant")

    def price_rows(self, sku: str) -> list[PriceRow]:
        """Every price row of a sku, on every list."""
        return _entry(self.prices, sku, "prices") or []

    def stock_rows(self, sku: str) -> list[StockRow]:
        """Every stock row of a sku."""
        return _entry(self.stock, sku, "stock") or []

    def assets(self, product_id: str) -> list[AssetDoc]:
        """Every asset of a product (its variants' too), rights not yet applied."""
        return _entry(self.media, product_id, "media") or []

    def category_tree(self) -> dict[str, CategoryDoc]:
        """Every category, by id."""
        return _whole(self.categories, "categories")

    def location_index(self) -> dict[str, LocationDoc]:
        """Every location, by id."""
        return _whole(self.locations, "locations")

    def is_loaded(self, reads: CatalogReads, products: Sequence[ProductDoc]) -> bool:
        """Whether everything ``reads`` names is loaded for each of ``products``.

        Asked by every catalog field of every product on a page: the flags are
        compared as ints (an enum's own operators are Python calls).
        """
        bits: int = reads._value_
        ready = self._ready
        for product in products:
            product_id = product["id"]
            known = ready.get(product_id, 0)
            if known & bits == bits:
                continue
            if not self._has(bits, product):
                return False
            ready[product_id] = known | bits
        return True

    def _has(self, bits: int, product: ProductDoc) -> bool:
        if bits & _PER_SKU:
            skus = product["variant_skus"]
            for part, found in (
                (_VARIANTS, self.variants),
                (_PRICES, self.prices),
                (_STOCK, self.stock),
            ):
                if bits & part and not all(sku in found for sku in skus):
                    return False
        return not (
            (bits & _MEDIA and product["id"] not in self.media)
            or (bits & _CATEGORIES and self.categories is None)
            or (bits & _LOCATIONS and self.locations is None)
        )


_VARIANTS: int = CatalogReads.VARIANTS.value
_PRICES: int = CatalogReads.PRICES.value
_STOCK: int = CatalogReads.STOCK.value
_PER_SKU = _VARIANTS | _PRICES | _STOCK
_MEDIA: int = CatalogReads.MEDIA.value
_CATEGORIES: int = CatalogReads.CATEGORIES.value
_LOCATIONS: int = CatalogReads.LOCATIONS.value


async def fill(
    target: dict[str, V | SourceError | None], loader: TypedLoader[V], ids: Iterable[str]
) -> None:
    """Load the ids not yet in ``target`` through ``loader``; errors are kept per id."""
    missing = list(dict.fromkeys(i for i in ids if i not in target))
    if missing:
        for item_id, value in zip(missing, await loader.load_many(missing), strict=True):
            target[item_id] = value


async def _indexed(loader: WholeLoader[V], key: Callable[[V], str]) -> dict[str, V] | SourceError:
    try:
        items = await loader.load_all()
    except SourceError as error:
        return error
    return {key(item): item for item in items}


async def load_categories(scope: RequestScope) -> None:
    """Load the category tree, once per request."""
    if scope.catalog.categories is None:
        loader = scope.loaders.get(CategoryTreeLoader)
        scope.catalog.categories = await _indexed(loader, lambda c: c["id"])


async def load_locations(scope: RequestScope) -> None:
    """Load every location, once per request."""
    if scope.catalog.locations is None:
        loader = scope.loaders.get(LocationsLoader)
        scope.catalog.locations = await _indexed(loader, lambda loc: loc["id"])


def _whole_work(scope: RequestScope, reads: CatalogReads) -> list[Coroutine[Any, Any, None]]:
    work = []
    if CatalogReads.LOCATIONS in reads:
        work.append(load_locations(scope))
    if CatalogReads.CATEGORIES in reads:
        work.append(load_categories(scope))
    return work


_WHOLE = CatalogReads.LOCATIONS | CatalogReads.CATEGORIES

_STARTED: set[asyncio.Future[Any]] = set()
"""Loads started by :func:`start_whole` (held, so that they are not collected midway)."""


def start_whole(scope: RequestScope, reads: CatalogReads) -> None:
    """Start loading what ``reads`` names that depends on no product (locations, categories).

    A caller starts this before its product fetch rather than after it: one
    round less on a cold cache. Nothing waits for it here: the
    :func:`prefetch` that follows waits for it with the rest of its round (the
    request's loader shares the one upstream read), so that round starts as
    soon as the products are known.
    """
    todo = reads & _WHOLE & ~scope.catalog.whole_started
    if not todo:
        return
    scope.catalog.whole_started |= todo
    # On the next turn of the loop: the caller's own request, started just
    # before, goes out first (the next round waits for it, not for these).
    asyncio.get_running_loop().call_soon(_start_whole_now, scope, todo)


def _start_whole_now(scope: RequestScope, todo: CatalogReads) -> None:
    task = asyncio.gather(*_whole_work(scope, todo))
    _STARTED.add(task)
    task.add_done_callback(_STARTED.discard)


async def prefetch(
    scope: RequestScope, products: Sequence[ProductDoc], reads: CatalogReads
) -> None:
    """Load, in one concurrent round, what ``reads`` names for ``products``."""
    skus = [sku for product in products for sku in product["variant_skus"]]
    await prefetch_listed(scope, [p["id"] for p in products], skus, reads)


async def prefetch_listed(
    scope: RequestScope,
    product_ids: Sequence[str],
    skus: Sequence[str],
    reads: CatalogReads,
    *,
    with_products: bool = False,
) -> None:
    """Load, in one concurrent round, what ``reads`` names for products known by id and skus.

    A listing that already knows its products' skus (a search source's hits)
    asks for the products themselves (``with_products``) in the same round.
    """
    catalog = scope.catalog
    loaders = scope.loaders
    work = _whole_work(scope, reads)
    if with_products:
        work.append(fill(catalog.products, loaders.get(ProductByIdLoader), product_ids))
    if CatalogReads.VARIANTS in reads:
        work.append(fill(catalog.variants, loaders.get(VariantBySkuLoader), skus))
    if CatalogReads.PRICES in reads:
        work.append(fill(catalog.prices, loaders.get(PricesBySkuLoader), skus))
    if CatalogReads.STOCK in reads:
        work.append(fill(catalog.stock, loaders.get(StockBySkuLoader), skus))
    if CatalogReads.MEDIA in reads:
        work.append(fill(catalog.media, loaders.get(AssetsByProductIdLoader), product_ids))
    if work:
        await asyncio.gather(*work)


async def load_products(scope: RequestScope, ids: Iterable[str]) -> None:
    """Load product documents by id."""
    await fill(scope.catalog.products, scope.loaders.get(ProductByIdLoader), ids)


async def load_variants(scope: RequestScope, skus: Iterable[str]) -> None:
    """Load variant documents by sku."""
    await fill(scope.catalog.variants, scope.loaders.get(VariantBySkuLoader), skus)


async def load_prices(scope: RequestScope, skus: Iterable[str]) -> None:
    """Load the price rows of skus."""
    await fill(scope.catalog.prices, scope.loaders.get(PricesBySkuLoader), skus)
