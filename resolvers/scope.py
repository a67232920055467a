"""What every resolver knows of the request: channel, shopper, clock, loaders and what is loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from comptoir.resolvers.prefetch import CatalogData
from comptoir.sources.dam.models import AssetDoc
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.loaders import Loaders

from comptoir.channels import ChannelConfig

if TYPE_CHECKING:
    from comptoir.resolvers.pricing import PriceInForce


@dataclass(slots=True)
class RequestScope:
    """The request as the resolvers see it."""

    channel: ChannelConfig
    shopper_id: str | None
    loaders: Loaders
    now: datetime
    max_page_size: int
    catalog: CatalogData = field(default_factory=CatalogData)
    prices_in_force: dict[str, PriceInForce | None] = field(default_factory=dict)
    """Each sku's price on the channel's list, worked out once per request."""
    allowed_media: dict[str, list[AssetDoc]] = field(default_factory=dict)
    """Each product's assets the channel may show, by position, worked out once per request."""

    @property
    def staff(self) -> bool:
        """A staff channel may read any customer and order."""
        return self.channel.staff

    @property
    def report(self) -> DegradedReport:
        """What this request had to do without (``extensions.degraded``)."""
        return self.loaders.report

    @property
    def tracks_changes(self) -> bool:
        """Whether this request's answer may be stored whole (it records until when it holds)."""
        return self.loaders.report.provenance is not None

    def changes_at(self, when: datetime | None) -> None:
        """What the answer shows changes at ``when`` (a price's or a right's validity ends)."""
        provenance = self.loaders.report.provenance
        if provenance is not None and when is not None:
            provenance.changes_at(when.timestamp())
