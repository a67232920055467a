"""A product search as the caller asked it: checked, then spelled as the search source's parameters.

Everything a caller can get wrong is caught here, before any upstream call:
a page size out of range, a negative or inverted price range, too many
values in one filter, an empty value, too many words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from comptoir.resolvers.errors import InvalidArgument
from comptoir.resolvers.paging import check_first
from comptoir.sources.http import unsendable

MAX_FILTER_VALUES = 50
"""The most values one filter key takes."""

MAX_QUERY_WORDS = 32
"""The most words a search source takes in ``q``."""

MAX_QUERY_LENGTH = 200
"""The longest search text `productSearch(query:)` takes (it goes into the source's URL)."""

MAX_FILTER_VALUE_LENGTH = 200
"""The longest value of a filter (a brand, a colour…)."""

_WORD = re.compile(r"[^\W_]+")

FILTER_KEYS: Mapping[str, str] = {
    "brand": "brands",
    "color": "colors",
    "size": "sizes",
    "category": "categoryIds",
    "in_stock": "inStock",
    "price": "price",
}
"""Each key of the search source's filters and facets, and the `ProductFilterInput` field it is."""


def decimal_text(amount: Decimal) -> str:
    """A decimal as the search source writes bounds: ``50``, ``49.9`` (no exponent)."""
    text = format(amount.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True, slots=True)
class ProductFilters:
    """The filters of a search: values of one key are OR-ed, keys are AND-ed.

    ``price_min`` is inclusive and ``price_max`` exclusive (the search
    source's ranges: ``50 ≤ price < 100``); either may be open.
    """

    brands: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    category_ids: tuple[str, ...] = ()
    in_stock: bool | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None

    def _lists(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return (
            ("brand", self.brands),
            ("color", self.colors),
            ("size", self.sizes),
            ("category", self.category_ids),
        )

    def is_empty(self) -> bool:
        """Whether no filter applies."""
        return not any(values for _, values in self._lists()) and (
            self.in_stock is None and self.price_min is None and self.price_max is None
        )

    def price_range(self) -> str | None:
        """The price filter as the search source writes it (``50..100``, ``..50``), if any."""
        if self.price_min is None and self.price_max is None:
            return None
        low = "" if self.price_min is None else decimal_text(self.price_min)
        high = "" if self.price_max is None else decimal_text(self.price_max)
        return f"{low}..{high}"

    def selected(self) -> dict[str, frozenset[str]]:
        """The values picked, by the search source's key, as its facets write them."""
        picked = {key: frozenset(values) for key, values in self._lists() if values}
        if self.in_stock is not None:
            picked["in_stock"] = frozenset({"true" if self.in_stock else "false"})
        price = self.price_range()
        if price is not None:
            # No price is negative: a range open at the bottom starts at 0, as the buckets do.
            picked["price"] = frozenset({f"0{price}" if price.startswith("..") else price})
        return picked

    def source_filters(self) -> list[str]:
        """``key:value`` for each filter value, as the search source takes them."""
        found = [f"{key}:{value}" for key, values in self._lists() for value in values]
        if self.in_stock is not None:
            found.append(f"in_stock:{'true' if self.in_stock else 'false'}")
        price = self.price_range()
        if price is not None:
            found.append(f"price:{price}")
        return found


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One `productSearch`: words, category, filters, sort (a search source's name), which page."""

    query: str | None = None
    category_id: str | None = None
    filters: ProductFilters = ProductFilters()
    sort: str | None = None
    first: int = 24
    after: str | None = None
    facets: bool = False
    total: bool = False
    """Whether the caller reads ``totalCount``."""

    @property
    def listable(self) -> bool:
        """Whether the PIM's list (category and name only, by id) gives this search's page."""
        return self.filters.is_empty() and self.sort is None

    @property
    def plain(self) -> bool:
        """A listing in catalogue order: no words, filters or sort, and no total or facets read.

        The PIM's list gives it (by id), as v1 did: a v1 client gets the same
        pages, in one round fewer requests than through the search source.
        """
        return (
            self.listable and not words_of(self.query or "") and not self.facets and not self.total
        )

    def effective_sort(self) -> str:
        """The order the search source applies: relevance needs words, else the newest first."""
        sort = self.sort or "relevance"
        if sort == "relevance" and not words_of(self.query or ""):
            return "newest"
        return sort


def words_of(text: str) -> list[str]:
    """The words of a query (letters and digits), as a search source splits them."""
    return _WORD.findall(text)


def _check_values(name: str, values: tuple[str, ...]) -> None:
    if len(values) > MAX_FILTER_VALUES:
        raise InvalidArgument(
            f"`filters.{name}` takes at most {MAX_FILTER_VALUES} values, got {len(values)}"
        )
    if any(not value.strip() for value in values):
        raise InvalidArgument(f"`filters.{name}` values must not be empty")
    for value in values:
        problem = unsendable(value, MAX_FILTER_VALUE_LENGTH)
        if problem is not None:
            raise InvalidArgument(f"a value of `filters.{name}` is {problem}")


def _check_price(name: str, amount: Decimal | None) -> None:
    if amount is None:
        return
    if not amount.is_finite():
        raise InvalidArgument(f"`filters.price.{name}` must be a number, got {amount}")
    if amount < 0:
        raise InvalidArgument(f"`filters.price.{name}` must not be negative, got {amount}")


def check_request(request: SearchRequest, max_page_size: int) -> None:
    """:class:`InvalidArgument` naming the argument for anything the caller got wrong."""
    check_first(request.first, max_page_size)
    filters = request.filters
    for key, values in filters._lists():
        _check_values(FILTER_KEYS[key], values)
    _check_price("min", filters.price_min)
    _check_price("max", filters.price_max)
    if (
        filters.price_min is not None
        and filters.price_max is not None
        and filters.price_min > filters.price_max
    ):
        raise InvalidArgument(
            f"`filters.price.min` ({filters.price_min}) is above"
            f" `filters.price.max` ({filters.price_max})"
        )
    problem = unsendable(request.query, MAX_QUERY_LENGTH) if request.query else None
    if problem is not None:
        raise InvalidArgument(f"`query` is {problem}")
    words = words_of(request.query or "")
    if len(words) > MAX_QUERY_WORDS:
        raise InvalidArgument(f"`query` takes at most {MAX_QUERY_WORDS} words, got {len(words)}")
