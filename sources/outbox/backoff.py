"""How long a write waits after its source was unavailable."""

from __future__ import annotations

from collections.abc import Callable

# Past this many doublings every realistic ceiling is reached; capping the
# exponent keeps the arithmetic in floats for writes retried for days.
_MAX_DOUBLINGS = 60


def backoff_delay(
    attempts: int,
    *,
    base_s: float,
    max_s: float,
    jitter: bool,
    rand: Callable[[], float],
) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1 for the first).

    The ceiling doubles with each attempt, from ``base_s`` up to ``max_s``.
    With ``jitter`` the delay is drawn uniformly below the ceiling ("full
    jitter"), so that processes and writes that failed together do not all
    come back at the same instant and knock the recovering source over again.
    """
    doublings = min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    ceiling = min(max_s, base_s * 2.0**doublings)
    return rand() * ceiling if jitter else ceiling
