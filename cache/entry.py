"""What the cache stores: a value with the time it was fetched and how long it stays fresh."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached upstream value.

    ``value`` is JSON-compatible (dicts, lists, strings, numbers, booleans);
    ``None`` records that the source answered and the id is unknown there, so
    that unknown ids are not asked for again while the entry is fresh.
    ``fetched_at`` is a Unix time in seconds; ``max_age`` the seconds the value
    is fresh after that (the source's ``Cache-Control: max-age`` or a default).
    Values are shared, never mutated, by readers.
    """

    value: Any
    fetched_at: float
    max_age: float

    def age(self, now: float) -> float:
        """Seconds since the value was fetched."""
        return max(0.0, now - self.fetched_at)
