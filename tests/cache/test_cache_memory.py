"""What only the in-process backend does: the LRU bound and its bookkeeping."""

from __future__ import annotations

import pytest
from comptoir.cache.entry import CacheEntry
from comptoir.cache.memory import MemoryCache

from tests.cache.fakes import FakeClock

T0 = 1_700_000_000.0


def entry(value: object) -> CacheEntry:
    return CacheEntry(value, T0, 60.0)


async def test_evicts_the_least_recently_used_beyond_the_bound(clock: FakeClock) -> None:
    cache = MemoryCache(max_entries=3, clock=clock)
    await cache.set_many({"a": entry("a"), "b": entry("b"), "c": entry("c")}, ttl_s=60)
    await cache.get_many(["a"])  # a is now more recent than b

    await cache.set_many({"d": entry("d")}, ttl_s=60)

    assert await cache.get_many(["a", "b", "c", "d"]) == [
        entry("a"),
        None,
        entry("c"),
        entry("d"),
    ]
    stats = cache.stats()
    assert (stats.size, stats.max_entries, stats.evictions) == (3, 3, 1)


async def test_a_batch_larger_than_the_bound_keeps_its_last_entries(clock: FakeClock) -> None:
    cache = MemoryCache(max_entries=10, clock=clock)

    await cache.set_many({f"k{i}": entry(i) for i in range(25)}, ttl_s=60)

    assert len(cache) == 10
    assert cache.stats().evictions == 15
    assert await cache.get_many(["k14", "k15", "k24"]) == [None, entry(15), entry(24)]


async def test_eviction_cleans_the_tag_index(clock: FakeClock) -> None:
    cache = MemoryCache(max_entries=2, clock=clock)
    await cache.set_many({"a": entry("a"), "b": entry("b")}, ttl_s=60, tags={"a": "T", "b": "T"})

    await cache.set_many({"c": entry("c")}, ttl_s=60, tags={"c": "U"})

    assert cache.tag_index_size() == 2
    assert await cache.invalidate(["T"]) == 1
    assert cache.tag_index_size() == 1


async def test_overwrite_with_another_tag_moves_the_entry(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    await cache.set_many({"page": entry(1)}, ttl_s=60, tags={"page": "T"})

    await cache.set_many({"page": entry(2)}, ttl_s=60, tags={"page": "U"})

    assert cache.tag_index_size() == 1
    assert await cache.invalidate(["T"]) == 0
    assert await cache.invalidate(["U"]) == 1


async def test_overwrite_without_a_tag_unlinks_the_old_one(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    await cache.set_many({"page": entry(1)}, ttl_s=60, tags={"page": "T"})

    await cache.set_many({"page": entry(2)}, ttl_s=60)

    assert cache.tag_index_size() == 0
    assert await cache.invalidate(["T"]) == 0


async def test_expired_entries_are_dropped_when_read(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    await cache.set_many({"a": entry(1)}, ttl_s=10, tags={"a": "T"})
    clock.advance(10)

    assert await cache.get_many(["a"]) == [None]
    assert len(cache) == 0
    assert cache.tag_index_size() == 0
    assert cache.stats().expirations == 1


async def test_values_are_stored_as_given(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    value = {"shared": ["not", "copied"]}
    await cache.set_many({"k": CacheEntry(value, T0, 60.0)}, ttl_s=60)

    (found,) = await cache.get_many(["k"])

    assert found is not None and found.value is value


async def test_counts_hits_and_misses(clock: FakeClock) -> None:
    cache = MemoryCache(clock=clock)
    await cache.set_many({"a": entry(1)}, ttl_s=60)

    await cache.get_many(["a", "b", "a"])

    stats = cache.stats()
    assert (stats.hits, stats.misses) == (2, 1)


def test_refuses_a_bound_below_one() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        MemoryCache(max_entries=0)
