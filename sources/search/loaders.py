"""The search source's cached collection and its loader: pages of a product search.

A page is cached under its parameters (``filter`` repeats, so they are kept
as a list of pairs) for the ``max-age`` the source grants: the products,
variants, prices and stock of its hits are read through the PIM's, the
DAM's and the ERP's own collections, so that a change event for any of them
reaches every answer showing it. A change event of the search source itself
(``products``, after a reindex) drops every cached page: a page is not known
by the products it holds, so every page is tagged as one of the whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.http import SourceClient
from comptoir.sources.loaders import TypedLoader
from comptoir.sources.plugin import WHOLE, CollectionFactory, SourcePlugin
from comptoir.sources.search.client import fetch_search_page
from comptoir.sources.search.models import SearchPageDoc

SEARCH_PAGES = CollectionSpec("search", "product_pages", default_max_age_s=15)

SearchParams = Sequence[tuple[str, str]]
"""The query string of a search, as pairs (a key may repeat)."""


def search_page_id(params: SearchParams) -> str:
    """The cache id of a search: its non-empty parameters, sorted, so equal searches share it."""
    return urlencode(sorted((k, v) for k, v in params if v != ""))


def params_of(page_id: str) -> list[tuple[str, str]]:
    """The parameters a cache id stands for."""
    return parse_qsl(page_id)


class SearchPageLoader(TypedLoader[SearchPageDoc]):
    """Pages of the search source's ``GET /products``, cached by their parameters."""

    spec = SEARCH_PAGES

    async def load_search(self, params: SearchParams) -> SearchPageDoc | None:
        """The page ``params`` ask for; raises the :class:`SourceError` that kept it."""
        return await self.load(search_page_id(params))


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """The search source's collection on one client."""

    async def pages(ids: list[str]) -> tuple[dict[str, Any], float | None]:
        found = await asyncio.gather(*(fetch_search_page(client, params_of(i)) for i in ids))
        ages = [age for _, age in found if age is not None]
        return {i: page for i, (page, _) in zip(ids, found, strict=True)}, (
            min(ages) if ages else None
        )

    return {"product_pages": collection(SEARCH_PAGES, pages, owner_of=lambda _: WHOLE)}


SOURCE = SourcePlugin(
    name="search",
    collections=build,
    events={"products": ("product_pages",)},
    whole=frozenset({"product_pages"}),
)
