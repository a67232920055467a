"""A circuit breaker per source: closed → open → half-open → closed.

While open no call reaches the source, so a dead system costs a request
nothing; after ``reset_s`` one probe is let through (half-open) and its
outcome closes or re-opens the circuit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Counts consecutive failures of one source and decides whether a call may go out."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_s = reset_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False
        self.on_recovery: Callable[[], None] | None = None
        """Called when a call succeeds after failures: writes held for the source can go now."""

    @property
    def state(self) -> BreakerState:
        """The current state, as shown by ``/readyz`` and ``/metrics``."""
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.reset_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open, only one probe at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._probe_in_flight:
            self._probe_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        """A call succeeded: the circuit closes."""
        recovered = self._failures > 0 or self._opened_at is not None
        self._failures = 0
        self._opened_at = None
        self._probe_in_flight = False
        if recovered and self.on_recovery is not None:
            self.on_recovery()

    def record_failure(self) -> None:
        """A call failed for want of the source; enough of them (or a failed probe) open the circuit."""
        self._failures += 1
        if self._probe_in_flight or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
        self._probe_in_flight = False

    def release_probe(self) -> None:
        """A probe ended without telling anything about the source (e.g. cancelled)."""
        self._probe_in_flight = False
