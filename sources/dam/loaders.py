"""The DAM's cached collection and its loader: every asset of a product, by product id."""

from __future__ import annotations

from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.dam.client import fetch_assets
from comptoir.sources.dam.models import AssetDoc
from comptoir.sources.http import SourceClient
from comptoir.sources.loaders import TypedLoader
from comptoir.sources.plugin import CollectionFactory, SourcePlugin

ASSETS = CollectionSpec("dam", "assets", default_max_age_s=600)


class AssetsByProductIdLoader(TypedLoader[list[AssetDoc]]):
    """Every DAM asset of a product (its variants' too), by product id."""

    spec = ASSETS


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """The DAM's collections on one client."""
    return {"assets": collection(ASSETS, lambda ids: fetch_assets(client, ids))}


SOURCE = SourcePlugin(name="dam", collections=build, events={"assets": ("assets",)})
