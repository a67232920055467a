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
import asyncio
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from comptoir.sources.registry import SOURCES  # noqa: E402

from comptoir.auth import ShopperTokens  # noqa: E402
from tests.support.fault_proxy import FaultProxy  # noqa: E402
from tests.support.processes import ComptoirProcess  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123"  # noqa: S105 (a bench token)
SHOPPERS = ["CU-100002", "CU-100003", "CU-100004", "CU-100005"]
PLACE = """
mutation Place($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) {
    pending order { id status } userErrors { code }
  }
}
"""
ORDER = {
    "lines": [{"sku": "V-00001-TEAL-M", "quantity": 1}],
    "delivery": {
        "mode": "HOME",
        "address": {"line1": "1 rue de Rivoli", "city": "Paris", "postalCode": "75001"},
    },
}
READ = "query { me { orders(first: 1) { edges { node { id } } } } }"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _oms_orders(data: Path) -> int:
    with sqlite3.connect(data / "oms.sqlite") as conn:
        return int(conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0])


def _comptoir(proxy: FaultProxy, state: Path) -> ComptoirProcess:
    """comptoir in its own uvicorn process, every source behind the proxy."""
    env = {f"COMPTOIR_{n.upper()}_URL": proxy.url(n) for n in SOURCES.names()}
    env |= {"COMPTOIR_DATA_DIR": str(state), "COMPTOIR_JWT_SECRET": SECRET}
    return ComptoirProcess(env).start()


async def _place_many(url: str, count: int, concurrency: int, tag: str) -> list[float]:
    tokens = ShopperTokens(SECRET)
    headers = [
        {"X-Channel-Key": "demo-web-key", "Authorization": f"Bearer {tokens.mint(s)}"}
        for s in SHOPPERS
    ]
    latencies: list[float] = []
    queue = list(range(count))

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            n = queue.pop()
            started = time.perf_counter()
            response = await client.post(
                "/graphql",
                json={"query": PLACE, "variables": {"input": ORDER, "key": f"{tag}-{n}"}},
                headers=headers[n % len(headers)],
            )
            latencies.append(time.perf_counter() - started)
            body = response.json()
            assert "errors" not in body and not body["data"]["placeOrder"]["userErrors"], body

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return latencies


def _report(label: str, latencies: list[float], elapsed: float) -> None:
    print(
        f"  {label}: {len(latencies)} orders, {len(latencies) / elapsed:.1f}/s, "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {_percentile(latencies, 0.99) * 1000:.1f} ms"
    )


def _held_then_back(
    comptoir: ComptoirProcess,
    proxy: FaultProxy,
    data: Path,
    held: int,
    tag: str,
    reads: bool,
    down_s: float,
) -> None:
    before = _oms_orders(data)
    proxy.fault("oms").down = True
    started = time.perf_counter()
    latencies = asyncio.run(_place_many(comptoir.url, held, 4, tag))
    _report("OMS down, answered pending", latencies, time.perf_counter() - started)
    time.sleep(down_s)  # the held orders are tried, back off, and the breaker opens
    proxy.fault("oms").down = False
    back = time.perf_counter()
    token = ShopperTokens(SECRET).mint(SHOPPERS[0])
    headers = {"X-Channel-Key": "demo-web-key", "Authorization": f"Bearer {token}"}
    first_at = None
    while _oms_orders(data) < before + held:
        if first_at is None and _oms_orders(data) > before:
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
        source = ensure_demo_data(ROOT / ".comptoir" / "bench" / "small", DemoScale.small())
        data = work / "demo"
        shutil.copytree(source, data)
        with ServerThread(build_reference_app(data, {})) as server:
            proxy = FaultProxy(server.url).start()
            os.environ.pop("COMPTOIR_REDIS_URL", None)  # the in-process cache
            comptoir = _comptoir(proxy, work / "state")
            try:
                print(f"placeOrder (CPUs: {os.cpu_count()})")
                for concurrency in (1, 8):
                    started = time.perf_counter()
                    latencies = asyncio.run(
                        _place_many(comptoir.url, args.orders, concurrency, f"up{concurrency}")
                    )
                    _report(
                        f"OMS up, {concurrency} client(s)", latencies, time.perf_counter() - started
                    )
                print("held orders")
                print(f"  (the OMS stays down {args.down_s:.0f} s after the last order is held)")
                for tag, reads in (("quiet", False), ("busy", True)):
                    _held_then_back(comptoir, proxy, data, args.held, tag, reads, args.down_s)
            finally:
                comptoir.kill()
                proxy.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
