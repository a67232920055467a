"""The toy source's HTTP call."""

from __future__ import annotations

from collections.abc import Sequence

from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items

from tests.support.toy.models import WIDGETS, WidgetDoc


async def fetch_widgets(
    client: SourceClient, ids: Sequence[str]
) -> tuple[dict[str, WidgetDoc], float | None]:
    """Widgets by id."""
    items, max_age = await client.get_batch("/widgets", "ids", ids, "widgets")
    return {w["id"]: w for w in validate_items(WIDGETS, items, client.name, "widgets")}, max_age
