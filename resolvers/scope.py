"""What every resolver knows of the request: channel, shopper, clock, loaders and what is loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from comptoir.sources.loaders import Loaders

from comptoir.channels import ChannelConfig


@dataclass(slots=True)
class CatalogData:
    """Catalog documents loaded for this request, so that fields read them without awaiting.

    Each map holds, per id, the loaded value, ``None`` (unknown upstream) or the
    :class:`~comptoir.sources.errors.SourceError` that kept it; an id absent
    from a map has not been asked for yet.
    """

    products: dict[str, Any] = field(default_factory=dict)
    variants: dict[str, Any] = field(default_factory=dict)
    prices: dict[str, Any] = field(default_factory=dict)
    stock: dict[str, Any] = field(default_factory=dict)
    assets: dict[str, Any] = field(default_factory=dict)
    whole: dict[str, Any] = field(default_factory=dict)
    """Collections loaded whole: ``locations`` (by id) and ``categories`` (by id)."""


@dataclass(slots=True)
class RequestScope:
    """The request as the resolvers see it."""

    channel: ChannelConfig
    shopper_id: str | None
    loaders: Loaders
    now: datetime
    max_page_size: int
    catalog: CatalogData = field(default_factory=CatalogData)

    @property
    def staff(self) -> bool:
        """A staff channel may read any customer and order."""
        return self.channel.staff
