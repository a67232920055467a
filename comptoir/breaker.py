"""The circuit breaker of every remote comptoir depends on: each source, and the Redis cache.

Closed, every call goes through. After ``failures`` consecutive failures it
opens: calls are refused at once for ``reset_s`` seconds, so that a dead
system costs a request nothing. Then the first call let through is a probe
(half-open, one at a time); its success closes the breaker, its failure
opens it for another ``reset_s``, and a probe that ends with no verdict
(cancelled) lets the next call probe at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Counts consecutive failures of one remote and decides whether the next call may go.

    Every call that :meth:`allow` lets through must end in exactly one of
    :meth:`success`, :meth:`failure` or :meth:`abandon`.
    """

    def __init__(
        self,
        failures: int = 5,
        reset_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1:
            raise ValueError(f"failures must be at least 1, not {failures}")
        self._threshold = failures
        self._reset_s = reset_s
        self._clock = clock
        self._state: BreakerState = "closed"
        self._consecutive = 0
        self._retry_at = 0.0
        self._opens = 0
        self.on_recovery: Callable[[], None] | None = None
        """Called when a call succeeds after failures: what waited for the remote can go now."""

    @property
    def state(self) -> BreakerState:
        """``"closed"``, ``"open"`` or ``"half_open"`` (a probe is in flight)."""
        return self._state

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success."""
        return self._consecutive

    @property
    def opens(self) -> int:
        """How many times the breaker has opened from closed."""
        return self._opens

    def allow(self) -> bool:
        """Whether a call may go now; the first one after ``reset_s`` is the probe."""
        if self._state == "closed":
            return True
        if self._state == "open" and self._clock() >= self._retry_at:
            self._state = "half_open"
            return True
        # Open and not yet due, or a probe already in flight: one probe at a time.
        return False

    def success(self) -> bool:
        """Record a call that got an answer; whether this closed the breaker."""
        recovered = self._consecutive > 0 or self._state != "closed"
        self._consecutive = 0
        closed = self._state != "closed"
        self._state = "closed"
        if recovered and self.on_recovery is not None:
            self.on_recovery()
        return closed

    def failure(self) -> bool:
        """Record a call that failed for want of the remote; whether this opened the breaker."""
        self._consecutive += 1
        if self._state == "half_open":
            self._open()
            return False
        if self._state == "closed" and self._consecutive >= self._threshold:
            self._open()
            self._opens += 1
            return True
        return False

    def abandon(self) -> None:
        """A let-through call ended with no verdict (cancelled); let the next call probe."""
        if self._state == "half_open":
            self._state = "open"
            self._retry_at = self._clock()

    def _open(self) -> None:
        self._state = "open"
        self._retry_at = self._clock() + self._reset_s
