"""What a request had to do without: the entries of ``extensions.degraded``."""

from __future__ import annotations

from typing import Literal

DegradedMode = Literal["stale", "fallback", "unavailable"]


class DegradedReport:
    """Collected per request by loaders and resolvers; echoed in ``extensions.degraded``."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[tuple[str, DegradedMode], None] = {}

    def add(self, source: str, mode: DegradedMode) -> None:
        """Record that ``source`` answered in ``mode`` for this request (once per pair)."""
        self._entries[(source, mode)] = None

    def entries(self) -> list[dict[str, str]]:
        """The report, in the order the degradations happened."""
        return [{"source": source, "mode": mode} for source, mode in self._entries]

    def __bool__(self) -> bool:
        return bool(self._entries)
