"""What a request had to do without: the entries of ``extensions.degraded``."""

from __future__ import annotations

import math
from typing import Literal

DegradedMode = Literal["stale", "fallback", "unavailable"]


class Provenance:
    """What an answer was made of: every cache key it read, and until when all of it is fresh.

    Recorded for answers that may be stored whole (public operations), so
    that a stored answer is tagged with every entry it read and is never
    fresh past the shortest-lived of them.
    """

    __slots__ = ("fresh_until", "keys")

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.fresh_until = math.inf

    def saw(self, key: str, fresh_until: float) -> None:
        """The answer read ``key``, fresh until ``fresh_until`` (a Unix time)."""
        self.keys.add(key)
        if fresh_until < self.fresh_until:
            self.fresh_until = fresh_until

    def changes_at(self, when: float) -> None:
        """What the answer shows changes at ``when`` (a price's validity ends, say)."""
        if when < self.fresh_until:
            self.fresh_until = when


class DegradedReport:
    """Collected per request by loaders and resolvers; echoed in ``extensions.degraded``.

    ``provenance`` is set for a request whose answer may be stored whole;
    loaders then record in it what they read.
    """

    __slots__ = ("_entries", "provenance")

    def __init__(self, provenance: Provenance | None = None) -> None:
        self._entries: dict[tuple[str, DegradedMode], None] = {}
        self.provenance = provenance

    def add(self, source: str, mode: DegradedMode) -> None:
        """Record that ``source`` answered in ``mode`` for this request (once per pair)."""
        self._entries[(source, mode)] = None

    def withdraw(self, source: str, mode: DegradedMode) -> None:
        """Forget ``source`` in ``mode``: the request answered another way (a fallback)."""
        self._entries.pop((source, mode), None)

    def has(self, source: str, mode: DegradedMode) -> bool:
        """Whether ``source`` was already reported in ``mode``."""
        return (source, mode) in self._entries

    def entries(self) -> list[dict[str, str]]:
        """The report, in the order the degradations happened."""
        return [{"source": source, "mode": mode} for source, mode in self._entries]

    def __bool__(self) -> bool:
        return bool(self._entries)
