"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from comptoir.resolvers.scope import RequestScope
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.held import HeldWrites
from comptoir.sources.registry import SourceSet
from strawberry.types import Info

from comptoir.channels import ChannelConfig

if TYPE_CHECKING:
    from comptoir.graph.state import AppState


@dataclass(slots=True)
class GraphContext:
    """Channel, shopper, loaders and the degraded report of one GraphQL request."""

    scope: RequestScope
    report: DegradedReport
    app: AppState
    locale: str

    @property
    def held(self) -> HeldWrites:
        """The writes held for their sources (orders, accounts)."""
        return self.app.writes

    @property
    def sources(self) -> SourceSet:
        """Every source's client and cached collections."""
        return self.app.sources

    def extensions(self) -> dict[str, Any]:
        """``extensions.context`` (and ``extensions.degraded`` when something was missing)."""
        extensions: dict[str, Any] = {"context": applied_context(self.scope.channel, self.locale)}
        if self.report:
            extensions["degraded"] = self.report.entries()
        return extensions


def applied_context(channel: ChannelConfig, locale: str) -> dict[str, str]:
    """The context a response echoes in ``extensions.context``."""
    return {
        "channel": channel.code,
        "locale": locale,
        "currency": channel.currency,
        "priceList": channel.price_list,
    }


GraphInfo: TypeAlias = Info[GraphContext, None]
"""What strawberry passes a resolver as ``info``."""


def scope_of(info: GraphInfo) -> RequestScope:
    """The request scope of a resolver's ``info``."""
    return info.context.scope
