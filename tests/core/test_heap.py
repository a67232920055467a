"""The heap reserve: a new process's first objects go to memory written at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from comptoir import heap
from tests.conftest import Comptoir

_ALLOCATE = """
import resource
from comptoir.heap import reserve_heap
reserve_heap({mib})
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
kept = [{{"id": str(i), "n": i, "on": [i]}} for i in range(20_000)]  # some 5 MiB
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _fresh_python(code: str) -> str:
    """What ``code`` prints, run by a new interpreter on CPython's own allocator."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONMALLOC"}
    done = subprocess.run(  # noqa: S603  # this interpreter, a fixed script
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_objects_made_after_a_reserve_fault_in_no_new_pages() -> None:
    without = int(_fresh_python(_ALLOCATE.format(mib=0)))
    reserved = int(_fresh_python(_ALLOCATE.format(mib=16)))
    assert without > 500  # a page fault per 4 KiB page of new arena
    assert reserved < without / 10


def test_the_reserve_is_the_process_s_and_a_second_call_adds_only_what_is_missing() -> None:
    printed = _fresh_python(
        "from comptoir.heap import reserve_heap\n"
        "print(reserve_heap(2), reserve_heap(2), reserve_heap(1), reserve_heap(3), reserve_heap(0))"
    )
    two, again, less, three, none = (int(word) for word in printed.split())
    assert 2 * 2**20 - 400 < two <= 2 * 2**20
    assert again == less == two
    assert 3 * 2**20 - 400 < three <= 3 * 2**20
    assert none == three


def test_the_app_reserves_what_its_setting_asks_at_start_up(
    start_comptoir: Callable[..., Comptoir],
) -> None:
    asked = heap.reserve_heap(0) // 2**20 + 2  # more than any earlier start here reserved
    start_comptoir(heap_reserve_mib=asked)
    assert heap.reserve_heap(0) > (asked * 2**20) - 400
