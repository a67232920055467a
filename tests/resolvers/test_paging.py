"""Relay paging over a source's cursor-paged list, with comptoir's own opaque cursors."""

from __future__ import annotations

import pytest
from comptoir.resolvers.errors import InvalidArgument
from comptoir.resolvers.paging import SOURCE_PAGE_LIMIT, decode_cursor, encode_cursor, paginate

ITEMS = [f"item-{n:03d}" for n in range(250)]


async def fetch(cursor: str | None, limit: int) -> tuple[list[str], str | None]:
    """A source listing ITEMS, its cursor the index to resume from."""
    start = int(cursor or 0)
    end = start + limit
    return ITEMS[start:end], (str(end) if end < len(ITEMS) else None)


async def walk(first: int) -> list[str]:
    seen: list[str] = []
    after: str | None = None
    while True:
        page = await paginate(fetch, first, after, max_page_size=100)
        seen += [item for item, _ in page.edges]
        if not page.has_next_page:
            return seen
        after = page.end_cursor


@pytest.mark.parametrize("first", [1, 7, 24, 100])
async def test_paging_through_gives_every_item_once_in_order(first: int) -> None:
    assert await walk(first) == ITEMS


def test_a_cursor_decodes_to_what_it_encodes() -> None:
    assert decode_cursor(encode_cursor("abc", 5)) == ("abc", 5)
    assert decode_cursor(encode_cursor(None, 0)) == (None, 0)


@pytest.mark.parametrize(
    "cursor", ["not-a-cursor", "", encode_cursor("x", SOURCE_PAGE_LIMIT), "YzFbMSwyXQ"]
)
def test_a_cursor_comptoir_did_not_issue_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidArgument, match="`after`"):
        decode_cursor(cursor)


@pytest.mark.parametrize("first", [-1, 101])
async def test_first_out_of_range_is_refused_before_any_fetch(first: int) -> None:
    async def never(cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        raise AssertionError("fetched")

    with pytest.raises(InvalidArgument, match="between 0 and 100"):
        await paginate(never, first, None, max_page_size=100)
