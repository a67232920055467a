"""The search source's JSON: a page of matching products with their count and facets."""

from __future__ import annotations

from typing import NotRequired

from pydantic import TypeAdapter
from typing_extensions import TypedDict


class SearchHitDoc(TypedDict):
    """A matching product: its id, its relevance (with words only) and its variants' skus."""

    id: str
    score: NotRequired[float | None]
    variant_skus: list[str]


class FacetValueDoc(TypedDict):
    """One value of a facet and how many products it would give (``label`` in the asked locale)."""

    value: str
    label: str
    count: int


class FacetDoc(TypedDict):
    """The counts of one facet key (``brand``, ``color``, ``size``, ``category``, ``in_stock``, ``price``)."""

    key: str
    values: list[FacetValueDoc]


class SearchPageDoc(TypedDict):
    """One page of ``GET /products``: hits in the sort's order, the total and the facets."""

    items: list[SearchHitDoc]
    total: int
    next_cursor: str | None
    facets: list[FacetDoc]


SEARCH_PAGE = TypeAdapter(SearchPageDoc)
