"""The catalog a channel may show: products and variants, their lists, categories and media.

Products are read in batches with what the query reads below them (see
:mod:`comptoir.resolvers.prefetch`); the joins below read what was loaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from comptoir.resolvers.assortment import (
    is_shown,
    media_of_variant,
    next_rights_change,
    product_media,
)
from comptoir.resolvers.errors import InvalidArgument
from comptoir.resolvers.paging import Page, paginate
from comptoir.resolvers.prefetch import (
    CatalogReads,
    load_categories,
    load_products,
    load_variants,
    prefetch,
    start_whole,
)
from comptoir.resolvers.scope import RequestScope
from comptoir.resolvers.search_request import MAX_QUERY_LENGTH
from comptoir.sources.dam.models import AssetDoc
from comptoir.sources.errors import SourceError
from comptoir.sources.http import unsendable
from comptoir.sources.pim.loaders import ProductPageLoader
from comptoir.sources.pim.models import CategoryDoc, ProductDoc, VariantDoc

MAX_IDS = 100
"""The most products one `products(ids)` asks for."""

SEARCH_PAGE_SIZE = 24
"""Products on a page of a search when the caller does not say."""

ShownVariant = tuple[VariantDoc, ProductDoc]
"""A variant with its product, which the channel may show."""


async def shown_products(
    scope: RequestScope, ids: Sequence[str], reads: CatalogReads
) -> list[ProductDoc | SourceError | None]:
    """The products of ``ids`` the channel may show (``None`` otherwise), with ``reads`` loaded.

    A product the PIM could not return is its :class:`SourceError`, so that
    it fails alone.
    """
    if len(ids) > MAX_IDS:
        raise InvalidArgument(f"`ids` takes at most {MAX_IDS} ids, got {len(ids)}")
    products = asyncio.ensure_future(load_products(scope, ids))
    start_whole(scope, reads)  # asked after the products, which the next round waits for
    await products
    found: list[ProductDoc | SourceError | None] = []
    for product_id in ids:
        doc = scope.catalog.products[product_id]
        if isinstance(doc, SourceError):
            found.append(doc)
        else:
            found.append(doc if is_shown(doc, scope.channel.assortment) else None)
    shown = [d for d in found if d is not None and not isinstance(d, SourceError)]
    await prefetch(scope, shown, reads)
    return found


async def shown_product(
    scope: RequestScope, product_id: str, reads: CatalogReads
) -> ProductDoc | None:
    """One product the channel may show, with ``reads`` loaded; raises its source's error."""
    found = (await shown_products(scope, [product_id], reads))[0]
    if isinstance(found, SourceError):
        raise found
    return found


async def shown_variants(
    scope: RequestScope, skus: Sequence[str]
) -> list[ShownVariant | SourceError | None]:
    """Each sku's variant with its product, when this channel may show the product."""
    await load_variants(scope, skus)
    catalog = scope.catalog
    product_ids = []
    for sku in skus:
        variant = catalog.variants[sku]
        if variant is not None and not isinstance(variant, SourceError):
            product_ids.append(variant["product_id"])
    await load_products(scope, product_ids)
    found: list[ShownVariant | SourceError | None] = []
    for sku in skus:
        variant = catalog.variants[sku]
        if variant is None or isinstance(variant, SourceError):
            found.append(variant)
            continue
        product = catalog.products[variant["product_id"]]
        if isinstance(product, SourceError):
            found.append(product)
        elif (
            product is not None
            and is_shown(product, scope.channel.assortment)
            and sku in product["variant_skus"]
        ):
            found.append((variant, product))
        else:
            found.append(None)
    return found


async def shown_variant(scope: RequestScope, sku: str, reads: CatalogReads) -> ShownVariant | None:
    """One variant the channel may show, with ``reads`` loaded for its product."""
    found = (await shown_variants(scope, [sku]))[0]
    if isinstance(found, SourceError):
        raise found
    if found is not None:
        await prefetch(scope, [found[1]], reads)
    return found


async def search_products(
    scope: RequestScope,
    category_id: str | None,
    query: str | None,
    first: int | None,
    after: str | None,
    reads: CatalogReads,
) -> Page[ProductDoc]:
    """A page of the channel's active products, by category (and subcategories) and name.

    The PIM lists ids by page; the products, and ``reads`` for them, load in
    one round after the list (the whole collections alongside it).
    """
    problem = unsendable(query, MAX_QUERY_LENGTH) if query else None
    if problem is not None:
        raise InvalidArgument(f"`query` is {problem}")
    filters = {
        "channel": scope.channel.assortment,
        "category_id": category_id or "",
        "q": query or "",
    }
    pages = scope.loaders.get(ProductPageLoader)

    async def fetch(cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        # The whole collections (locations, categories) depend on no page: they
        # load alongside it (once the page request is known to be valid).
        params = {**filters, "limit": str(limit), "cursor": cursor or ""}
        listed = asyncio.ensure_future(pages.load_page("", params))
        start_whole(scope, reads)  # asked after the page, which the next round waits for
        page = await listed
        return (page["ids"], page["next_cursor"]) if page else ([], None)

    size = SEARCH_PAGE_SIZE if first is None else first
    listed = await paginate(fetch, size, after, scope.max_page_size)
    docs = await shown_products(scope, [product_id for product_id, _ in listed.edges], reads)
    edges = []
    for (_, cursor), doc in zip(listed.edges, docs, strict=True):
        if isinstance(doc, SourceError):
            raise doc
        if doc is not None:
            edges.append((doc, cursor))
    return Page(edges, listed.has_next_page)


def product_variants(scope: RequestScope, product: ProductDoc) -> list[VariantDoc]:
    """The product's variants the PIM knows, in its ``variant_skus`` order."""
    found = []
    for sku in product["variant_skus"]:
        variant = scope.catalog.variant(sku)
        if variant is not None:
            found.append(variant)
    return found


def shown_media(scope: RequestScope, product: ProductDoc) -> list[AssetDoc]:
    """Every asset of the product (variant ones too) the channel may show, by position.

    Worked out once per request and product: each variant reads it again.
    """
    product_id = product["id"]
    known = scope.allowed_media.get(product_id)
    if known is not None:
        return known
    assets = scope.catalog.assets(product_id)
    if scope.tracks_changes:
        scope.changes_at(next_rights_change(assets, scope.now))
    allowed = scope.allowed_media[product_id] = product_media(
        assets, scope.channel.assortment, scope.now
    )
    return allowed


def shown_variant_media(scope: RequestScope, sku: str, product: ProductDoc) -> list[AssetDoc]:
    """The variant's own assets the channel may show, then the product-level ones."""
    return media_of_variant(shown_media(scope, product), sku)


async def category(scope: RequestScope, category_id: str) -> CategoryDoc | None:
    """A category by id, ``None`` when unknown."""
    await load_categories(scope)
    return scope.catalog.category_tree().get(category_id)


def product_categories(scope: RequestScope, product: ProductDoc) -> list[CategoryDoc]:
    """The categories the product is filed under, in the PIM's order."""
    tree = scope.catalog.category_tree()
    return [tree[c] for c in product["category_ids"] if c in tree]


def parent_category(scope: RequestScope, category_doc: CategoryDoc) -> CategoryDoc | None:
    """The parent category; ``None`` at the top of the tree."""
    parent_id = category_doc.get("parent_id")
    return scope.catalog.category_tree().get(parent_id) if parent_id else None


def child_categories(scope: RequestScope, category_doc: CategoryDoc) -> list[CategoryDoc]:
    """The direct subcategories, by id."""
    tree = scope.catalog.category_tree()
    children = (c for c in tree.values() if c.get("parent_id") == category_doc["id"])
    return sorted(children, key=lambda c: c["id"])
