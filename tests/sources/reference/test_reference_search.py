"""The reference search source over real HTTP, checked against the contract worked out by hand."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.sources.reference import build_source_app, cases

from tests.sources.reference.search_oracle import Oracle, Product, fold, in_locale, words

WEB = {"channel": "web", "price_list": "EUR-WEB"}
STORE = {"channel": "store", "price_list": "EUR-STORE"}
ALL_FACETS = "brand,color,size,category,in_stock,price"


@pytest.fixture(scope="module")
def oracle(ref_data: Path) -> Oracle:
    """The contract's answers, worked out from the small demo data."""
    return Oracle(ref_data)


def search(http: httpx.Client, params: dict[str, Any]) -> dict[str, Any]:
    """One page of ``GET /search/products``, which must answer 200."""
    response = http.get("/search/products", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def walk(http: httpx.Client, params: dict[str, Any], limit: int = 7) -> list[dict[str, Any]]:
    """Every item of a search, page by page, checking ``total`` on each page."""
    seen: list[dict[str, Any]] = []
    cursor = None
    total = None
    for _ in range(1000):
        body = search(http, {**params, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert len(body["items"]) <= limit
        assert total is None or body["total"] == total
        total = body["total"]
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            assert len(seen) == total
            return seen
    raise AssertionError("the cursor never ended")


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def expected_ids(found: list[Product]) -> set[str]:
    return {p.id for p in found}


FILTER_CASES: list[tuple[dict[str, Any], list[str]]] = [
    (WEB, []),
    (STORE, []),
    ({"channel": "marketplace", "price_list": "EUR-WEB"}, []),
    (WEB, ["brand:Maison Nord"]),
    (WEB, ["brand:Maison Nord", "brand:Bruyère"]),
    (WEB, ["color:navy"]),
    (WEB, ["color:navy", "color:teal"]),
    (WEB, ["size:M"]),
    (WEB, ["size:M", "size:40"]),
    (WEB, ["category:C-shoes"]),
    (WEB, ["category:C-gifts", "category:C-home"]),
    (WEB, ["in_stock:true"]),
    (WEB, ["in_stock:false"]),
    (STORE, ["in_stock:true", "in_stock:false"]),
    (WEB, ["price:50..100"]),
    (WEB, ["price:..50"]),
    (WEB, ["price:200.."]),
    (WEB, ["price:44.90..44.91", "price:129.90..130"]),
    (WEB, ["price:..50", "price:100..200"]),
    (WEB, ["size:M", "color:navy"]),
    (WEB, ["size:M", "size:L", "color:navy", "color:black", "in_stock:true"]),
    (STORE, ["category:C-women", "price:50..150", "brand:Maison Nord", "brand:Atelier Sève"]),
]


@pytest.mark.parametrize(("base", "filters"), FILTER_CASES)
def test_filters_find_what_the_contract_says(
    http: httpx.Client, oracle: Oracle, base: dict[str, Any], filters: list[str]
) -> None:
    found = walk(http, {**base, "filter": filters}, limit=50)
    expected = expected_ids(oracle.find(base["channel"], base["price_list"], filters=filters))
    assert ids(found) and len(ids(found)) == len(set(ids(found)))
    assert set(ids(found)) == expected


def test_every_item_carries_its_variant_skus_and_no_score_without_q(
    http: httpx.Client, oracle: Oracle
) -> None:
    for item in walk(http, WEB, limit=100):
        assert set(item) == {"id", "variant_skus"}
        assert item["variant_skus"] == oracle.products[item["id"]].doc["variant_skus"]


def test_category_id_takes_subcategories_and_unknown_values_find_nothing(
    http: httpx.Client, oracle: Oracle
) -> None:
    shoes = set(ids(walk(http, {**WEB, "category_id": cases.CATEGORY_WITH_SUBCATEGORIES})))
    assert cases.PRODUCT_BOOTS in shoes
    assert shoes == expected_ids(oracle.find("web", "EUR-WEB", category_id="C-shoes"))
    for params in (
        {**WEB, "category_id": "C-nowhere"},
        {**WEB, "channel": "kiosk-nowhere"},
        {**WEB, "price_list": "USD-NOWHERE"},
        {**WEB, "filter": "brand:Nobody"},
    ):
        body = search(http, {**params, "facets": ALL_FACETS})
        assert body["items"] == [] and body["total"] == 0 and body["next_cursor"] is None
        assert all(facet["values"] == [] for facet in body["facets"]) or "filter" in params


def test_assortment_and_price_lists_decide_what_is_found(http: httpx.Client) -> None:
    web = set(ids(walk(http, WEB, limit=100)))
    store = set(ids(walk(http, STORE, limit=100)))
    assert cases.PRODUCT_WEB_ONLY in web and cases.PRODUCT_WEB_ONLY not in store
    assert cases.PRODUCT_STORE_ONLY in store and cases.PRODUCT_STORE_ONLY not in web
    assert cases.PRODUCT_DRAFT not in web | store
    assert cases.PRODUCT_DISCONTINUED not in web | store
    # Sold on the web, but priced only on the web list: not found with the store's list.
    web_priced_on_store = set(ids(walk(http, {"channel": "web", "price_list": "EUR-STORE"})))
    assert cases.PRODUCT_WEB_ONLY not in web_priced_on_store


FACET_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({**WEB}, []),
    ({**WEB, "category_id": "C-women"}, ["size:M"]),
    ({**WEB}, ["size:M", "size:L", "color:navy"]),
    ({**STORE}, ["brand:Maison Nord", "in_stock:true", "price:50..100"]),
    ({**WEB, "q": "cotton"}, ["price:..100", "category:C-men"]),
    ({**STORE, "category_id": "C-home"}, ["price:100..200", "price:0..50", "color:ecru"]),
]


@pytest.mark.parametrize(("base", "filters"), FACET_CASES)
@pytest.mark.parametrize("locale", ["en", "fr"])
def test_facet_counts_are_disjunctive_and_match_brute_force(
    http: httpx.Client, oracle: Oracle, base: dict[str, Any], filters: list[str], locale: str
) -> None:
    body = search(http, {**base, "filter": filters, "facets": ALL_FACETS, "locale": locale})
    query = {k: v for k, v in base.items() if k in ("q", "category_id")}
    assert [facet["key"] for facet in body["facets"]] == ALL_FACETS.split(",")
    for facet in body["facets"]:
        expected = oracle.facet(
            facet["key"], base["channel"], base["price_list"], locale, filters=filters, **query
        )
        assert [(v["value"], v["count"]) for v in facet["values"]] == [
            (value, count) for value, _, count in expected
        ], facet["key"]
        if facet["key"] != "in_stock":
            assert [v["label"] for v in facet["values"]] == [label for _, label, _ in expected]
    total = len(oracle.find(base["channel"], base["price_list"], filters=filters, **query))
    assert body["total"] == total


def test_facet_labels_follow_the_locale_with_fallbacks(http: httpx.Client) -> None:
    def labels(locale: str, key: str) -> dict[str, str]:
        body = search(http, {**WEB, "facets": key, "locale": locale})
        return {v["value"]: v["label"] for v in body["facets"][0]["values"]}

    assert labels("fr", "color")["teal"] == "Bleu canard"
    assert labels("de", "color")["teal"] == "Petrol"
    assert labels("en", "color")["teal"] == labels("pt", "color")["teal"] == "Teal"
    assert labels("fr", "category")["C-women"] == "Femme"
    assert labels("fr", "in_stock")["true"] == "En stock"
    assert labels("en", "in_stock")["true"] == "In stock"
    assert labels("en", "brand")["Maison Nord"] == "Maison Nord"
    assert labels("en", "price")["0..50"] == "0..50"
    assert in_locale({"fr": "b", "de": "a"}, "it") == "a"  # the oracle's fallback, for the above


def test_facets_leave_out_zero_counts_and_keep_the_price_order(http: httpx.Client) -> None:
    body = search(http, {**WEB, "filter": "price:100..200", "facets": "price,size"})
    prices = [v["value"] for v in body["facets"][0]["values"]]
    assert prices == [
        b for b in ("0..50", "50..100", "100..200", "200..500", "500..") if b in prices
    ]
    assert len(prices) >= 3, "the price facet ignores its own filter"
    assert all(v["count"] > 0 for facet in body["facets"] for v in facet["values"])
    none = search(http, {**WEB, "facets": ""})
    assert none["facets"] == []
    deduped = search(http, {**WEB, "facets": "size,size,brand"})
    assert [f["key"] for f in deduped["facets"]] == ["size", "brand"]


def _expected_order(found: list[Product], sort: str, price_list: str, locale: str) -> list[str]:
    by_id = sorted(found, key=lambda p: p.id)
    if sort == "price_asc":
        return [p.id for p in sorted(by_id, key=lambda p: p.prices[price_list])]
    if sort == "price_desc":
        return [p.id for p in sorted(by_id, key=lambda p: p.prices[price_list], reverse=True)]
    if sort == "name":
        return [
            p.id for p in sorted(by_id, key=lambda p: fold(in_locale(p.doc["name"], locale) or ""))
        ]
    return [
        p.id
        for p in sorted(
            by_id, key=lambda p: datetime.fromisoformat(p.doc["updated_at"]), reverse=True
        )
    ]


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "newest", "name", "relevance", None])
@pytest.mark.parametrize(("base", "locale"), [(WEB, "en"), (STORE, "fr"), (WEB, "de")])
def test_sorts_page_through_everything_once_in_order(
    http: httpx.Client, oracle: Oracle, sort: str | None, base: dict[str, Any], locale: str
) -> None:
    params = {**base, "locale": locale, **({"sort": sort} if sort else {})}
    listed = ids(walk(http, params, limit=5))
    found = oracle.find(base["channel"], base["price_list"])
    assert len(listed) == len(set(listed)) and set(listed) == expected_ids(found)
    # relevance without q is newest first.
    effective = sort if sort not in ("relevance", None) else "newest"
    assert listed == _expected_order(found, effective, base["price_list"], locale)


def test_price_sort_has_ties_broken_by_id(http: httpx.Client, oracle: Oracle) -> None:
    found = oracle.find("web", "EUR-WEB")
    prices = [p.prices["EUR-WEB"] for p in found]
    assert len(set(prices)) < len(prices), "the small data should hold equal prices"
    listed = ids(walk(http, {**WEB, "sort": "price_desc"}, limit=100))
    for first, second in itertools.pairwise(listed):
        a, b = oracle.products[first], oracle.products[second]
        assert a.prices["EUR-WEB"] > b.prices["EUR-WEB"] or (
            a.prices["EUR-WEB"] == b.prices["EUR-WEB"] and a.id < b.id
        )


def test_words_match_whole_words_or_their_start_case_and_accents_ignored(
    http: httpx.Client, oracle: Oracle
) -> None:
    cashmere = set(ids(walk(http, {**WEB, "q": "cachem"})))
    assert cases.PRODUCT_FULL in cashmere
    assert cashmere == expected_ids(oracle.find("web", "EUR-WEB", q="cachem"))
    for same in ("CACHEMIRE", "Cachemire", "cachemire"):
        assert set(ids(walk(http, {**WEB, "q": same}))) <= cashmere
    assert (
        set(ids(walk(http, {**WEB, "q": "mérinos"})))
        == set(ids(walk(http, {**WEB, "q": "MERINOS"})))
        == expected_ids(oracle.find("web", "EUR-WEB", q="merinos"))
    )
    assert set(ids(walk(http, {**WEB, "q": "cote sauvage"}))) == expected_ids(
        oracle.find("web", "EUR-WEB", filters=["brand:Côte Sauvage"])
    )
    assert search(http, {**WEB, "q": "ashmere"})["total"] == 0, "only the start of a word matches"
    both = set(ids(walk(http, {**WEB, "q": "cashmere jump"})))
    assert cases.PRODUCT_FULL in both and both == expected_ids(
        oracle.find("web", "EUR-WEB", q="cashmere jump")
    )
    assert both < cashmere


@pytest.mark.parametrize("word", ["cotton", "coton", "wool"])
def test_a_name_match_ranks_above_a_description_match(
    http: httpx.Client, oracle: Oracle, word: str
) -> None:
    listed = walk(http, {**WEB, "q": word}, limit=9)
    assert all(isinstance(item["score"], float) and item["score"] > 0 for item in listed)
    assert set(ids(listed)) == expected_ids(oracle.find("web", "EUR-WEB", q=word))
    in_name = [
        any(w.startswith(words(word)[0]) for w in oracle.products[i].name_words)
        for i in ids(listed)
    ]
    assert True in in_name and False in in_name, "the word must be in some names, not all"
    assert in_name == sorted(in_name, reverse=True), "every name match comes first"
    scores = [item["score"] for item in listed]
    assert scores == sorted(scores, reverse=True)
    for a, b in itertools.pairwise(listed):
        assert a["score"] > b["score"] or a["id"] < b["id"], "ties by id"


def test_filters_and_facets_apply_to_words_too(http: httpx.Client, oracle: Oracle) -> None:
    params = {**WEB, "q": "cotton", "filter": ["in_stock:true", "price:..100"]}
    found = set(ids(walk(http, params)))
    assert found == expected_ids(
        oracle.find("web", "EUR-WEB", q="cotton", filters=["in_stock:true", "price:..100"])
    )
    assert search(http, {**params, "q": ""})["total"] > len(found)


def test_limit_defaults_to_24_and_stops_at_100(http: httpx.Client) -> None:
    body = search(http, WEB)
    assert len(body["items"]) == 24 and body["total"] > 24 and body["next_cursor"]
    whole = search(http, {**WEB, "limit": 100})
    assert len(whole["items"]) == min(100, body["total"])
    assert whole["next_cursor"] is None or body["total"] > 100


@pytest.mark.parametrize(
    "params",
    [
        {"price_list": "EUR-WEB"},
        {"channel": "web"},
        {**WEB, "filter": "colour:teal"},
        {**WEB, "filter": "brand"},
        {**WEB, "filter": "brand:"},
        {**WEB, "filter": "in_stock:maybe"},
        {**WEB, "filter": "price:abc"},
        {**WEB, "filter": "price:50"},
        {**WEB, "filter": "price:1e3.."},
        {**WEB, "facets": "brand,colour"},
        {**WEB, "sort": "cheapest"},
        {**WEB, "limit": "0"},
        {**WEB, "limit": "101"},
        {**WEB, "limit": "many"},
        {**WEB, "cursor": "not-a-cursor"},
        {**WEB, "q": " ".join(["word"] * 33)},
    ],
)
def test_bad_requests_get_400_with_an_error_body(
    http: httpx.Client, params: dict[str, Any]
) -> None:
    response = http.get("/search/products", params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error", "message"} and body["message"]


def test_a_cursor_of_another_sort_or_listing_is_refused(http: httpx.Client) -> None:
    by_price = search(http, {**WEB, "sort": "price_asc", "limit": 3})["next_cursor"]
    refused = http.get("/search/products", params={**WEB, "sort": "name", "cursor": by_price})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_cursor"
    pim_cursor = http.get("/pim/products", params={"limit": 2}).json()["next_cursor"]
    refused = http.get("/search/products", params={**WEB, "cursor": pim_cursor})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_cursor"


def test_answers_carry_cache_control(http: httpx.Client) -> None:
    response = http.get("/search/products", params={**WEB, "facets": "brand"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"].startswith("max-age=")
    assert int(response.headers["cache-control"].removeprefix("max-age=")) > 0


def test_search_alone_with_a_token(ref_data: Path, served) -> None:
    with served(build_source_app("search", ref_data, "search-secret")) as alone:
        url = f"{alone.url}/products"
        missing = httpx.get(url, params=WEB)
        assert missing.status_code == 401 and missing.json()["error"] == "missing_token"
        wrong = httpx.get(url, params=WEB, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = httpx.get(url, params=WEB, headers={"Authorization": "Bearer search-secret"})
        assert right.status_code == 200 and right.json()["items"]
