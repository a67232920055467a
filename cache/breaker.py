"""A circuit breaker: stop paying a timeout per call to a store that is down.

Closed, every call goes through. After ``failures`` consecutive failures it
opens: calls are refused at once for ``reset_s`` seconds. Then it lets one
probe call through (half-open); the probe's success closes it, its failure
opens it for another ``reset_s``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Counts consecutive failures and decides whether the next call may go through.

    Every call that :meth:`allow` lets through must end in exactly one of
    :meth:`success`, :meth:`failure` or :meth:`abandon`.
    """

    def __init__(self, failures: int, reset_s: float, clock: Callable[[], float]) -> None:
        if failures < 1:
            raise ValueError(f"failures must be at least 1, not {failures}")
        self._threshold = failures
        self._reset_s = reset_s
        self._clock = clock
        self._state: BreakerState = "closed"
        self._consecutive = 0
        self._retry_at = 0.0
        self._opens = 0

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
        """Whether a call may go to the store now; the first one after ``reset_s`` is the probe."""
        if self._state == "closed":
            return True
        if self._state == "open" and self._clock() >= self._retry_at:
            self._state = "half_open"
            return True
        # Open and not yet due, or a probe already in flight: one probe at a time.
        return False

    def success(self) -> bool:
        """Record a call that reached the store; whether this closed the breaker."""
        self._consecutive = 0
        if self._state == "closed":
            return False
        self._state = "closed"
        return True

    def failure(self) -> bool:
        """Record a failed call; whether this opened the breaker from closed."""
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
