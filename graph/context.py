"""The per-request context every resolver receives as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from comptoir.resolvers.scope import RequestScope
from comptoir.sources.degraded import DegradedReport
from strawberry.types import Info

if TYPE_CHECKING:
    from comptoir.graph.state import AppState


@dataclass(slots=True)
class GraphContext:
    """Channel, shopper, loaders and the degraded report of one GraphQL request."""

    scope: RequestScope
    report: DegradedReport
    app: AppState
    locale: str

    def extensions(self) -> dict[str, Any]:
        """``extensions.context`` (and ``extensions.degraded`` when something was missing)."""
        channel = self.scope.channel
        extensions: dict[str, Any] = {
            "context": {
                "channel": channel.code,
                "locale": self.locale,
                "currency": channel.currency,
                "priceList": channel.price_list,
            }
        }
        if self.report:
            extensions["degraded"] = self.report.entries()
        return extensions


def scope_of(info: Info[GraphContext, Any]) -> RequestScope:
    """The request scope of a resolver's ``info``."""
    return info.context.scope
