"""The search source's registration: reached like every source, none of its reads cached yet.

Registered, it has its settings (``COMPTOIR_SEARCH_URL``, ``_TOKEN``,
``_HOOK_SECRET``), a client with its breaker, and its line in ``/readyz``;
its collections and loaders join this module when comptoir reads it.
"""

from __future__ import annotations

from comptoir.sources.collection import CachedCollection
from comptoir.sources.http import SourceClient
from comptoir.sources.plugin import CollectionFactory, SourcePlugin


def build(client: SourceClient, collection: CollectionFactory) -> dict[str, CachedCollection]:
    """No cached collection of the search source."""
    return {}


SOURCE = SourcePlugin(name="search", collections=build)
