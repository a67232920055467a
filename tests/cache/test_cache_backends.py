"""The behaviour every cache backend shares, run against each of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from comptoir.cache.backend import CacheBackend
from comptoir.cache.entry import CacheEntry

Advance = Callable[[float], Awaitable[None]]

T0 = 1_700_000_000.0


def entry(value: object, fetched_at: float = T0, max_age: float = 60.0) -> CacheEntry:
    return CacheEntry(value, fetched_at, max_age)


async def test_reports_its_kind_and_is_up(cache: CacheBackend, backend_kind: str) -> None:
    assert cache.name == ("memory" if backend_kind == "memory" else "redis")
    assert cache.status() == "up"


async def test_round_trip_keeps_values_and_times(cache: CacheBackend) -> None:
    stored = {
        "dict": entry({"sku": "A-1", "prices": [{"list": "retail", "amount": 12.5}]}),
        "list": entry([1, "two", {"three": 3}], fetched_at=T0 + 0.125, max_age=300.0),
        "none": entry(None),
        "text": entry("héllo ✓"),
        "int": entry(42),
        "float": entry(0.1),
        "bool": entry(False),
        "empty": entry({}),
    }
    await cache.set_many(stored, ttl_s=60)

    found = await cache.get_many(list(stored))

    assert found == list(stored.values())


async def test_a_cached_none_is_not_a_miss(cache: CacheBackend) -> None:
    await cache.set_many({"unknown-id": entry(None)}, ttl_s=60)

    found, missing = await cache.get_many(["unknown-id", "never-set"])

    assert found == entry(None)
    assert missing is None


async def test_get_many_answers_in_the_order_asked(cache: CacheBackend) -> None:
    await cache.set_many({f"k{i}": entry(i) for i in range(5)}, ttl_s=60)

    found = await cache.get_many(["k3", "nope", "k0", "k3", "k4", "other"])

    assert found == [entry(3), None, entry(0), entry(3), entry(4), None]


async def test_get_many_of_nothing_is_nothing(cache: CacheBackend) -> None:
    assert await cache.get_many([]) == []


async def test_set_overwrites(cache: CacheBackend) -> None:
    await cache.set_many({"k": entry("old")}, ttl_s=60)
    await cache.set_many({"k": entry("new", fetched_at=T0 + 5)}, ttl_s=60)

    assert await cache.get_many(["k"]) == [entry("new", fetched_at=T0 + 5)]


async def test_entries_expire_after_their_ttl(cache: CacheBackend, advance: Advance) -> None:
    await cache.set_many({"short": entry(1)}, ttl_s=0.2)
    await cache.set_many({"long": entry(2)}, ttl_s=60)

    await advance(0.4)

    assert await cache.get_many(["short", "long"]) == [None, entry(2)]


async def test_a_non_positive_ttl_stores_nothing(cache: CacheBackend) -> None:
    await cache.set_many({"k": entry(1)}, ttl_s=0)

    assert await cache.get_many(["k"]) == [None]


async def test_invalidate_drops_keys_and_their_tagged_entries(cache: CacheBackend) -> None:
    await cache.set_many(
        {"cust:1": entry({"id": 1}), "cust:2": entry({"id": 2})},
        ttl_s=60,
    )
    await cache.set_many(
        {"orders:1|p=1": entry([1]), "orders:1|p=2": entry([2]), "orders:2|p=1": entry([3])},
        ttl_s=60,
        tags={"orders:1|p=1": "cust:1", "orders:1|p=2": "cust:1", "orders:2|p=1": "cust:2"},
    )

    deleted = await cache.invalidate(["cust:1"])

    assert deleted == 3
    assert await cache.get_many(["cust:1", "orders:1|p=1", "orders:1|p=2"]) == [None] * 3
    assert await cache.get_many(["cust:2", "orders:2|p=1"]) == [entry({"id": 2}), entry([3])]


async def test_invalidate_of_a_tag_without_its_own_entry(cache: CacheBackend) -> None:
    await cache.set_many({"page": entry([1])}, ttl_s=60, tags={"page": "cust:9"})

    assert await cache.invalidate(["cust:9"]) == 1
    assert await cache.get_many(["page"]) == [None]


async def test_invalidate_counts_each_entry_once(cache: CacheBackend) -> None:
    await cache.set_many({"cust:1": entry(1)}, ttl_s=60)
    await cache.set_many({"page": entry([1])}, ttl_s=60, tags={"page": "cust:1"})

    assert await cache.invalidate(["cust:1", "page", "cust:1"]) == 2


async def test_invalidate_of_unknown_keys_is_zero(cache: CacheBackend) -> None:
    assert await cache.invalidate(["nothing", "here"]) == 0
    assert await cache.invalidate([]) == 0


async def test_invalidate_does_not_count_expired_entries(
    cache: CacheBackend, advance: Advance
) -> None:
    await cache.set_many({"gone": entry(1)}, ttl_s=0.2, tags={"gone": "cust:1"})
    await cache.set_many({"kept": entry(2)}, ttl_s=60, tags={"kept": "cust:1"})

    await advance(0.4)

    assert await cache.invalidate(["cust:1"]) == 1


async def test_a_tag_is_forgotten_once_invalidated(cache: CacheBackend) -> None:
    await cache.set_many({"page": entry(1)}, ttl_s=60, tags={"page": "cust:1"})
    await cache.invalidate(["cust:1"])
    await cache.set_many({"page": entry(2)}, ttl_s=60)

    assert await cache.invalidate(["cust:1"]) == 0
    assert await cache.get_many(["page"]) == [entry(2)]


async def test_a_lock_is_held_until_released(cache: CacheBackend) -> None:
    assert await cache.try_lock("revalidate:k", ttl_s=30)
    assert not await cache.try_lock("revalidate:k", ttl_s=30)
    assert await cache.try_lock("revalidate:other", ttl_s=30)

    await cache.release_lock("revalidate:k")

    assert await cache.try_lock("revalidate:k", ttl_s=30)


async def test_a_lock_expires(cache: CacheBackend, advance: Advance) -> None:
    assert await cache.try_lock("revalidate:k", ttl_s=0.2)

    await advance(0.4)

    assert await cache.try_lock("revalidate:k", ttl_s=30)


async def test_releasing_a_lock_not_held_is_harmless(cache: CacheBackend) -> None:
    await cache.release_lock("never-taken")

    assert await cache.try_lock("never-taken", ttl_s=30)


async def test_locks_and_entries_do_not_collide(cache: CacheBackend) -> None:
    await cache.set_many({"k": entry(1)}, ttl_s=60)

    assert await cache.try_lock("k", ttl_s=30)
    assert await cache.get_many(["k"]) == [entry(1)]
    assert await cache.invalidate(["k"]) == 1
    assert not await cache.try_lock("k", ttl_s=30)


async def test_large_batches_in_one_call(cache: CacheBackend) -> None:
    keys = [f"comptoir:v1:pim:product:{i}" for i in range(1_000)]
    await cache.set_many(
        {key: entry({"id": i, "name": f"product {i}"}) for i, key in enumerate(keys)},
        ttl_s=60,
        tags=dict.fromkeys(keys, "catalog"),
    )

    found = await cache.get_many(list(reversed(keys)))

    assert found == [entry({"id": i, "name": f"product {i}"}) for i in reversed(range(1_000))]
    assert await cache.invalidate(["catalog"]) == 1_000
    assert await cache.get_many(keys) == [None] * 1_000
