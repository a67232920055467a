"""Facets of a search: the source's counts, labelled in the channel's locale, with what is picked.

The search source labels values it knows in the asked locale (colours,
categories, stock); comptoir labels the facets themselves and the price
buckets, whose currency is the channel's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from comptoir.resolvers.localization import pick_text
from comptoir.resolvers.search_request import FILTER_KEYS
from comptoir.sources.search.models import FacetDoc

FACETS = ("brand", "color", "size", "price", "in_stock")
"""The facets a search page counts, in the order a listing shows them."""

FACET_LABELS: Mapping[str, Mapping[str, str]] = {
    "brand": {"en": "Brand", "fr": "Marque", "de": "Marke"},
    "color": {"en": "Colour", "fr": "Couleur", "de": "Farbe"},
    "size": {"en": "Size", "fr": "Taille", "de": "Größe"},
    "category": {"en": "Category", "fr": "Catégorie", "de": "Kategorie"},
    "in_stock": {"en": "Availability", "fr": "Disponibilité", "de": "Verfügbarkeit"},
    "price": {"en": "Price", "fr": "Prix", "de": "Preis"},
}

_RANGE: Mapping[str, str] = {"en": "{low} to {high} {cur}", "fr": "{low} à {high} {cur}"}
_FROM: Mapping[str, str] = {"en": "{low} {cur} and above", "fr": "{low} {cur} et plus"}
_UP_TO: Mapping[str, str] = {"en": "Up to {high} {cur}", "fr": "Jusqu'à {high} {cur}"}
_RANGE_DE = {"de": "{low} bis {high} {cur}"}
_FROM_DE = {"de": "ab {low} {cur}"}
_UP_TO_DE = {"de": "bis {high} {cur}"}


@dataclass(frozen=True, slots=True)
class FacetCount:
    """One value of a facet: how many products picking it would give, and whether it is picked."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True, slots=True)
class FacetCounts:
    """A facet: the filter it feeds (a `ProductFilterInput` field), its label, its values."""

    key: str
    label: str
    values: list[FacetCount]


def price_label(value: str, currency: str, locale: str) -> str:
    """A price bucket (``50..100``, ``500..``) in words of ``locale``."""
    low, _, high = value.partition("..")
    if not high:
        template = pick_text({**_FROM, **_FROM_DE}, locale, "en")
    elif not low or low == "0":
        template = pick_text({**_UP_TO, **_UP_TO_DE}, locale, "en")
    else:
        template = pick_text({**_RANGE, **_RANGE_DE}, locale, "en")
    return (template or value).format(low=low, high=high, cur=currency)


def facet_counts(
    facets: Sequence[FacetDoc],
    selected: Mapping[str, frozenset[str]],
    currency: str,
    locale: str,
) -> list[FacetCounts]:
    """The search source's facets as a listing shows them.

    A picked value the counts leave out (none of the products it would give
    is left under the other filters) is still listed, with a count of 0, so
    that a shopper can unpick it.
    """
    found = []
    for facet in facets:
        key = facet["key"]
        if key not in FILTER_KEYS:
            continue  # a key this comptoir does not know: never asked for, so never shown
        picked = selected.get(key, frozenset())
        values = []
        seen = set()
        for value in facet["values"]:
            text = value["value"]
            seen.add(text)
            label = price_label(text, currency, locale) if key == "price" else value["label"]
            values.append(FacetCount(text, label, value["count"], text in picked))
        for text in sorted(picked - seen):
            label = price_label(text, currency, locale) if key == "price" else text
            values.append(FacetCount(text, label, 0, True))
        label = pick_text(FACET_LABELS.get(key), locale, "en") or key
        found.append(FacetCounts(FILTER_KEYS[key], label, values))
    return found
