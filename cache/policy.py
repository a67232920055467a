"""Freshness: fresh (no upstream call) → stale (served only when the source fails) → gone."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from comptoir.cache.entry import CacheEntry


class Freshness(enum.Enum):
    """Where a cache entry stands in its life."""

    FRESH = "fresh"
    STALE = "stale"
    GONE = "gone"


@dataclass(frozen=True, slots=True)
class FreshnessPolicy:
    """Fresh for the entry's ``max_age``, then stale for ``stale_window_s``, then gone.

    A stale entry is not an answer on its own: the loader asks upstream first
    and serves the stale value only when the source is unavailable (or, for
    collections that opt in, answers from it at once and revalidates in the
    background).
    """

    stale_window_s: float = 24 * 3600.0

    def state(self, entry: CacheEntry, now: float) -> Freshness:
        """Classify ``entry`` at time ``now``.

        ``CachedCollection._settle_entries`` tells FRESH inline, by the same rule.
        """
        age = entry.age(now)
        if age < entry.max_age:
            return Freshness.FRESH
        if age < entry.max_age + self.stale_window_s:
            return Freshness.STALE
        return Freshness.GONE

    def ttl_s(self, max_age: float) -> float:
        """How long a backend must keep an entry: its freshness plus the stale window."""
        return max_age + self.stale_window_s
