"""Retries for idempotent reads: a budget so retries cannot multiply load, and jittered backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class RetryBudget:
    """Allows retries worth at most ``ratio`` of recent requests, plus ``min_per_s`` a second.

    Each request deposits ``ratio`` of a token, each retry spends one; the
    balance is capped, so a failing source sees at most ~(1 + ratio) × the load
    it would see without retries (Finagle's retry budget).
    """

    def __init__(
        self,
        ratio: float = 0.2,
        min_per_s: float = 5.0,
        cap: float = 50.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ratio = ratio
        self.min_per_s = min_per_s
        self.cap = cap
        self._clock = clock
        self._balance = cap / 2
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._balance = min(self.cap, self._balance + (now - self._last) * self.min_per_s)
        self._last = now

    def deposit(self) -> None:
        """Record a first attempt."""
        self._refill()
        self._balance = min(self.cap, self._balance + self.ratio)

    def try_spend(self) -> bool:
        """Take one retry from the budget if there is one."""
        self._refill()
        if self._balance >= 1.0:
            self._balance -= 1.0
            return True
        return False


def backoff_s(attempt: int, base_s: float = 0.05, cap_s: float = 1.0) -> float:
    """Full-jitter exponential backoff before retry number ``attempt`` (1-based)."""
    return random.uniform(0.0, min(cap_s, base_s * 2 ** (attempt - 1)))
