"""The search source's HTTP call: one page of ``GET /products``."""

from __future__ import annotations

from collections.abc import Sequence

from comptoir.sources.errors import SourceResponseInvalid
from comptoir.sources.http import SourceClient
from comptoir.sources.search.models import SEARCH_PAGE, SearchPageDoc
from pydantic import ValidationError


async def fetch_search_page(
    client: SourceClient, params: Sequence[tuple[str, str]]
) -> tuple[SearchPageDoc, float | None]:
    """The page ``params`` ask for (``filter`` may repeat); the max-age the source granted."""
    response = await client.get("/products", list(params), "products")
    try:
        page = SEARCH_PAGE.validate_python(response.body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise SourceResponseInvalid(
            client.name,
            f"products: answer does not match the contract ({where}: {first.get('msg')})",
        ) from exc
    return page, response.max_age
