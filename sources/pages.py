"""List reads cached like batch reads: a page is an "id" made of its owner and its parameters."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from typing_extensions import TypedDict


class IdPage(TypedDict):
    """A cached page of a list whose items are cached in their own collection: their ids."""

    ids: list[str]
    next_cursor: str | None


FetchPage = Callable[[str, dict[str, str]], Awaitable[tuple[Any, float | None]]]
"""Fetch one page of an owner's list with its parameters: the page and the max-age granted."""


def page_id(owner: str, params: Mapping[str, str]) -> str:
    """``owner|k=v&…`` with parameters sorted, so that equal requests share one cache entry."""
    return f"{owner}|{urlencode(sorted((k, v) for k, v in params.items() if v != ''))}"


def owner_of(page: str) -> str:
    """The owner part of a page id (a customer id, or empty for unowned lists)."""
    return page.split("|", 1)[0]


def params_of(page: str) -> dict[str, str]:
    """The parameters of a page id."""
    return dict(parse_qsl(page.split("|", 1)[1]))


async def fetch_pages(
    pages: Sequence[str], fetch_one: FetchPage
) -> tuple[dict[str, Any], float | None]:
    """Every page asked for, fetched concurrently; the least max-age."""
    answers = await asyncio.gather(*(fetch_one(owner_of(p), params_of(p)) for p in pages))
    ages = [age for _, age in answers if age is not None]
    return {p: value for p, (value, _) in zip(pages, answers, strict=True)}, (
        min(ages) if ages else None
    )
