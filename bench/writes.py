"""Benchmark of the write path (prints figures; not a test).

    python bench/writes.py [--orders 200] [--held 50]

On a private copy of the small demo data (writes change it), with the
reference sources and a fault proxy in this process and comptoir in its own
uvicorn process (default breaker: 5 failures, 30 s before a probe), it prints:

1. ``placeOrder`` with the OMS up: latency p50/p99 and orders per second, one
   client, then 8 concurrent clients.
2. ``placeOrder`` with the OMS down (503): latency of the pending answer.
3. How long the held orders take to reach the OMS once it is back (after
   ``--down-s`` seconds down): with no
   traffic at all (the dispatcher's backoff and the breaker's probe decide),
   and with a read of the OMS every 0.5 s (a successful call wakes the outbox).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from placing import (
    SECRET,
    SHOPPERS,
    oms_orders,
    private_sources,
    report,
    source_env,
    timed_placing,
)

from comptoir.auth import ShopperTokens
from tests.support.fault_proxy import FaultProxy
from tests.support.processes import ComptoirProcess

READ = "query { me { orders(first: 1) { edges { node { id } } } } }"


def _comptoir(proxy: FaultProxy, state: Path) -> ComptoirProcess:
    """comptoir in its own uvicorn process, every source behind the proxy."""
    return ComptoirProcess(source_env(proxy) | {"COMPTOIR_DATA_DIR": str(state)}).start()


def _held_then_back(
    comptoir: ComptoirProcess,
    proxy: FaultProxy,
    data: Path,
    held: int,
    tag: str,
    reads: bool,
    down_s: float,
) -> None:
    before = oms_orders(data)
    proxy.fault("oms").down = True
    placed, elapsed = timed_placing([comptoir.url], held, 4, tag)
    report("OMS down", placed, elapsed)
    time.sleep(down_s)  # the held orders are tried, back off, and the breaker opens
    proxy.fault("oms").down = False
    back = time.perf_counter()
    token = ShopperTokens(SECRET).mint(SHOPPERS[0])
    headers = {"X-Channel-Key": "demo-web-key", "Authorization": f"Bearer {token}"}
    first_at = None
    while oms_orders(data) < before + held:
        if first_at is None and oms_orders(data) > before:
            first_at = time.perf_counter() - back
        if reads:
            httpx.post(f"{comptoir.url}/graphql", json={"query": READ}, headers=headers, timeout=30)
        time.sleep(0.5 if reads else 0.1)
        if time.perf_counter() - back > 300:
            raise RuntimeError("held orders not delivered in 5 minutes")
    total = time.perf_counter() - back
    mode = "a read of the OMS every 0.5 s" if reads else "no traffic"
    print(
        f"  OMS back, {mode}: first order delivered after {first_at or total:.2f} s, "
        f"all {held} after {total:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--held", type=int, default=50)
    parser.add_argument("--down-s", type=float, default=20.0, help="How long the OMS stays down.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="comptoir-bench-writes-"))
    try:
        with private_sources(work) as (data, proxy):
            os.environ.pop("COMPTOIR_REDIS_URL", None)  # the in-process cache
            os.environ.pop("COMPTOIR_OUTBOX_URL", None)  # the SQLite outbox
            comptoir = _comptoir(proxy, work / "state")
            try:
                print(f"placeOrder (CPUs: {os.cpu_count()})")
                for concurrency in (1, 8):
                    placed, elapsed = timed_placing(
                        [comptoir.url], args.orders, concurrency, f"up{concurrency}"
                    )
                    report(f"OMS up, {concurrency} client(s)", placed, elapsed)
                print("held orders")
                print(f"  (the OMS stays down {args.down_s:.0f} s after the last order is held)")
                for tag, reads in (("quiet", False), ("busy", True)):
                    _held_then_back(comptoir, proxy, data, args.held, tag, reads, args.down_s)
            finally:
                comptoir.kill()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
