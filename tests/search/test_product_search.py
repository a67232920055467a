"""productSearch through GraphQL on two channels: filters, disjunctive facets, sorts, cursors.

Each check compares comptoir's answer with what the search source answers
for the channel's assortment and price list (asked directly over HTTP), and
with what the page itself shows (prices, sizes, stock of its variants).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import STORE_KEY, WEB_KEY, Comptoir, ReferenceSources
from tests.search.conftest import source_search
from tests.search.queries import FACETED_PAGE_QUERY, IDS_QUERY

KEYS = {"web": WEB_KEY, "store": STORE_KEY}
CATEGORY = "C-women"


def _search(comptoir: Comptoir, channel: str, **variables: Any) -> dict[str, Any]:
    body = comptoir.query(FACETED_PAGE_QUERY, variables, key=KEYS[channel])
    assert "errors" not in body, body
    assert "degraded" not in body.get("extensions", {}), body
    found: dict[str, Any] = body["data"]["productSearch"]
    return found


def _ids(comptoir: Comptoir, channel: str, **variables: Any) -> list[str]:
    """Every product id of a listing, page after page."""
    seen: list[str] = []
    after = None
    while True:
        body = comptoir.query(IDS_QUERY, {**variables, "after": after}, key=KEYS[channel])
        assert "errors" not in body, body
        page = body["data"]["productSearch"]
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def _facets(page: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    return {f["key"]: {v["value"]: v for v in f["values"]} for f in page["facets"]}


def _min_price(node: dict[str, Any]) -> Decimal:
    return Decimal(node["priceRange"]["min"]["amount"])


@pytest.mark.parametrize("channel", ["web", "store"])
def test_total_and_facets_are_the_search_sources_for_the_channel(
    comptoir: Comptoir, reference: ReferenceSources, channel: str
) -> None:
    page = _search(comptoir, channel, categoryId=CATEGORY, first=24)
    expected = source_search(
        reference,
        channel,
        category_id=CATEGORY,
        facets="brand,color,size,price,in_stock",
        locale="en" if channel == "web" else "fr",
    )
    assert page["totalCount"] == expected["total"]
    assert [f["key"] for f in page["facets"]] == ["brands", "colors", "sizes", "price", "inStock"]
    counts = {f["key"]: [(v["value"], v["count"]) for v in f["values"]] for f in expected["facets"]}
    mine = {f["key"]: [(v["value"], v["count"]) for v in f["values"]] for f in page["facets"]}
    assert mine == {
        "brands": counts["brand"],
        "colors": counts["color"],
        "sizes": counts["size"],
        "price": counts["price"],
        "inStock": counts["in_stock"],
    }
    assert not any(v["selected"] for f in page["facets"] for v in f["values"])


def test_two_channels_give_different_counts_and_price_orders(comptoir: Comptoir) -> None:
    web = _search(comptoir, "web", categoryId=CATEGORY, sort="PRICE_ASC", first=100)
    store = _search(comptoir, "store", categoryId=CATEGORY, sort="PRICE_ASC", first=100)
    assert web["totalCount"] != store["totalCount"]  # different assortments
    for page, price_list in ((web, "EUR-WEB"), (store, "EUR-STORE")):
        prices = [_min_price(e["node"]) for e in page["edges"]]
        assert prices == sorted(prices)
        listed = {
            (v["price"] or {}).get("priceList")
            for e in page["edges"]
            for v in e["node"]["variants"]
        }
        assert listed <= {price_list, None} and price_list in listed
    both = {e["node"]["id"] for e in web["edges"]} & {e["node"]["id"] for e in store["edges"]}
    web_order = [e["node"]["id"] for e in web["edges"] if e["node"]["id"] in both]
    store_order = [e["node"]["id"] for e in store["edges"] if e["node"]["id"] in both]
    assert sorted(web_order) == sorted(store_order) and web_order != store_order  # price lists


@pytest.mark.parametrize("channel", ["web", "store"])
def test_each_sort_orders_the_page_with_ties_by_id(comptoir: Comptoir, channel: str) -> None:
    ascending = _search(comptoir, channel, categoryId=CATEGORY, sort="PRICE_ASC", first=100)
    descending = _search(comptoir, channel, categoryId=CATEGORY, sort="PRICE_DESC", first=100)
    for page, reverse in ((ascending, False), (descending, True)):
        keyed = [(_min_price(e["node"]), e["node"]["id"]) for e in page["edges"]]
        expected = sorted(keyed, key=lambda k: k[1])
        expected.sort(key=lambda k: k[0], reverse=reverse)
        assert keyed == expected
    by_name = _search(comptoir, channel, categoryId=CATEGORY, sort="NAME", first=100)
    names = [e["node"]["name"].casefold() for e in by_name["edges"]]
    assert names == sorted(names) or _accent_folded_sorted(names)


def _accent_folded_sorted(names: list[str]) -> bool:
    import unicodedata

    folded = [
        "".join(c for c in unicodedata.normalize("NFKD", n) if not unicodedata.combining(c))
        for n in names
    ]
    return folded == sorted(folded)


def test_the_default_order_with_words_is_relevance_and_without_is_newest(
    comptoir: Comptoir, reference: ReferenceSources
) -> None:
    newest = source_search(reference, "web", category_id=CATEGORY, sort="newest", limit=100)
    assert (
        _ids(comptoir, "web", categoryId=CATEGORY, first=30)
        == [hit["id"] for hit in newest["items"]][: newest["total"]]
    )
    relevant = source_search(reference, "web", q="cachem", limit=100)
    assert relevant["total"] > 0
    assert _ids(comptoir, "web", query="cachem", first=100) == [h["id"] for h in relevant["items"]]


@pytest.mark.parametrize("channel", ["web", "store"])
def test_cursors_walk_a_whole_result_set_once(comptoir: Comptoir, channel: str) -> None:
    total = _search(comptoir, channel, categoryId=CATEGORY, first=0)["totalCount"]
    for sort in ("PRICE_DESC", "NAME", "NEWEST"):
        seen = _ids(comptoir, channel, categoryId=CATEGORY, sort=sort, first=7)
        assert len(seen) == len(set(seen)) == total
        assert seen == _ids(comptoir, channel, categoryId=CATEGORY, sort=sort, first=100)


def test_a_cursor_of_one_sort_is_refused_for_another(comptoir: Comptoir) -> None:
    page = _search(comptoir, "web", categoryId=CATEGORY, sort="PRICE_ASC", first=3)
    body = comptoir.query(
        IDS_QUERY,
        {"categoryId": CATEGORY, "sort": "NAME", "after": page["pageInfo"]["endCursor"]},
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "`after`" in body["errors"][0]["message"]


@pytest.mark.parametrize("channel", ["web", "store"])
def test_each_filter_keeps_only_matching_products(comptoir: Comptoir, channel: str) -> None:
    everything = _facets(_search(comptoir, channel, categoryId=CATEGORY, first=0))
    brand = next(iter(everything["brands"]))
    size = next(iter(everything["sizes"]))
    top = list(everything["price"])[-1].partition("..")[0]  # the dearest range's low end
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"brands": [brand]}, lambda n: n["brand"] == brand),
        ({"sizes": [size]}, lambda n: any(v["size"] == size for v in n["variants"])),
        (
            {"inStock": True},
            lambda n: any((v["availability"] or {}).get("quantity", 0) > 0 for v in n["variants"]),
        ),
        (
            {"price": {"min": "50", "max": "100"}},
            lambda n: Decimal(50) <= _min_price(n) < Decimal(100),
        ),
        ({"price": {"min": top}}, lambda n: _min_price(n) >= Decimal(top)),
        ({"price": {"max": "100"}}, lambda n: _min_price(n) < Decimal(100)),
    ]
    for filters, holds in cases:
        page = _search(comptoir, channel, categoryId=CATEGORY, filters=filters, first=100)
        nodes = [e["node"] for e in page["edges"]]
        assert nodes and page["totalCount"] == len(nodes), filters
        assert all(holds(n) for n in nodes), filters


def test_values_of_one_filter_are_ored_and_filters_anded(comptoir: Comptoir) -> None:
    everything = _facets(_search(comptoir, "web", categoryId=CATEGORY, first=0))
    first_size, second_size = list(everything["sizes"])[:2]
    brand = next(iter(everything["brands"]))

    def total(filters: dict[str, Any]) -> int:
        return int(
            _search(comptoir, "web", categoryId=CATEGORY, filters=filters, first=0)["totalCount"]
        )

    def ids(filters: dict[str, Any]) -> set[str]:
        return set(_ids(comptoir, "web", categoryId=CATEGORY, filters=filters, first=100))

    either = ids({"sizes": [first_size, second_size]})
    assert either == ids({"sizes": [first_size]}) | ids({"sizes": [second_size]})
    both = ids({"sizes": [first_size], "brands": [brand]})
    assert both == ids({"sizes": [first_size]}) & ids({"brands": [brand]})
    assert total({"sizes": [first_size], "brands": [brand]}) == len(both)


def test_facet_counts_are_disjunctive_and_show_what_is_selected(comptoir: Comptoir) -> None:
    everything = _facets(_search(comptoir, "web", categoryId=CATEGORY, first=0))
    picked, other = list(everything["sizes"])[:2]
    brand = next(iter(everything["brands"]))
    page = _search(
        comptoir,
        "web",
        categoryId=CATEGORY,
        filters={"sizes": [picked], "brands": [brand]},
        first=0,
    )
    facets = _facets(page)
    assert facets["sizes"][picked]["selected"] and not facets["sizes"][other]["selected"]
    assert facets["brands"][brand]["selected"]
    # the size facet counts with the brand applied but not the size: what `other` would give
    with_other = _search(
        comptoir, "web", categoryId=CATEGORY, filters={"sizes": [other], "brands": [brand]}, first=0
    )
    assert facets["sizes"].get(other, {"count": 0})["count"] == with_other["totalCount"]
    assert facets["sizes"][picked]["count"] == page["totalCount"]
    # and the brand facet counts with the size applied but not the brand
    only_size = _search(comptoir, "web", categoryId=CATEGORY, filters={"sizes": [picked]}, first=0)
    assert facets["brands"][brand]["count"] == _facets(only_size)["brands"][brand]["count"]
    price = _facets(
        _search(
            comptoir,
            "web",
            categoryId=CATEGORY,
            filters={"price": {"min": 50, "max": 100}},
            first=0,
        )
    )["price"]
    assert price["50..100"]["selected"] and not any(
        v["selected"] for k, v in price.items() if k != "50..100"
    )


def test_labels_are_in_the_channels_locale(comptoir: Comptoir) -> None:
    web = {f["key"]: f for f in _search(comptoir, "web", categoryId=CATEGORY, first=0)["facets"]}
    store = {
        f["key"]: f for f in _search(comptoir, "store", categoryId=CATEGORY, first=0)["facets"]
    }
    assert (web["sizes"]["label"], store["sizes"]["label"]) == ("Size", "Taille")
    assert (web["colors"]["label"], store["colors"]["label"]) == ("Colour", "Couleur")
    web_stock = {v["value"]: v["label"] for v in web["inStock"]["values"]}
    store_stock = {v["value"]: v["label"] for v in store["inStock"]["values"]}
    assert web_stock["true"] == "In stock" and store_stock["true"] == "En stock"
    web_colors = {v["value"]: v["label"] for v in web["colors"]["values"]}
    store_colors = {v["value"]: v["label"] for v in store["colors"]["values"]}
    shared = set(web_colors) & set(store_colors)
    assert any(web_colors[c] != store_colors[c] for c in shared)  # e.g. navy / Marine
    web_prices = {v["value"]: v["label"] for v in web["price"]["values"]}
    store_prices = {v["value"]: v["label"] for v in store["price"]["values"]}
    assert web_prices.get("50..100", "50 to 100 EUR") == "50 to 100 EUR"
    assert store_prices.get("50..100", "50 à 100 EUR") == "50 à 100 EUR"


def test_words_find_names_in_any_locale_ignoring_case_and_accents(comptoir: Comptoir) -> None:
    lower = _ids(comptoir, "web", query="cachemire", first=100)
    assert lower and lower == _ids(comptoir, "web", query="CACHÉMIRE", first=100)
    assert set(lower) <= set(_ids(comptoir, "web", query="cachem", first=100))
