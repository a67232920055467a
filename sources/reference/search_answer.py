"""One search answer: the matching products, their disjunctive facet counts, sorted and paged.

Filters are sets of product positions: the values of one key are OR-ed,
the keys AND-ed. A facet counts its values with every filter applied but
its own key's (disjunctive), so a shopper who picked one size still sees
what the other sizes would give.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from comptoir.sources.reference.bitsets import bitset, members
from comptoir.sources.reference.search_catalogue import Catalogue
from comptoir.sources.reference.search_offers import ProductOffers, moment
from comptoir.sources.reference.search_query import BUCKETS, SearchQuery
from comptoir.sources.reference.web import RequestRefused, decode_cursor, encode_cursor

IN_STOCK_LABELS: dict[str, dict[str, str]] = {
    "true": {"en": "In stock", "fr": "En stock", "de": "Auf Lager"},
    "false": {"en": "Out of stock", "fr": "En rupture", "de": "Nicht vorrätig"},
}
_EPOCH = "0001-01-01T00:00:00+00:00"


def localized(texts: Mapping[str, str] | None, locale: str) -> str | None:
    """``texts`` in ``locale``; else in ``en``; else in the first locale present alphabetically."""
    if not texts:
        return None
    for wanted in (locale, "en"):
        if wanted in texts:
            return texts[wanted]
    return texts[min(texts)]


@lru_cache(maxsize=65536)
def folded(text: str) -> str:
    """``text`` with case and accents folded, for sorting by name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _masks(catalogue: Catalogue, offers: ProductOffers, query: SearchQuery) -> dict[str, int]:
    """For each filtered key, the products having one of its values."""
    masks: dict[str, int] = {}
    for key, values in query.filters.items():
        if key == "in_stock":
            stocked = offers.in_stock & catalogue.universe
            masks[key] = (stocked if "true" in values else 0) | (
                catalogue.universe & ~stocked if "false" in values else 0
            )
        elif key == "price":
            buckets = offers.buckets.get(query.price_list)
            prices = offers.price_of.get(query.price_list, {})
            bits = 0
            for bounds in query.price_ranges():
                known = next((value for value, b in BUCKETS if b == bounds), None)
                if known is not None and buckets is not None:
                    bits |= buckets.of(known)
                else:
                    bits |= bitset(p for p, price in prices.items() if bounds.holds(price))
            masks[key] = bits
        else:
            masks[key] = catalogue.postings[key].union(values)
    return masks


def _facet(
    key: str,
    scope: int,
    catalogue: Catalogue,
    offers: ProductOffers,
    query: SearchQuery,
) -> dict[str, Any]:
    """The counts of ``key``'s values among the products of ``scope``."""
    if key == "price":
        buckets = offers.buckets.get(query.price_list)
        counts = [
            (value, (buckets.of(value) & scope).bit_count() if buckets else 0)
            for value, _ in BUCKETS
        ]
        values = [{"value": v, "label": v, "count": n} for v, n in counts if n]
        return {"key": key, "values": values}
    if key == "in_stock":
        stocked = (offers.in_stock & scope).bit_count()
        sets = {"true": stocked, "false": scope.bit_count() - stocked}
        labels: Mapping[str, Mapping[str, str]] = IN_STOCK_LABELS
    else:
        sets = {
            value: (bits & scope).bit_count()
            for value, bits in catalogue.postings[key].sets.items()
        }
        labels = catalogue.labels(key)
    ordered = sorted(((n, v) for v, n in sets.items() if n), key=lambda c: (-c[0], c[1]))
    return {
        "key": key,
        "values": [
            {"value": v, "label": localized(labels.get(v), query.locale) or v, "count": n}
            for n, v in ordered
        ],
    }


def _sort_values(
    positions: list[int],
    catalogue: Catalogue,
    offers: ProductOffers,
    query: SearchQuery,
    scores: Mapping[int, float],
) -> tuple[dict[int, Any], Callable[[Any], Any], bool]:
    """Each position's sort value, how a cursor's value is read back, and whether descending."""
    products = catalogue.products
    if query.sort == "relevance":
        return {p: scores[p] for p in positions}, float, True
    if query.sort == "newest":
        values = {p: moment(products[p].updated_at) or moment(_EPOCH) for p in positions}
        return values, _cursor_moment, True
    if query.sort == "name":
        return (
            {p: folded(localized(products[p].names, query.locale) or "") for p in positions},
            str,
            False,
        )
    prices = offers.price_of.get(query.price_list, {})
    return {p: prices[p] for p in positions}, _cursor_price, query.sort == "price_desc"


def _cursor_moment(raw: str) -> Any:
    found = moment(raw)
    if found is None:
        raise ValueError(raw)
    return found


def _cursor_price(raw: str) -> Decimal:
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError(raw) from None


def _encoded(value: Any) -> Any:
    if isinstance(value, float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat()


def _page(
    positions: list[int],
    catalogue: Catalogue,
    offers: ProductOffers,
    query: SearchQuery,
    scores: Mapping[int, float],
) -> tuple[list[int], str | None]:
    """The positions of the page the cursor asks for, in the sort's order; the next cursor."""
    values, read_back, descending = _sort_values(positions, catalogue, offers, query, scores)
    products = catalogue.products
    ordered = sorted(positions, key=lambda p: products[p].id)
    ordered.sort(key=values.__getitem__, reverse=descending)  # stable: ties stay in id order
    kind = f"search-{query.sort}"
    start = 0
    if query.cursor is not None:
        raw, last_id = decode_cursor(
            query.cursor, kind, (float if query.sort == "relevance" else str, str)
        )
        try:
            last = read_back(raw)
        except ValueError:
            raise RequestRefused(
                400, "invalid_cursor", "the cursor is not one this listing gave"
            ) from None

        def after(p: int) -> bool:
            value = values[p]
            if value == last:
                return bool(products[p].id > last_id)
            return bool(value < last if descending else value > last)

        start = next((i for i, p in enumerate(ordered) if after(p)), len(ordered))
    page = ordered[start : start + query.limit]
    if start + query.limit >= len(ordered):
        return page, None
    tail = page[-1]
    return page, encode_cursor(kind, [_encoded(values[tail]), products[tail].id])


def answer(catalogue: Catalogue, offers: ProductOffers, query: SearchQuery) -> dict[str, Any]:
    """The body of ``GET /products`` for ``query``."""
    scope = catalogue.postings["channel"].of(query.channel) & offers.priced.get(query.price_list, 0)
    if query.category_id is not None:
        scope &= catalogue.postings["category"].of(query.category_id)
    scores: dict[int, float] = {}
    if query.words:
        scores = catalogue.match(query.words)
        scope &= bitset(scores)
    masks = _masks(catalogue, offers, query)
    hits = scope
    for mask in masks.values():
        hits &= mask
    facets = []
    for key in query.facets:
        within = scope
        for other, mask in masks.items():
            if other != key:
                within &= mask
        facets.append(_facet(key, within, catalogue, offers, query))
    page, next_cursor = _page(members(hits), catalogue, offers, query, scores)
    items = []
    for p in page:
        facts = catalogue.products[p]
        item: dict[str, Any] = {"id": facts.id}
        if query.words:
            item["score"] = scores[p]
        item["variant_skus"] = list(facts.variant_skus)
        items.append(item)
    return {"items": items, "total": hits.bit_count(), "next_cursor": next_cursor, "facets": facets}
