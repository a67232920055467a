"""A timeout on the store's answer, not on the event loop's delay in reading it.

``asyncio.timeout`` cancels the waiting task as soon as its deadline comes up
in the loop. When the loop is busy (many requests executing), an answer that
arrived well before the deadline can sit unread until the loop comes round,
and then the deadline fires in the same turn: the answer is thrown away and
the store is blamed for the loop's delay. A busy loop also delays the
sending of the command itself. :func:`within` therefore

- lets the callbacks already ready when the deadline comes up (the read of an
  answer that has arrived) run before it cancels, and
- when that one loop turn itself took longer than :data:`BUSY_TURN_S` (the
  loop, not the store, is slow), waits another ``seconds``, at most
  :data:`MAX_EXTENSIONS` times.

A store that does not answer while the loop is idle is cut off at the
deadline, one loop turn later; whatever the load, an operation never waits
more than ``(1 + MAX_EXTENSIONS) * seconds`` plus a loop turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")

BUSY_TURN_S = 0.01
"""A loop turn longer than this means other work, not the store, holds the answer back."""

MAX_EXTENSIONS = 3
"""How many times a busy loop may extend a deadline."""


async def within(seconds: float, operation: Awaitable[T]) -> T:
    """``await operation``, or :class:`TimeoutError` when no answer was in by ``seconds``."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    if task is None:  # pragma: no cover - always called from a task
        raise RuntimeError("within() must run in a task")
    cancelling = task.cancelling()
    fired = False
    extensions = 0
    pending: asyncio.Handle

    def fire() -> None:
        nonlocal fired
        fired = True
        task.cancel()

    def judge(came_up_at: float) -> None:
        nonlocal extensions, pending
        if loop.time() - came_up_at > BUSY_TURN_S and extensions < MAX_EXTENSIONS:
            extensions += 1
            pending = loop.call_later(seconds, expire)
        else:
            fire()

    def expire() -> None:
        nonlocal pending
        # Scheduled behind whatever is ready now: a task woken by an answer
        # read in this turn resumes (and finishes) before it is judged.
        pending = loop.call_soon(judge, loop.time())

    pending = loop.call_later(seconds, expire)
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
        pending.cancel()
