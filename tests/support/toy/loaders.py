"""The toy source's cached collection, its loader and its registration."""

from __future__ import annotations

from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.http import SourceClient
from comptoir.sources.loaders import TypedLoader
from comptoir.sources.plugin import CollectionFactory, SourcePlugin

from tests.support.toy.client import fetch_widgets
from tests.support.toy.models import WidgetDoc

WIDGETS = CollectionSpec("toy", "widgets", default_max_age_s=60)


class WidgetByIdLoader(TypedLoader[WidgetDoc]):
    """Widgets by id."""

    spec = WIDGETS


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """The toy source's collections on one client."""
    return {"widgets": collection(WIDGETS, lambda ids: fetch_widgets(client, ids))}


SOURCE = SourcePlugin(name="toy", collections=build, events={"widgets": ("widgets",)})
