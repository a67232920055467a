"""A timeout on the store's answer, not on the event loop's delay in reading it.

``asyncio.timeout`` cancels the waiting task as soon as its deadline comes up
in the loop. When the loop is busy (many requests executing), an answer that
arrived well before the deadline can sit unread until the loop comes round,
and then the deadline fires in the same turn: the answer is thrown away and
the store is blamed for the loop's delay. :func:`within` lets the callbacks
already ready in that turn (the read of an answer that has arrived) run first,
and only then cancels; a store that has not answered is still cut off at the
deadline, one loop turn later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(seconds: float, operation: Awaitable[T]) -> T:
    """``await operation``, or :class:`TimeoutError` when no answer was in by ``seconds``."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None:  # pragma: no cover - always called from a task
        raise RuntimeError("within() must run in a task")
    cancelling = task.cancelling()
    fired = False
    grace: asyncio.Handle | None = None

    def fire() -> None:
        nonlocal fired
        fired = True
        task.cancel()

    def expire() -> None:
        nonlocal grace
        # Scheduled behind whatever is ready now: a task woken by an answer
        # read in this turn resumes (and finishes) before it is cancelled.
        grace = loop.call_soon(fire)

    timer = loop.call_later(seconds, expire)
    try:
        result = await operation
    except asyncio.CancelledError as exc:
        if fired and task.uncancel() <= cancelling:
            raise TimeoutError(f"no answer within {seconds:g}s") from exc
        raise
    else:
        if fired:  # the operation swallowed the cancellation: take it back
            task.uncancel()
        return result
    finally:
        timer.cancel()
        if grace is not None:
            grace.cancel()
