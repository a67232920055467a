"""The promotion engine has no cached collection: a cart is evaluated live, every time."""

from __future__ import annotations

from comptoir.sources.collection import CachedCollection
from comptoir.sources.http import SourceClient
from comptoir.sources.plugin import CollectionFactory, SourcePlugin


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """No collections: carts are priced live."""
    return {}


SOURCE = SourcePlugin(name="promo", collections=build)
