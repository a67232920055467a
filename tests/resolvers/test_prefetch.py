"""Loading the catalog for many products in one round, and reading only what was loaded."""

from __future__ import annotations

import pytest
from comptoir.resolvers.prefetch import CatalogData, CatalogReads, NotLoaded, prefetch
from comptoir.sources.errors import SourceUnavailable

from tests.resolvers.fakes import FakeSources, location, price, product, scope_on, stock, variant


async def test_prefetch_asks_each_collection_once_for_every_product(fake: FakeSources) -> None:
    products = [product(f"P-{n}", f"P-{n}-M", f"P-{n}-L") for n in range(3)]
    for doc in products:
        fake.add(doc, *(variant(sku, doc["id"]) for sku in doc["variant_skus"]))
        fake.prices += [price(sku, "10.00") for sku in doc["variant_skus"]]
    fake.locations = [location("W-1")]
    scope = scope_on(fake.source_set())

    reads = CatalogReads.VARIANTS | CatalogReads.PRICES | CatalogReads.LOCATIONS
    await prefetch(scope, products, reads)  # type: ignore[arg-type]
    assert dict(fake.asked) == {"pim/variants": 1, "erp/prices": 1, "erp/locations": 1}
    assert scope.catalog.is_loaded(reads, products)  # type: ignore[arg-type]
    assert not scope.catalog.is_loaded(CatalogReads.STOCK, products)  # type: ignore[arg-type]

    await prefetch(scope, products, reads)  # type: ignore[arg-type]
    assert sum(fake.asked.values()) == 3  # nothing asked twice in a request


def test_reading_what_was_not_loaded_names_the_missing_part() -> None:
    catalog = CatalogData()
    with pytest.raises(NotLoaded, match="stock of S-1"):
        catalog.stock_rows("S-1")
    with pytest.raises(NotLoaded, match="locations"):
        catalog.location_index()


def test_a_source_error_kept_for_an_id_is_raised_when_it_is_read() -> None:
    catalog = CatalogData()
    catalog.stock["S-1"] = SourceUnavailable("erp", "stock: HTTP 503")
    catalog.stock["S-2"] = None  # unknown to the ERP: no rows
    with pytest.raises(SourceUnavailable):
        catalog.stock_rows("S-1")
    assert catalog.stock_rows("S-2") == []


async def test_an_unavailable_source_is_kept_per_id_and_reported(fake: FakeSources) -> None:
    doc = product("P-1", "P-1-M")
    fake.add(doc, variant("P-1-M", "P-1"))
    fake.stock = [stock("P-1-M", "W-1", 3)]
    fake.down.add("erp")
    scope = scope_on(fake.source_set())
    await prefetch(scope, [doc], CatalogReads.STOCK | CatalogReads.VARIANTS)  # type: ignore[list-item]
    assert scope.catalog.variant("P-1-M") is not None
    with pytest.raises(SourceUnavailable):
        scope.catalog.stock_rows("P-1-M")
    assert scope.report.entries() == [{"source": "erp", "mode": "unavailable"}]
