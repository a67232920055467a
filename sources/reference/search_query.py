"""The parameters of ``GET /products`` on the search source, checked: bad input is a ``400``."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from comptoir.sources.reference.web import RequestRefused, parse_limit
from starlette.datastructures import QueryParams

FACET_KEYS = ("brand", "color", "size", "category", "in_stock", "price")
"""Keys a filter or a facet may name."""

SORTS = ("relevance", "price_asc", "price_desc", "newest", "name")
DEFAULT_LIMIT = 24
MAX_WORDS = 32
_WORD = re.compile(r"[^\W_]+")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True, slots=True)
class PriceRange:
    """``low`` ≤ price < ``high``; ``None`` leaves that end open."""

    low: Decimal | None
    high: Decimal | None

    def holds(self, price: Decimal) -> bool:
        """Whether ``price`` is in the range."""
        return (self.low is None or price >= self.low) and (self.high is None or price < self.high)


BUCKETS: tuple[tuple[str, PriceRange], ...] = tuple(
    (
        f"{low}..{'' if high is None else high}",
        PriceRange(Decimal(low), None if high is None else Decimal(high)),
    )
    for low, high in ((0, 50), (50, 100), (100, 200), (200, 500), (500, None))
)
"""The price facet's buckets, in the contract's fixed order."""


def bucket_of(price: Decimal) -> str | None:
    """The bucket ``price`` falls in (none for a negative price)."""
    return next((value for value, bounds in BUCKETS if bounds.holds(price)), None)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """One search request: what to find, filter, count and sort, and which page."""

    channel: str
    price_list: str
    words: tuple[str, ...] = ()
    category_id: str | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    facets: tuple[str, ...] = ()
    sort: str = "newest"
    locale: str = "en"
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    def price_ranges(self) -> tuple[PriceRange, ...]:
        """The ranges of the ``price`` filter (already checked)."""
        return tuple(parse_price_range(value) for value in self.filters.get("price", ()))


def _bad(code: str, message: str) -> RequestRefused:
    return RequestRefused(400, code, message)


def words_of(text: str) -> tuple[str, ...]:
    """The words of a query, split as the index's tokenizer splits text."""
    return tuple(_WORD.findall(unicodedata.normalize("NFC", text)))


def parse_price_range(text: str) -> PriceRange:
    """``a..b``, ``..b`` or ``a..`` (decimals); ``400 invalid_filter`` otherwise."""
    low, sep, high = text.partition("..")
    if not sep or any(end and not _DECIMAL.match(end) for end in (low, high)):
        raise _bad("invalid_filter", f"price:{text} is not a range such as price:50..100")
    return PriceRange(Decimal(low) if low else None, Decimal(high) if high else None)


def _filters(values: list[str]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for raw in values:
        key, sep, value = raw.partition(":")
        if key not in FACET_KEYS:
            raise _bad(
                "invalid_filter",
                f"unknown filter key {key!r} in {raw!r}; one of {', '.join(FACET_KEYS)}",
            )
        if not sep or not value:
            raise _bad("invalid_filter", f"the filter {raw!r} has no value (key:value)")
        if key == "in_stock" and value not in ("true", "false"):
            raise _bad("invalid_filter", f"in_stock is true or false, got {value!r}")
        if key == "price":
            parse_price_range(value)
        found.setdefault(key, [])
        if value not in found[key]:
            found[key].append(value)
    return {key: tuple(values) for key, values in found.items()}


def _facets(values: list[str]) -> tuple[str, ...]:
    keys = [key.strip() for value in values for key in value.split(",") if key.strip()]
    unknown = [key for key in keys if key not in FACET_KEYS]
    if unknown:
        raise _bad(
            "invalid_facet", f"unknown facet key {unknown[0]!r}; one of {', '.join(FACET_KEYS)}"
        )
    return tuple(dict.fromkeys(keys))


def _required(params: QueryParams, name: str) -> str:
    value = params.get(name)
    if not value:
        raise _bad("missing_parameter", f"the {name} parameter is required")
    return value


def parse_query(params: QueryParams) -> SearchQuery:
    """The search request in ``params``; ``400`` for anything the contract does not allow."""
    channel, price_list = _required(params, "channel"), _required(params, "price_list")
    words = words_of(params.get("q") or "")
    if len(words) > MAX_WORDS:
        raise _bad("invalid_q", f"q has {len(words)} words; at most {MAX_WORDS}")
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        raise _bad("invalid_sort", f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    if sort == "relevance" and not words:
        sort = "newest"  # relevance without words: the newest first
    return SearchQuery(
        channel=channel,
        price_list=price_list,
        words=words,
        category_id=params.get("category_id") or None,
        filters=_filters(params.getlist("filter")),
        facets=_facets(params.getlist("facets")),
        sort=sort,
        locale=params.get("locale") or "en",
        limit=parse_limit(params, DEFAULT_LIMIT),
        cursor=params.get("cursor") or None,
    )
