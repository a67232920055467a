"""Named locks with an expiry, held inside one process.

The memory backend's locks, and the Redis backend's fallback while Redis is
unreachable: a revalidation then still happens, but once per process rather
than once per request.
"""

from __future__ import annotations

from collections.abc import Callable


class LocalLocks:
    """A table of lock names and the time each one expires at."""

    # Locks that are never released expire; past this many we sweep the
    # expired ones so that the table cannot grow without bound.
    _SWEEP_AT = 1024

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._until)

    def held(self, name: str) -> bool:
        """Whether ``name`` is held and not yet expired."""
        until = self._until.get(name)
        return until is not None and until > self._clock()

    def try_lock(self, name: str, ttl_s: float) -> bool:
        """Take ``name`` for ``ttl_s`` seconds; ``False`` if it is held."""
        now = self._clock()
        until = self._until.get(name)
        if until is not None and until > now:
            return False
        if len(self._until) >= self._SWEEP_AT:
            self._sweep(now)
        self._until[name] = now + ttl_s
        return True

    def release(self, name: str) -> bool:
        """Release ``name``; whether it was in the table (held or expired)."""
        return self._until.pop(name, None) is not None

    def _sweep(self, now: float) -> None:
        expired = [name for name, until in self._until.items() if until <= now]
        for name in expired:
            del self._until[name]
