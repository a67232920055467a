"""Relay paging over a source's cursor-paged list, with opaque cursors of comptoir's own.

An edge's cursor is the source's cursor of the page that holds it plus how
many items of that page come before the next one, so paging resumes right
after any edge, whatever the source's page size.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import orjson
from comptoir.resolvers.errors import InvalidArgument
from comptoir.sources.http import unsendable

T = TypeVar("T")
FetchPage = Callable[[str | None, int], Awaitable[tuple[Sequence[T], str | None]]]
"""Fetch ``limit`` items from a source's cursor (None: the start): the items and the next cursor."""

SOURCE_PAGE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a connection: each item with its cursor, and whether more follow."""

    edges: list[tuple[T, str]]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        """The cursor of the last edge."""
        return self.edges[-1][1] if self.edges else None


def encode_cursor(source_cursor: str | None, skip: int) -> str:
    """An opaque cursor: resume ``skip`` items into the source's page at ``source_cursor``."""
    raw = orjson.dumps([source_cursor, skip])
    return base64.urlsafe_b64encode(b"c1" + raw).decode().rstrip("=")


MAX_CURSOR_LENGTH = 1024
"""Longer text is not a cursor comptoir issued (its sources' cursors are short)."""


def decode_cursor(cursor: str) -> tuple[str | None, int]:
    """The position an opaque cursor stands for; :class:`InvalidArgument` if it is not one."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidArgument(
            f"`after` is not a cursor this API issued (over {MAX_CURSOR_LENGTH} characters)"
        )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if not raw.startswith(b"c1"):
            raise ValueError("not a comptoir cursor")
        source_cursor, skip = json.loads(raw[2:])
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidArgument(f"`after` is not a cursor this API issued: {cursor!r}") from exc
    if not (
        source_cursor is None
        or (isinstance(source_cursor, str) and unsendable(source_cursor, MAX_CURSOR_LENGTH) is None)
    ) or not isinstance(skip, int):
        raise InvalidArgument(f"`after` is not a cursor this API issued: {cursor!r}")
    if not 0 <= skip < SOURCE_PAGE_LIMIT:
        raise InvalidArgument(f"`after` is not a cursor this API issued: {cursor!r}")
    return source_cursor, skip


def check_first(first: int, max_page_size: int) -> None:
    """``first`` must be between 0 and the maximum page size."""
    if first < 0 or first > max_page_size:
        raise InvalidArgument(f"`first` must be between 0 and {max_page_size}, got {first}")


async def paginate(
    fetch: FetchPage[T], first: int, after: str | None, max_page_size: int
) -> Page[T]:
    """The ``first`` items after ``after``, fetched in as few source pages as possible."""
    check_first(first, max_page_size)
    source_cursor, skip = decode_cursor(after) if after else (None, 0)
    edges: list[tuple[T, str]] = []
    has_next = False
    while True:
        want = first - len(edges)
        limit = min(SOURCE_PAGE_LIMIT, skip + want + 1)  # one more tells whether more follow
        items, next_cursor = await fetch(source_cursor, limit)
        fresh = list(items)[skip:]
        taken = fresh[:want]
        for offset, item in enumerate(taken, start=skip + 1):
            if offset < SOURCE_PAGE_LIMIT:
                edges.append((item, encode_cursor(source_cursor, offset)))
            else:
                edges.append((item, encode_cursor(next_cursor, 0)))
        if len(fresh) > want:
            has_next = True
            break
        if next_cursor is None or len(edges) >= first:
            has_next = next_cursor is not None
            break
        source_cursor, skip = next_cursor, 0
    return Page(edges, has_next)
