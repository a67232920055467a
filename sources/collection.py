"""Reading one upstream collection by id through the cache.

A :class:`CachedCollection` lives as long as the process (it holds the
in-flight map that coalesces concurrent requests); the per-request
:class:`CollectionLoader` batches the ids one GraphQL operation asks for.
For a batch: one multi-get from the cache; fresh entries answer at once;
stale entries are served only when the source fails (or at once, for
stale-while-revalidate collections, with a background refresh); the misses
go upstream in one batch — shared with any other request already fetching
the same ids — and are written back in one pipelined call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiodataloader import DataLoader
from comptoir.cache.backend import CacheBackend
from comptoir.cache.entry import CacheEntry
from comptoir.cache.inflight import InFlight
from comptoir.cache.keys import item_key
from comptoir.cache.policy import Freshness, FreshnessPolicy
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.errors import SourceError, SourceUnavailable

from comptoir import tracing
from comptoir.metrics import CACHE_LOOKUPS, REVALIDATIONS, open_collection_series

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

log = logging.getLogger("comptoir.sources")

FetchMany = Callable[[list[str]], Awaitable[tuple[Mapping[str, Any], float | None]]]
"""Fetch ids upstream: the value of every id the source knows, and the max-age it granted."""


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    """How one collection is cached: its source, name, default freshness and revalidation mode.

    ``serve_stale`` false: an entry past its freshness is never an answer,
    not even when the source fails (a delivery promise is worth nothing once
    it has lapsed), and the backend keeps it no longer than its freshness.
    """

    source: str
    name: str
    default_max_age_s: float
    stale_while_revalidate: bool = False
    serve_stale: bool = True


@dataclass(frozen=True, slots=True)
class _Outcome:
    value: Any = None
    error: SourceError | None = None
    fresh_until: float = 0.0


class CachedCollection:
    """One upstream collection read by id, shared by every request of the process."""

    def __init__(
        self,
        spec: CollectionSpec,
        fetch: FetchMany,
        cache: CacheBackend,
        policy: FreshnessPolicy,
        *,
        owner_of: Callable[[str], str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.spec = spec
        self._fetch = fetch
        self._cache = cache
        self._policy = policy
        self._owner_of = owner_of
        self._clock = clock
        self._inflight: InFlight[_Outcome] = InFlight()
        """Per id being fetched, the future of its batch's outcomes."""
        self._revalidating: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._labels = (spec.source, spec.name)
        self._hits, self._misses = open_collection_series(spec.source, spec.name)

    def key(self, item_id: str) -> str:
        """The cache key of ``item_id`` in this collection."""
        return item_key(self.spec.source, self.spec.name, item_id)

    async def load_many(self, ids: Sequence[str], report: DegradedReport) -> list[Any]:
        """The value of each id (``None`` when unknown), or the :class:`SourceError` that kept it."""
        keys = [self.key(i) for i in ids]
        tracer = tracing.TRACER
        if tracer is not None:
            return await self._load_traced(tracer, ids, keys, report)
        entries = await self._cache.get_many(keys)
        return await self._settle_entries(ids, keys, entries, report)

    async def _load_traced(
        self, tracer: Tracer, ids: Sequence[str], keys: list[str], report: DegradedReport
    ) -> list[Any]:
        """:meth:`load_many` with a span over the cache read; what it misses is fetched after."""
        span = tracing.start_cache_read(
            tracer,
            f"cache read {self.spec.source}.{self.spec.name}",
            {
                "comptoir.source": self.spec.source,
                "comptoir.collection": self.spec.name,
                "comptoir.cache.keys": len(keys),
            },
        )
        try:
            entries = await self._cache.get_many(keys)
            now = self._clock()
            states = [
                Freshness.GONE if entry is None else self._policy.state(entry, now)
                for entry in entries
            ]
            span.set_attribute("comptoir.cache.hits", states.count(Freshness.FRESH))
            span.set_attribute("comptoir.cache.stale", states.count(Freshness.STALE))
            span.set_attribute("comptoir.cache.misses", states.count(Freshness.GONE))
        finally:
            span.end()
        outcome = "miss" if Freshness.GONE in states else "stale"
        with tracing.cache_outcome(outcome):
            return await self._settle_entries(ids, keys, entries, report)

    async def _settle_entries(
        self,
        ids: Sequence[str],
        keys: list[str],
        entries: Sequence[CacheEntry | None],
        report: DegradedReport,
    ) -> list[Any]:
        now = self._clock()
        results: list[Any] = [None] * len(ids)
        wanted: dict[str, CacheEntry | None] = {}
        to_revalidate: list[str] = []
        hits = 0
        provenance = report.provenance
        state_of = self._policy.state
        for index, (item_id, entry) in enumerate(zip(ids, entries, strict=True)):
            if entry is None:
                state = Freshness.GONE
            elif entry.max_age > 0 and now - entry.fetched_at < entry.max_age:
                # FreshnessPolicy.state's FRESH, inline: the warm page's hot path
                state = Freshness.FRESH
            else:
                state = state_of(entry, now)
            if state is Freshness.STALE and not self.spec.serve_stale:
                state = Freshness.GONE
            if state is Freshness.FRESH:
                results[index] = entry.value  # type: ignore[union-attr]  # FRESH implies an entry
                hits += 1
                if provenance is not None:
                    provenance.saw(keys[index], entry.fetched_at + entry.max_age)  # type: ignore[union-attr]
            elif state is Freshness.STALE and self.spec.stale_while_revalidate:
                results[index] = entry.value  # type: ignore[union-attr]
                to_revalidate.append(item_id)
            else:
                wanted[item_id] = entry if state is Freshness.STALE else None
        if hits:
            self._hits.inc(hits)
        if to_revalidate:
            report.add(self.spec.source, "stale")
            CACHE_LOOKUPS.labels(*self._labels, "stale_served").inc(len(to_revalidate))
            self._revalidate(to_revalidate)
        if wanted:
            self._misses.inc(len(wanted))
            outcomes = await self._fetch_coalesced(list(wanted))
            for index, item_id in enumerate(ids):
                if item_id in wanted:
                    outcome = outcomes[item_id]
                    results[index] = self._settle(outcome, wanted[item_id], report)
                    if provenance is not None and outcome.error is None:
                        provenance.saw(keys[index], outcome.fresh_until)
        return results

    def _settle(self, outcome: _Outcome, stale: CacheEntry | None, report: DegradedReport) -> Any:
        if outcome.error is None:
            return outcome.value
        if stale is not None and isinstance(outcome.error, SourceUnavailable):
            report.add(self.spec.source, "stale")
            CACHE_LOOKUPS.labels(*self._labels, "stale_served").inc()
            return stale.value
        if isinstance(outcome.error, SourceUnavailable):
            report.add(self.spec.source, "unavailable")
        return outcome.error

    async def _fetch_coalesced(self, ids: list[str]) -> dict[str, _Outcome]:
        """Each id's outcome, fetched once however many requests want it at the same time.

        The ids no one is fetching yet are fetched in a task of their own:
        a caller that is cancelled (a sibling field failed, an execution
        abandoned) does not abandon the other requests waiting for them.
        Whoever wants an id being fetched waits for that id's whole batch
        (one future per batch, not per id: a page's batch holds dozens).
        """
        loop = asyncio.get_running_loop()
        mine, waiting = self._inflight.split(ids)
        outcomes: dict[str, _Outcome] = {}
        if mine:
            batch = self._inflight.claim(mine)
            task = loop.create_task(self._fetch_for_all(mine, batch))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            outcomes.update(await asyncio.shield(task))
        for batch in waiting:
            settled = await asyncio.shield(batch)
            for item_id in ids:
                if item_id in settled:
                    outcomes[item_id] = settled[item_id]
        return outcomes

    async def _fetch_for_all(
        self, mine: list[str], batch: asyncio.Future[Mapping[str, _Outcome]]
    ) -> dict[str, _Outcome]:
        """Fetch ``mine``, settling ``batch`` with each id's outcome for whoever waits for it."""
        fetched: dict[str, _Outcome] = {}
        try:
            fetched = await self._fetch_and_store(mine)
        finally:
            settled = fetched
            if len(fetched) < len(mine):  # abandoned midway (cancelled, or an unexpected error)
                abandoned = _Outcome(
                    error=SourceUnavailable(self.spec.source, f"{self.spec.name}: fetch abandoned")
                )
                settled = {item_id: fetched.get(item_id) or abandoned for item_id in mine}
            self._inflight.settle(mine, batch, settled)
        return fetched

    async def _fetch_and_store(self, ids: list[str]) -> dict[str, _Outcome]:
        try:
            values, max_age = await self._fetch(ids)
        except SourceError as error:
            return {item_id: _Outcome(error=error) for item_id in ids}
        fetched_at = self._clock()
        age = self.spec.default_max_age_s if max_age is None else max_age
        await self.prime({item_id: values.get(item_id) for item_id in ids}, max_age)
        return {item_id: _Outcome(values.get(item_id), None, fetched_at + age) for item_id in ids}

    async def prime(self, values: Mapping[str, Any], max_age: float | None) -> None:
        """Write values fetched by another call (a list page's items) into this collection's entries."""
        if not values:
            return
        age = self.spec.default_max_age_s if max_age is None else max_age
        if age <= 0 and not self.spec.serve_stale:
            return  # never fresh, never served: not worth a write
        now = self._clock()
        entries = {
            self.key(item_id): CacheEntry(value, now, age) for item_id, value in values.items()
        }
        tags = None
        if self._owner_of is not None:
            # Pages of one owner (a customer's orders) are tagged with the owner's key,
            # so that invalidating the owner's id drops every page.
            tags = {self.key(item_id): self.key(self._owner_of(item_id)) for item_id in values}
        ttl = self._policy.ttl_s(age) if self.spec.serve_stale else age
        await self._cache.set_many(entries, ttl, tags)

    def _revalidate(self, ids: list[str]) -> None:
        fresh_ids = [i for i in ids if i not in self._revalidating and i not in self._inflight]
        if not fresh_ids:
            return
        self._revalidating.update(fresh_ids)
        task = asyncio.get_running_loop().create_task(self._revalidate_now(fresh_ids))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _revalidate_now(self, ids: list[str]) -> None:
        if tracing.TRACER is not None:
            tracing.CACHE_OUTCOME.set("revalidate")  # this task's own context
        try:
            # One process refreshes a batch; the lock is named after its first id.
            lock = f"{self.key(ids[0])}:revalidate"
            if not await self._cache.try_lock(lock, ttl_s=10.0):
                return
            try:
                REVALIDATIONS.labels(*self._labels).inc()
                await self._fetch_coalesced(ids)
            finally:
                await self._cache.release_lock(lock)
        except Exception:  # a background refresh must never take the process down
            log.exception("revalidation of %s.%s failed", *self._labels)
        finally:
            self._revalidating.difference_update(ids)

    async def invalidate(self, ids: Sequence[str]) -> int:
        """Drop the entries of ``ids`` (and, for paged collections, every page of those owners)."""
        return await self._cache.invalidate([self.key(i) for i in ids])

    async def wait_background(self) -> None:
        """Wait for background revalidations and fetches (shutdown and tests)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)


class CollectionLoader(DataLoader[str, Any]):
    """The per-request batcher of one collection: every id asked for in a tick goes in one batch."""

    def __init__(self, collection: CachedCollection, report: DegradedReport) -> None:
        super().__init__(max_batch_size=None, cache=True)
        self.collection = collection
        self.report = report

    async def batch_load_fn(self, keys: list[str]) -> list[Any]:
        """One cached, coalesced batch read for every id of this tick."""
        return await self.collection.load_many(keys, self.report)
