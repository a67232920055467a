"""What lives as long as the app: settings, channels, token verifier, sources, cache, held writes."""

from __future__ import annotations

from dataclasses import dataclass

from comptoir.cache.backend import CacheBackend
from comptoir.sources.held import HeldWrites
from comptoir.sources.registry import SourceSet

from comptoir.auth import ShopperTokens
from comptoir.channels import ChannelRegistry
from comptoir.settings import Settings


@dataclass(slots=True)
class AppState:
    """The app's long-lived parts, built in its lifespan (``request.app.state.comptoir``)."""

    settings: Settings
    channels: ChannelRegistry
    tokens: ShopperTokens
    sources: SourceSet
    cache: CacheBackend
    writes: HeldWrites
    """The writes (orders, accounts) held in the outbox for their sources."""

    def shopper_of(self, token_subject: str | None) -> str | None:
        """The customer a shopper token names (a held account's CRM id once it is created)."""
        return None if token_subject is None else self.writes.resolve(token_subject)
