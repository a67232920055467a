"""The DAM's cached collection: every asset of a product, by product id."""

from __future__ import annotations

from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.dam.client import fetch_assets
from comptoir.sources.http import SourceClient
from comptoir.sources.plugin import CollectionFactory, SourcePlugin

ASSETS = CollectionSpec("dam", "assets", default_max_age_s=600)


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """The DAM's collections on one client."""
    return {"assets": collection(ASSETS, lambda ids: fetch_assets(client, ids))}


SOURCE = SourcePlugin(name="dam", collections=build, events={"assets": ("assets",)})
