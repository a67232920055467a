"""The reference sources' clock: wall time, or a fixed instant that tests and demos choose.

The oms asks its clock for "now" when it promises a delivery (cut-offs,
lead times), when it judges a return window and when it dates an order or a
return. An app factory takes a clock; without one it reads
:data:`NOW_VARIABLE` once, when the app is built, so that a separately started
process (``comptoir source oms``, ``comptoir serve``) can be pinned too::

    COMPTOIR_REFERENCE_NOW=2026-11-02T13:00:00+01:00 comptoir source oms --port 9005

Unset or empty, the clock is wall time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current moment, timezone-aware."""

NOW_VARIABLE = "COMPTOIR_REFERENCE_NOW"
"""The environment variable pinning the reference sources' clock to an ISO 8601 instant."""


def wall_clock() -> datetime:
    """The current moment in UTC."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers ``moment`` (which must carry an offset)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a fixed clock needs a moment with an offset, got {moment.isoformat()}")
    return lambda: moment


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """The clock :data:`NOW_VARIABLE` asks for: a fixed instant, or wall time when unset.

    A value that is not an ISO 8601 instant with an offset raises
    ``ValueError`` naming the variable, so a mistyped pin fails at start.
    """
    raw = (os.environ if environ is None else environ).get(NOW_VARIABLE, "").strip()
    if not raw:
        return wall_clock
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(
            f"{NOW_VARIABLE} must be an ISO 8601 instant with an offset, such as"
            f" 2026-11-02T13:00:00+01:00; got {raw!r}"
        )
    return fixed_clock(moment)
