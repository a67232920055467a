"""A search as the caller asked it, spelled for the search source; facets labelled for the channel."""

from __future__ import annotations

from decimal import Decimal

from comptoir.resolvers.facets import facet_counts, price_label
from comptoir.resolvers.search_request import ProductFilters, SearchRequest


def test_filters_are_spelled_as_the_search_source_takes_them() -> None:
    filters = ProductFilters(
        brands=("Maison Nord",),
        colors=("teal", "navy"),
        category_ids=("C-knitwear",),
        in_stock=False,
        price_min=Decimal("50.00"),
        price_max=Decimal("1E+2"),
    )
    assert filters.source_filters() == [
        "brand:Maison Nord",
        "color:teal",
        "color:navy",
        "category:C-knitwear",
        "in_stock:false",
        "price:50..100",
    ]
    assert ProductFilters(price_max=Decimal(50)).source_filters() == ["price:..50"]
    assert ProductFilters(price_min=Decimal(500)).selected() == {"price": frozenset({"500.."})}
    assert ProductFilters(price_max=Decimal(50)).selected() == {"price": frozenset({"0..50"})}
    assert ProductFilters(sizes=()).is_empty() and not ProductFilters(in_stock=False).is_empty()


def test_the_list_can_stand_in_only_without_filters_or_sort() -> None:
    assert SearchRequest(query="jumper", category_id="C-women").listable
    assert not SearchRequest(sort="price_asc").listable
    assert not SearchRequest(filters=ProductFilters(sizes=("M",))).listable
    assert SearchRequest(query="jumper").effective_sort() == "relevance"
    assert SearchRequest(query=" !? ").effective_sort() == "newest"


def test_price_buckets_are_labelled_in_the_locale_and_currency() -> None:
    assert price_label("0..50", "EUR", "en") == "Up to 50 EUR"
    assert price_label("50..100", "EUR", "fr") == "50 à 100 EUR"
    assert price_label("500..", "CHF", "de") == "ab 500 CHF"
    assert price_label("100..200", "EUR", "it") == "100 to 200 EUR"  # English by default


def test_a_picked_value_without_products_is_still_listed_to_unpick() -> None:
    facets = facet_counts(
        [{"key": "size", "values": [{"value": "M", "label": "M", "count": 3}]}],
        {"size": frozenset({"XXL", "M"})},
        "EUR",
        "fr",
    )
    assert [(f.key, f.label) for f in facets] == [("sizes", "Taille")]
    assert [(v.value, v.count, v.selected) for v in facets[0].values] == [
        ("M", 3, True),
        ("XXL", 0, True),
    ]
