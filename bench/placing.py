"""What the write benchmarks share: orders placed under load, the OMS's count, the figures."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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
from tests.support.servers import ServerThread  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123"  # noqa: S105 (a bench token)
# Customers of the small demo data; as many as the clients and more, since a
# shopper's later order waits for their earlier one (it is held meanwhile).
SHOPPERS = [f"CU-{100000 + n}" for n in range(10, 50)]
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


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0 to 1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def oms_orders(data: Path) -> int:
    """How many orders the OMS holds (read from its file)."""
    with sqlite3.connect(data / "oms.sqlite") as conn:
        return int(conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0])


def source_env(proxy: FaultProxy) -> dict[str, str]:
    """``COMPTOIR_*`` variables: every source behind the proxy, and the bench's token secret."""
    env = {f"COMPTOIR_{n.upper()}_URL": proxy.url(n) for n in SOURCES.names()}
    return env | {"COMPTOIR_JWT_SECRET": SECRET}


@contextmanager
def private_sources(work: Path) -> Iterator[tuple[Path, FaultProxy]]:
    """A private copy of the small demo data (writes change it), its sources and a fault proxy."""
    source = ensure_demo_data(ROOT / ".comptoir" / "bench" / "small", DemoScale.small())
    data = work / "demo"
    shutil.copytree(source, data)
    with ServerThread(build_reference_app(data, {})) as server:
        proxy = FaultProxy(server.url).start()
        try:
            yield data, proxy
        finally:
            proxy.stop()


@dataclass
class Placed:
    """Each order's latency, and how many were answered pending (held for the OMS)."""

    latencies: list[float] = field(default_factory=list)
    pending: int = 0


async def place_many(urls: Sequence[str], count: int, concurrency: int, tag: str) -> Placed:
    """Place ``count`` orders from ``concurrency`` clients, spread over ``urls`` in turn."""
    tokens = ShopperTokens(SECRET)
    headers = [
        {"X-Channel-Key": "demo-web-key", "Authorization": f"Bearer {tokens.mint(s)}"}
        for s in SHOPPERS
    ]
    placed = Placed()
    queue = list(range(count))

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            n = queue.pop()
            started = time.perf_counter()
            response = await client.post(
                f"{urls[n % len(urls)]}/graphql",
                json={"query": PLACE, "variables": {"input": ORDER, "key": f"{tag}-{n}"}},
                headers=headers[n % len(headers)],
            )
            placed.latencies.append(time.perf_counter() - started)
            body = response.json()
            assert "errors" not in body and not body["data"]["placeOrder"]["userErrors"], body
            placed.pending += body["data"]["placeOrder"]["pending"]

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return placed


def report(label: str, placed: Placed, elapsed: float) -> None:
    """Print orders per second, p50/p99 latency, and how many were held."""
    latencies = placed.latencies
    print(
        f"  {label}: {len(latencies)} orders, {len(latencies) / elapsed:.1f}/s, "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, {placed.pending} answered pending"
    )


def timed_placing(
    urls: Sequence[str], count: int, concurrency: int, tag: str
) -> tuple[Placed, float]:
    """:func:`place_many`, and how long it took in all."""
    started = time.perf_counter()
    placed = asyncio.run(place_many(urls, count, concurrency, tag))
    return placed, time.perf_counter() - started
