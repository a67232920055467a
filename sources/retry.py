"""Retrying a source: a budget so that read retries cannot multiply load, and the one backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable


class RetryBudget:
    """Allows retries worth at most ``ratio`` of recent requests, plus ``min_per_s`` a second.

    Each request deposits ``ratio`` of a token, each retry spends one; the
    balance is capped, so a failing source sees at most ~(1 + ratio) times the load
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


# Past this many doublings every realistic ceiling is reached; capping the
# exponent keeps the arithmetic in floats for writes retried for days.
_MAX_DOUBLINGS = 60


def backoff_delay(
    attempts: int,
    *,
    base_s: float,
    max_s: float,
    jitter: bool = True,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1 for the first).

    The ceiling doubles with each attempt, from ``base_s`` up to ``max_s``.
    With ``jitter`` the delay is drawn uniformly below the ceiling ("full
    jitter"), so that requests and writes that failed together do not all
    come back at the same instant and knock the recovering source over again.
    Reads retried within a request and held writes retried for days both
    wait this way.
    """
    doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    ceiling = min(max_s, base_s * 2.0**doublings)
    return rand() * ceiling if jitter else ceiling
