"""Where sources are registered, and the process-wide set of clients and cached collections.

A new source is one package under ``sources/`` plus one entry in :data:`SOURCES`:
its settings (``COMPTOIR_{SOURCE}_URL``, ``_TOKEN``, ``_HOOK_SECRET``), its
client and breaker, its cached collections, its ``/hooks/{source}`` endpoint
and its line in ``/readyz`` follow from that entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from comptoir.cache.backend import CacheBackend
from comptoir.cache.policy import FreshnessPolicy
from comptoir.sources.collection import (
    CachedCollection,
    CollectionSpec,
    FetchMany,
)
from comptoir.sources.crm.loaders import SOURCE as CRM
from comptoir.sources.dam.loaders import SOURCE as DAM
from comptoir.sources.erp.loaders import SOURCE as ERP
from comptoir.sources.errors import UnknownEventCollection
from comptoir.sources.http import SourceClient
from comptoir.sources.oms.loaders import SOURCE as OMS
from comptoir.sources.pim.loaders import SOURCE as PIM
from comptoir.sources.plugin import WHOLE, SourcePlugin
from comptoir.sources.promo.loaders import SOURCE as PROMO
from comptoir.sources.search.loaders import SOURCE as SEARCH


class SourceRegistry:
    """The sources comptoir reads and writes, by name, in the order they were registered."""

    def __init__(self, plugins: Iterable[SourcePlugin]) -> None:
        self._plugins: dict[str, SourcePlugin] = {}
        for plugin in plugins:
            self.register(plugin)

    def register(self, plugin: SourcePlugin) -> SourcePlugin:
        """Add a source; its name must be new, and fit an environment variable's."""
        if plugin.name in self._plugins:
            raise ValueError(f"a source named {plugin.name!r} is already registered")
        if not plugin.name.isidentifier() or not plugin.name.islower():
            raise ValueError(f"a source name is lower-case letters, digits and _: {plugin.name!r}")
        self._plugins[plugin.name] = plugin
        return plugin

    def unregister(self, name: str) -> None:
        """Forget a source (a test's own, once the test is over)."""
        del self._plugins[name]

    def names(self) -> tuple[str, ...]:
        """Every registered source's name."""
        return tuple(self._plugins)

    def __iter__(self) -> Iterator[SourcePlugin]:
        return iter(list(self._plugins.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._plugins


SOURCES = SourceRegistry([PIM, DAM, ERP, CRM, OMS, PROMO, SEARCH])
"""Every source comptoir knows: a new source is one entry here."""


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """``{"collection": ..., "ids": [...]}`` of a source's change event."""

    collection: str
    ids: tuple[str, ...]


class SourceSet:
    """Every source's client and cached collections, for the life of the process."""

    def __init__(
        self,
        clients: Mapping[str, SourceClient],
        cache: CacheBackend,
        policy: FreshnessPolicy,
        *,
        stale_while_revalidate: Iterable[str] = (),
        max_ages: Mapping[str, float] | None = None,
        plugins: Iterable[SourcePlugin] = SOURCES,
    ) -> None:
        """``max_ages`` sets the default freshness of ``source.collection`` names (settings)."""
        self.clients = dict(clients)
        self.cache = cache
        self.plugins = {p.name: p for p in plugins}
        swr = set(stale_while_revalidate)
        ages = dict(max_ages or {})
        self.collections: dict[str, dict[str, CachedCollection]] = {}
        for plugin in self.plugins.values():

            def factory(
                spec: CollectionSpec,
                fetch: FetchMany,
                *,
                owner_of: Callable[[str], str] | None = None,
            ) -> CachedCollection:
                name = f"{spec.source}.{spec.name}"
                if name in ages:
                    spec = dataclasses.replace(spec, default_max_age_s=ages[name])
                if name in swr:
                    spec = dataclasses.replace(spec, stale_while_revalidate=True)
                return CachedCollection(spec, fetch, cache, policy, owner_of=owner_of)

            self.collections[plugin.name] = plugin.collections(self.clients[plugin.name], factory)

    def collection(self, source: str, name: str) -> CachedCollection:
        """One cached collection."""
        return self.collections[source][name]

    async def apply_events(self, source: str, events: Sequence[ChangeEvent]) -> int:
        """Drop every cached entry the events name; the number of entries dropped."""
        plugin = self.plugins[source]
        dropped = 0
        for event in events:
            targets = plugin.events.get(event.collection)
            if targets is None:
                raise UnknownEventCollection(f"{source} has no collection {event.collection!r}")
            for name in targets:
                ids = [WHOLE] if name in plugin.whole else list(event.ids)
                dropped += await self.collections[source][name].invalidate(ids)
        return dropped

    async def wait_background(self) -> None:
        """Wait for background revalidations (shutdown and tests)."""
        for collections in self.collections.values():
            for collection in collections.values():
                await collection.wait_background()
