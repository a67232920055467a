"""Garbage collection in a process whose cache holds most of its objects.

CPython's full collection walks every object it tracks. comptoir's
in-process cache keeps tens of thousands of decoded entries (each a few
dicts and lists), so a full collection that walks them all pauses every
request in flight for 50 to 150 ms, and a long-running process under load
runs one every few seconds: most of a p99.

Cached values hold no reference cycles: they are freed by reference counting
when evicted or replaced, and the collector has nothing to find among them.
So comptoir moves what has survived into the permanent generation, which no
collection walks: at the end of start-up, then every ``interval_s``. Each
time, a full collection comes first, over what arrived since the last time
only (a few milliseconds), so that no garbage is ever frozen.

Young collections are made rarer too (every 10,000 allocations instead of
700): a request allocates thousands of objects that die with it, and a
cold page spent a fifth of its CPU collecting them young.

The cost: an object alive at a freeze that later becomes part of a garbage
cycle is never reclaimed. Requests are the only objects that live briefly and
may hold cycles; a freeze catches the few in flight, and a soak (``bench/soak.py``)
shows the resident memory staying flat.
"""

from __future__ import annotations

import asyncio
import gc

from comptoir.metrics import GC_FROZEN

YOUNG_THRESHOLD = 10_000
"""Allocations (net of deallocations) between two collections of the youngest generation."""


def freeze_survivors() -> None:
    """Collect what is garbage now, then keep every survivor out of later collections."""
    _, older, oldest = gc.get_threshold()
    if older:  # 0: collections are off, and stay so
        gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    gc.collect()
    gc.freeze()
    GC_FROZEN.set(gc.get_freeze_count())


async def keep_survivors_frozen(interval_s: float) -> None:
    """:func:`freeze_survivors` every ``interval_s`` seconds, until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        freeze_survivors()
