"""Product discovery: a page of the search source joined with the catalog, or the PIM list without it.

A plain listing (no words, filters or sort, and neither the total nor the
facets read) is the PIM's list in catalogue order, as in v1. Otherwise the
search source answers the page's product ids with their variants'
skus, the total and the facet counts (round one, with what depends on no
product: locations, categories). The products, their variants, prices,
stock and media are then all asked for at once (round two), through the
same cached collections as any other listing. When the search source is
unavailable, the PIM's list gives the page (category and words only, by
id), reported ``degraded`` ``{search, fallback}``, without a total or facets.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from comptoir.resolvers.catalog import search_products, shown_products
from comptoir.resolvers.errors import InvalidArgument
from comptoir.resolvers.facets import FACETS, FacetCounts, facet_counts
from comptoir.resolvers.paging import Page, decode_cursor, encode_cursor, paginate
from comptoir.resolvers.prefetch import CatalogReads, prefetch_listed, start_whole
from comptoir.resolvers.scope import RequestScope
from comptoir.resolvers.search_request import SearchRequest, check_request
from comptoir.sources.errors import SourceError, SourceUnavailable
from comptoir.sources.pim.models import ProductDoc
from comptoir.sources.search.loaders import SearchPageLoader
from comptoir.sources.search.models import SearchHitDoc, SearchPageDoc

SEARCH = "search"
_MARK = "s:"
"""What starts the source cursor of a search listing's edges (the PIM list's never does)."""


@dataclass(frozen=True, slots=True)
class Listing:
    """A page of products with, from the search source, their total and facets."""

    page: Page[ProductDoc]
    total: int | None = None
    facets: list[FacetCounts] = field(default_factory=list)


def _search_cursor(cursor: str, sort: str) -> str:
    """A search edge's cursor: the listing's sort, then where the source resumes."""
    source_cursor, skip = decode_cursor(cursor)
    return encode_cursor(f"{_MARK}{sort}:{source_cursor or ''}", skip)


def _resume(after: str | None, sort: str) -> tuple[bool, str | None]:
    """Whether ``after`` continues a search listing, and the cursor to page it with."""
    if after is None:
        return True, None
    source_cursor, skip = decode_cursor(after)
    if source_cursor is None or not source_cursor.startswith(_MARK):
        return False, after  # a page of the PIM's list, given while search was unavailable
    listed_sort, _, inner = source_cursor[len(_MARK) :].partition(":")
    if listed_sort != sort:
        raise InvalidArgument(
            "`after` continues a listing in another order: ask again without `after`"
            " or with the same `sort`"
        )
    return True, encode_cursor(inner or None, skip)


def _params(scope: RequestScope, request: SearchRequest) -> list[tuple[str, str]]:
    channel = scope.channel
    params = [
        ("channel", channel.assortment),
        ("price_list", channel.price_list),
        ("locale", channel.locale),
        ("q", (request.query or "").strip()),
        ("category_id", request.category_id or ""),
        ("sort", request.sort or ""),
    ]
    params.extend(("filter", value) for value in request.filters.source_filters())
    if request.facets:
        params.append(("facets", ",".join(FACETS)))
    return params


async def _searched(
    scope: RequestScope, request: SearchRequest, after: str | None, reads: CatalogReads
) -> Listing:
    pages = scope.loaders.get(SearchPageLoader)
    params = _params(scope, request)
    first_page: list[SearchPageDoc] = []

    async def fetch(cursor: str | None, limit: int) -> tuple[list[SearchHitDoc], str | None]:
        asked = [*params, ("limit", str(limit)), ("cursor", cursor or "")]
        # What depends on no product loads alongside the search (round one).
        listed = asyncio.ensure_future(pages.load_search(asked))
        start_whole(scope, reads)  # asked after the page, which the next round waits for
        page = await listed
        if page is None:
            return [], None
        if not first_page:
            first_page.append(page)
        return page["items"], page["next_cursor"]

    listed = await paginate(fetch, request.first, after, scope.max_page_size)
    hits = [hit for hit, _ in listed.edges]
    ids = [hit["id"] for hit in hits]
    skus = [sku for hit in hits for sku in hit["variant_skus"]]
    # Round two: the products and everything the page shows of them, at once.
    await prefetch_listed(scope, ids, skus, reads, with_products=True)
    docs = await shown_products(scope, ids, reads)
    sort = request.effective_sort()
    edges = []
    for (_, cursor), doc in zip(listed.edges, docs, strict=True):
        if isinstance(doc, SourceError):
            raise doc
        if doc is not None:  # the PIM has the last word on what the channel shows
            edges.append((doc, _search_cursor(cursor, sort)))
    summary = first_page[0] if first_page else None
    facets = (
        facet_counts(
            summary["facets"],
            request.filters.selected(),
            scope.channel.currency,
            scope.channel.locale,
        )
        if summary is not None and request.facets
        else []
    )
    return Listing(
        Page(edges, listed.has_next_page),
        summary["total"] if summary is not None else None,
        facets,
    )


async def _listed(
    scope: RequestScope,
    request: SearchRequest,
    after: str | None,
    reads: CatalogReads,
    *,
    fallback: bool,
) -> Listing:
    """The PIM's list: a plain listing, or in place of the search while it is unavailable.

    In place of the search, what the list cannot honour is an error, not a wrong page.
    """
    if not fallback:
        return Listing(
            await search_products(
                scope, request.category_id, request.query, request.first, after, reads
            )
        )
    if not request.listable:
        unhonoured = " and ".join(
            name
            for name, used in (
                ("`filters`", not request.filters.is_empty()),
                ("`sort`", request.sort is not None),
            )
            if used
        )
        raise SourceUnavailable(
            SEARCH,
            f"without it products are listed by category and name only, in id order,"
            f" so {unhonoured} cannot be applied: ask again without them",
        )
    page = await search_products(
        scope, request.category_id, request.query, request.first, after, reads
    )
    scope.report.withdraw(SEARCH, "unavailable")
    scope.report.add(SEARCH, "fallback")
    return Listing(page)


async def product_search(
    scope: RequestScope, request: SearchRequest, reads: CatalogReads
) -> Listing:
    """A page of the channel's products matching ``request``, with its total and facets.

    Raises :class:`InvalidArgument` for what the caller got wrong, before
    any upstream call.
    """
    check_request(request, scope.max_page_size)
    searching, after = _resume(request.after, request.effective_sort())
    if not searching or (request.plain and after is None):
        if not request.listable:
            raise InvalidArgument(
                "`after` continues a list in catalogue order, which cannot apply `filters`"
                " or `sort`: ask again without `after`"
            )
        # A plain listing, or the next page of one listed while search was unavailable.
        return await _listed(scope, request, after, reads, fallback=not request.plain)
    try:
        return await _searched(scope, request, after, reads)
    except SourceUnavailable as error:
        if error.source != SEARCH:
            raise
        if after is not None:
            raise SourceUnavailable(
                SEARCH,
                "`after` continues a search listing, which the product list without it"
                " cannot resume: ask again without `after`",
            ) from error
        return await _listed(scope, request, None, reads, fallback=True)
