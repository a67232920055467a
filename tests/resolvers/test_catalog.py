"""The catalog a channel may show: which products and variants, and their joins."""

from __future__ import annotations

import pytest
from comptoir.resolvers import catalog
from comptoir.resolvers.errors import InvalidArgument
from comptoir.resolvers.prefetch import CatalogReads
from comptoir.sources.errors import SourceError

from tests.resolvers.fakes import FakeSources, product, scope_on, variant


@pytest.fixture
def shelf(fake: FakeSources) -> FakeSources:
    fake.add(product("P-WEB", "P-WEB-M", "P-WEB-L"), variant("P-WEB-M", "P-WEB"))
    fake.add(product("P-STORE", "P-STORE-M", channels=("store",)), variant("P-STORE-M", "P-STORE"))
    fake.add(product("P-DRAFT", status="draft"))
    return fake


async def test_shown_products_keep_the_order_of_ids_and_null_what_the_channel_may_not_show(
    shelf: FakeSources,
) -> None:
    scope = scope_on(shelf.source_set())
    found = await catalog.shown_products(
        scope, ["P-STORE", "P-WEB", "P-NONE", "P-DRAFT"], CatalogReads.NONE
    )
    assert [d and d["id"] for d in found] == [None, "P-WEB", None, None]  # type: ignore[index]
    assert shelf.asked["pim/products"] == 1


async def test_more_than_100_ids_is_the_callers_mistake(shelf: FakeSources) -> None:
    with pytest.raises(InvalidArgument, match="at most 100"):
        await catalog.shown_products(
            scope_on(shelf.source_set()), [f"P-{n}" for n in range(101)], CatalogReads.NONE
        )


async def test_a_variant_is_shown_with_its_product_when_the_channel_may_show_it(
    shelf: FakeSources,
) -> None:
    scope = scope_on(shelf.source_set())
    found = await catalog.shown_variants(scope, ["P-WEB-M", "P-STORE-M", "P-WEB-L"])
    shown = found[0]
    assert not isinstance(shown, SourceError) and shown is not None
    assert (shown[0]["id"], shown[1]["id"]) == ("P-WEB-M", "P-WEB")
    assert found[1:] == [None, None]  # not in the web assortment; unknown to the PIM


async def test_a_products_variants_are_those_the_pim_knows_in_its_order(
    shelf: FakeSources,
) -> None:
    scope = scope_on(shelf.source_set())
    doc = await catalog.shown_product(scope, "P-WEB", CatalogReads.VARIANTS)
    assert doc is not None
    assert [v["id"] for v in catalog.product_variants(scope, doc)] == ["P-WEB-M"]


async def test_an_unavailable_pim_fails_the_product_not_the_request(shelf: FakeSources) -> None:
    shelf.down.add("pim")
    scope = scope_on(shelf.source_set())
    found = await catalog.shown_products(scope, ["P-WEB"], CatalogReads.NONE)
    assert isinstance(found[0], SourceError) and found[0].source == "pim"
