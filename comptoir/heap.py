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

A process also starts with a small heap: CPython's allocator for small
objects (pymalloc) asks the system for memory an arena (1 MiB) at a time,
and every page of a new arena costs a page fault when first written (about
4 µs each in a virtual machine). The first page of catalog data a process
decodes (some 1.3 MiB of dicts and strings) paid about 300 of them, most
while the answer was waited for. :func:`reserve_heap` writes the arenas
once at start-up instead and keeps them mapped: the same JVM idea as
``-XX:+AlwaysPreTouch``.
"""

from __future__ import annotations

import asyncio
import gc
import sys

from comptoir.metrics import GC_FROZEN

YOUNG_THRESHOLD = 10_000
"""Allocations (net of deallocations) between two collections of the youngest generation."""

_BLOCK_LENGTH = 367
"""A reserve block's length: 400 bytes with the header of ``bytes``, in pymalloc's range (512)."""
_PIN_EVERY = 256
"""One reserve block kept alive in so many: at least one per arena (256 KiB or 1 MiB)."""

_pinned: list[bytes] = []
"""The blocks that keep the reserved arenas from being given back to the system."""

_reserved = 0
"""Bytes of reserve written so far in this process."""


def reserve_heap(mib: int) -> int:
    """Have ``mib`` MiB of the small-object heap written and kept mapped; the bytes reserved.

    pymalloc gives an arena back to the system once every block in it is
    free. So the reserve is written as 400-byte blocks, of which one in
    :data:`_PIN_EVERY` is kept: every arena keeps a block or two, and the
    rest of its pools are free again, for objects of any size. The reserve
    is the process's: a second call only writes what the first did not.
    """
    global _reserved
    size = sys.getsizeof(bytes(_BLOCK_LENGTH))
    missing = (mib * 1024 * 1024 - _reserved) // size
    if missing > 0:
        blocks = [bytes(_BLOCK_LENGTH) for _ in range(missing)]
        _pinned.extend(blocks[::_PIN_EVERY])
        _reserved += missing * size
        del blocks
    return _reserved


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
