"""What lives as long as the app: settings, channels, token verifier, sources, cache."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from comptoir.cache.backend import CacheBackend
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
    writes: Any = None
    """The durable outbox of writes awaiting a source (set by the write path)."""
    extra: dict[str, Any] = field(default_factory=dict)
