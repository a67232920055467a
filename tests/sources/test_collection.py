"""The cached collection on a fake clock: fresh, stale, gone; coalescing; errors never cached."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from comptoir.cache.memory import MemoryCache
from comptoir.cache.policy import FreshnessPolicy
from comptoir.sources.collection import CachedCollection, CollectionSpec
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.errors import SourceRejected, SourceUnavailable

from tests.cache.fakes import FakeClock

MAX_AGE_S = 60.0
STALE_WINDOW_S = 600.0


class Upstream:
    """A source's batch read: counts fetches, can be down or reject, grants a max-age."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {"a": "A1", "b": "B1"}
        self.fetches: list[list[str]] = []
        self.failure: Exception | None = None
        self.max_age: float | None = MAX_AGE_S
        self.gate: asyncio.Event | None = None
        self.asked = asyncio.Event()

    async def fetch(self, ids: list[str]) -> tuple[Mapping[str, Any], float | None]:
        self.fetches.append(list(ids))
        self.asked.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return {i: self.values[i] for i in ids if i in self.values}, self.max_age


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


def collection(upstream: Upstream, clock: FakeClock, *, swr: bool = False) -> CachedCollection:
    spec = CollectionSpec("erp", "stock", default_max_age_s=30.0, stale_while_revalidate=swr)
    cache = MemoryCache(clock=clock)
    return CachedCollection(
        spec, upstream.fetch, cache, FreshnessPolicy(STALE_WINDOW_S), clock=clock
    )


async def test_a_miss_is_fetched_once_then_fresh_entries_answer_without_the_source(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock)
    report = DegradedReport()
    assert await items.load_many(["a", "b", "zz"], report) == ["A1", "B1", None]
    clock.advance(MAX_AGE_S - 1)
    assert await items.load_many(["b", "a", "zz"], report) == ["B1", "A1", None]
    assert upstream.fetches == [["a", "b", "zz"]]  # an unknown id is cached as unknown
    assert not report


async def test_a_stale_entry_is_asked_for_again_and_served_only_when_the_source_fails(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock)
    await items.load_many(["a"], DegradedReport())
    clock.advance(MAX_AGE_S + 1)
    upstream.values["a"] = "A2"
    fresh = DegradedReport()
    assert await items.load_many(["a"], fresh) == ["A2"] and not fresh

    clock.advance(MAX_AGE_S + 1)
    upstream.failure = SourceUnavailable("erp", "stock: HTTP 503")
    stale = DegradedReport()
    assert await items.load_many(["a"], stale) == ["A2"]
    assert stale.entries() == [{"source": "erp", "mode": "stale"}]


async def test_past_the_stale_window_an_outage_is_the_error_of_each_id(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock)
    await items.load_many(["a"], DegradedReport())
    clock.advance(MAX_AGE_S + STALE_WINDOW_S + 1)
    upstream.failure = SourceUnavailable("erp", "stock: timed out")
    report = DegradedReport()
    [found] = await items.load_many(["a"], report)
    assert isinstance(found, SourceUnavailable)
    assert report.entries() == [{"source": "erp", "mode": "unavailable"}]


async def test_errors_are_never_cached_and_a_rejection_is_not_an_outage(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock)
    upstream.failure = SourceRejected("erp", 400, "too_many_ids", "at most 100")
    report = DegradedReport()
    [found] = await items.load_many(["a"], report)
    assert isinstance(found, SourceRejected) and not report
    upstream.failure = None
    assert await items.load_many(["a"], DegradedReport()) == ["A1"]
    assert len(upstream.fetches) == 2


async def test_the_max_age_the_source_grants_decides_freshness(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock)
    upstream.max_age = 5.0
    await items.load_many(["a"], DegradedReport())
    clock.advance(6.0)
    upstream.max_age = None  # the source says nothing: the collection's default (30 s)
    await items.load_many(["a"], DegradedReport())
    clock.advance(29.0)
    await items.load_many(["a"], DegradedReport())
    assert len(upstream.fetches) == 2
    clock.advance(2.0)
    await items.load_many(["a"], DegradedReport())
    assert len(upstream.fetches) == 3


async def test_concurrent_requests_for_the_same_missing_ids_share_one_fetch(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock)
    upstream.gate = asyncio.Event()
    first = asyncio.create_task(items.load_many(["a", "b"], DegradedReport()))
    await upstream.asked.wait()  # the first request's fetch is under way
    second = asyncio.create_task(items.load_many(["b", "a"], DegradedReport()))
    await asyncio.sleep(0)  # the second finds it in flight and waits for it
    upstream.gate.set()
    assert await first == ["A1", "B1"]
    assert await second == ["B1", "A1"]
    assert upstream.fetches == [["a", "b"]]


async def test_a_request_spanning_two_fetches_in_flight_waits_for_both_and_fetches_the_rest(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock)
    upstream.values.update(c="C1", d="D1")
    upstream.gate = asyncio.Event()
    first = asyncio.create_task(items.load_many(["a"], DegradedReport()))
    second = asyncio.create_task(items.load_many(["b", "d"], DegradedReport()))
    for _ in range(100):  # both fetches under way
        if len(upstream.fetches) == 2:
            break
        await asyncio.sleep(0)
    third = asyncio.create_task(items.load_many(["c", "b", "a"], DegradedReport()))
    await asyncio.sleep(0)
    upstream.gate.set()
    assert await third == ["C1", "B1", "A1"]
    assert await first == ["A1"] and await second == ["B1", "D1"]
    assert upstream.fetches == [["a"], ["b", "d"], ["c"]]


async def test_a_request_cancelled_midway_does_not_abandon_the_others_waiting_on_its_fetch(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock)
    upstream.gate = asyncio.Event()
    first = asyncio.create_task(items.load_many(["a", "b"], DegradedReport()))
    await upstream.asked.wait()
    waiting = DegradedReport()
    second = asyncio.create_task(items.load_many(["b"], waiting))
    await asyncio.sleep(0)
    first.cancel()  # e.g. a sibling field failed and graphql-core cancels the rest
    await asyncio.sleep(0)
    upstream.gate.set()
    assert await second == ["B1"]
    assert not waiting  # served, not "unavailable"
    assert first.cancelled()
    assert await items.load_many(["a"], DegradedReport()) == ["A1"]  # the fetch was kept
    assert upstream.fetches == [["a", "b"]]


async def test_stale_while_revalidate_answers_at_once_and_refreshes_in_the_background(
    upstream: Upstream, clock: FakeClock
) -> None:
    items = collection(upstream, clock, swr=True)
    await items.load_many(["a"], DegradedReport())
    clock.advance(MAX_AGE_S + 1)
    upstream.values["a"] = "A2"
    report = DegradedReport()
    assert await items.load_many(["a"], report) == ["A1"]  # at once, the stale value
    assert report.entries() == [{"source": "erp", "mode": "stale"}]
    await items.wait_background()
    assert await items.load_many(["a"], DegradedReport()) == ["A2"]
    assert len(upstream.fetches) == 2


async def test_invalidating_an_owner_drops_every_page_primed_for_it(
    upstream: Upstream, clock: FakeClock
) -> None:
    spec = CollectionSpec("oms", "customer_orders", default_max_age_s=30.0)
    pages = CachedCollection(
        spec,
        upstream.fetch,
        MemoryCache(clock=clock),
        FreshnessPolicy(STALE_WINDOW_S),
        owner_of=lambda page: page.split("|", 1)[0],
        clock=clock,
    )
    await pages.prime({"CU-1|limit=10": "page 1", "CU-1|cursor=x": "page 2"}, 60.0)
    await pages.prime({"CU-2|limit=10": "other"}, 60.0)
    assert await pages.invalidate(["CU-1"]) >= 2
    found = await pages.load_many(["CU-1|limit=10", "CU-2|limit=10"], DegradedReport())
    assert found == [None, "other"]
    assert upstream.fetches == [["CU-1|limit=10"]]
