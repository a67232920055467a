"""An in-process cache backend: an LRU of entries bounded by count, with expiry and tags."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from comptoir.cache.backend import CacheStatus, Tags, tags_of
from comptoir.cache.entry import CacheEntry
from comptoir.cache.locks import LocalLocks

# One stored entry: the entry, the clock time it expires at, and the tags it
# depends on. A plain tuple because the warm path unpacks one per key.
_Slot = tuple[CacheEntry, float, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class MemoryCacheStats:
    """A snapshot of a :class:`MemoryCache`'s counters (monotonic except ``size``)."""

    size: int
    max_entries: int
    hits: int
    misses: int
    evictions: int
    expirations: int


class MemoryCache:
    """A :class:`~comptoir.cache.backend.CacheBackend` held in this process.

    Values are stored as given (no copy, no serialization): readers share
    them and never mutate them. The least recently used entries are evicted
    beyond ``max_entries``; an expired entry is a miss and is dropped when it
    is next read, overwritten or evicted. ``clock`` gives the time in seconds
    that ``ttl_s`` and lock expiries are measured on.
    """

    def __init__(self, max_entries: int = 200_000, clock: Callable[[], float] = time.time) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self._max_entries = max_entries
        self._clock = clock
        self._slots: OrderedDict[str, _Slot] = OrderedDict()
        # tag key -> keys of the entries tagged with it; kept exact on every
        # write, eviction and deletion so that it never outgrows the entries.
        self._tagged: dict[str, set[str]] = {}
        self._locks = LocalLocks(clock)
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._expirations = 0

    @property
    def name(self) -> Literal["memory"]:
        """Always ``"memory"``."""
        return "memory"

    def status(self) -> CacheStatus:
        """Always ``"up"``: the store is this process."""
        return "up"

    def __len__(self) -> int:
        return len(self._slots)

    def stats(self) -> MemoryCacheStats:
        """The current size and the counters since creation."""
        return MemoryCacheStats(
            size=len(self._slots),
            max_entries=self._max_entries,
            hits=self._hits,
            misses=self._misses,
            evictions=self._evictions,
            expirations=self._expirations,
        )

    def tag_index_size(self) -> int:
        """How many (tag, key) links the tag index holds; for tests and diagnostics."""
        return sum(len(members) for members in self._tagged.values())

    async def start(self) -> None:
        """Nothing runs in the background."""

    def get(self, key: str) -> CacheEntry | None:
        """The entry of ``key``, or ``None``; without awaiting (the hit path of cached answers)."""
        slot = self._slots.get(key)
        if slot is None:
            self._misses += 1
            return None
        if slot[1] <= self._clock():
            self._remove(key, slot)
            self._expirations += 1
            self._misses += 1
            return None
        self._slots.move_to_end(key)
        self._hits += 1
        return slot[0]

    async def get_many(self, keys: Sequence[str]) -> list[CacheEntry | None]:
        """The entries of ``keys``, in order; ``None`` for a miss or an expired entry."""
        return self.lookup(keys)[0]

    def lookup(
        self, keys: Sequence[str], due_within_s: float = 0.0
    ) -> tuple[list[CacheEntry | None], list[str]]:
        """:meth:`get_many`'s entries, and the keys of those that expire within ``due_within_s``.

        An entry due soon is still returned: the caller may renew it before it expires.
        """
        slots = self._slots
        now = self._clock()
        due_at = now + due_within_s
        found: list[CacheEntry | None] = []
        due: list[str] = []
        hits = 0
        for key in keys:
            slot = slots.get(key)
            if slot is None:
                found.append(None)
            elif slot[1] <= now:
                self._remove(key, slot)
                self._expirations += 1
                found.append(None)
            else:
                slots.move_to_end(key)
                found.append(slot[0])
                hits += 1
                if slot[1] <= due_at:
                    due.append(key)
        self._hits += hits
        self._misses += len(found) - hits
        return found, due

    async def set_many(
        self,
        entries: Mapping[str, CacheEntry],
        ttl_s: float,
        tags: Tags | None = None,
    ) -> None:
        """Store ``entries`` until ``ttl_s`` from now; a non-positive ``ttl_s`` stores nothing."""
        if ttl_s <= 0:
            return
        slots = self._slots
        tagged = self._tagged
        expires_at = self._clock() + ttl_s
        for key, entry in entries.items():
            entry_tags = tags_of(tags, key)
            old = slots.get(key)
            if old is not None and old[2]:
                for tag in old[2]:
                    self._untag(key, tag)
            slots[key] = (entry, expires_at, entry_tags)
            slots.move_to_end(key)
            for tag in entry_tags:
                tagged.setdefault(tag, set()).add(key)
        overflow = len(slots) - self._max_entries
        for _ in range(overflow):
            key, slot = slots.popitem(last=False)
            for tag in slot[2]:
                self._untag(key, tag)
        if overflow > 0:
            self._evictions += overflow

    async def renew(self, entries: Mapping[str, CacheEntry], ttl_s: float) -> None:
        """:meth:`set_many`, each entry keeping the tags its key already has here."""
        slots = self._slots
        kept = {key: slot[2] for key in entries if (slot := slots.get(key)) is not None and slot[2]}
        await self.set_many(entries, ttl_s, kept or None)

    async def invalidate(self, keys: Sequence[str]) -> int:
        """Delete ``keys`` and the entries tagged with them; the number of live entries deleted."""
        return len(self.drop(keys))

    def drop(self, keys: Sequence[str]) -> list[str]:
        """Delete ``keys`` and the entries tagged with them; the keys of live entries deleted."""
        slots = self._slots
        now = self._clock()
        deleted: list[str] = []
        for key in keys:
            targets = [key]
            members = self._tagged.pop(key, None)
            if members:
                targets.extend(members)
            for target in targets:
                slot = slots.get(target)
                if slot is None:
                    continue
                self._remove(target, slot)
                if slot[1] > now:
                    deleted.append(target)
        return deleted

    def clear(self) -> None:
        """Drop every entry (locks stay)."""
        self._slots.clear()
        self._tagged.clear()

    async def try_lock(self, name: str, ttl_s: float) -> bool:
        """Take ``name`` for ``ttl_s`` seconds; ``False`` while it is held and unexpired."""
        return self._locks.try_lock(name, ttl_s)

    async def release_lock(self, name: str) -> None:
        """Release ``name`` (a no-op if it is not held)."""
        self._locks.release(name)

    async def close(self) -> None:
        """Drop every entry and lock."""
        self._slots.clear()
        self._tagged.clear()
        self._locks = LocalLocks(self._clock)

    def _remove(self, key: str, slot: _Slot) -> None:
        del self._slots[key]
        for tag in slot[2]:
            self._untag(key, tag)

    def _untag(self, key: str, tag: str) -> None:
        members = self._tagged.get(tag)
        if members is None:
            return
        members.discard(key)
        if not members:
            del self._tagged[tag]
