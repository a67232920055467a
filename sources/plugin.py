"""What a source package declares so that comptoir can use it: its collections and its change events."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from comptoir.sources.collection import CachedCollection, CollectionSpec, FetchMany
from comptoir.sources.http import SourceClient

WHOLE = "all"
"""The one id of a collection the source returns whole (the category tree, the locations)."""


class CollectionFactory(Protocol):
    """Builds a :class:`CachedCollection` on the process's cache and freshness policy."""

    def __call__(
        self,
        spec: CollectionSpec,
        fetch: FetchMany,
        *,
        owner_of: Callable[[str], str] | None = None,
    ) -> CachedCollection:
        """A cached collection reading through ``fetch``."""
        ...


@dataclass(frozen=True, slots=True)
class SourcePlugin:
    """A source: its name, how to build its collections, and which collections its events touch.

    ``events`` maps a change event's collection (``SOURCES.md``) to the names
    of the cached collections whose entries of those ids must go;
    ``whole`` names collections cached as one entry (:data:`WHOLE`), which any
    event for them drops entirely.
    """

    name: str
    collections: Callable[[SourceClient, CollectionFactory], dict[str, CachedCollection]]
    events: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    whole: frozenset[str] = frozenset()
