"""Warm category pages on one Redis vs a 3-master Redis Cluster (prints figures; not a test).

    python bench/cluster.py [--scale small|full] [--seconds 8] [--concurrency 16] [--local-ttl-s 0]

The reference sources run in this process; comptoir runs in a uvicorn process
of its own, once per setup, with the cache on a ``redis-server`` or on a
Redis Cluster of three masters (``redis+cluster://``), both started by this
script on the same machine. The in-process tier in front of Redis is off
(``COMPTOIR_CACHE_LOCAL_TTL_S=0``; ``--local-ttl-s 2`` puts the default
back), so that every page reads Redis:

- response cache off: each page is executed and reads its entries (one
  ``MGET`` per collection on one server; one per slot, in one pipeline per
  master, on the cluster);
- response cache on: each page is one stored answer (one ``GET``).

For each it prints throughput, p50 and p99 at ``--concurrency`` clients
after a warm-up, the Redis commands per page (from ``INFO commandstats`` of
every server) and the upstream requests the measured pages made (0: all warm).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import redis  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from comptoir.sources.registry import SOURCES  # noqa: E402

from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.support.processes import ComptoirProcess  # noqa: E402
from tests.support.redis_cluster import RedisCluster  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.servers import RequestCounter, ServerThread  # noqa: E402

HEADERS = {"X-Channel-Key": "demo-web-key"}
PAGE = {"query": PLP_QUERY, "variables": {"first": 24}}
WARM_UP_S = 2.0


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0 to 1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def load(url: str, seconds: float, concurrency: int) -> tuple[list[float], int]:
    """Category pages from ``concurrency`` clients for ``seconds``: latencies, failed answers."""
    latencies: list[float] = []
    failed = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=30, limits=limits) as c:
        stop_at = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal failed
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                try:
                    response = await c.post("/graphql", json=PAGE)
                except httpx.HTTPError:
                    failed += 1
                    continue
                if response.status_code != 200 or b'"errors"' in response.content:
                    failed += 1
                else:
                    latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, failed


def redis_commands(ports: list[int]) -> int:
    """Commands the Redis servers on ``ports`` have run since they started (all kinds)."""
    total = 0
    for port in ports:
        client = redis.Redis(port=port, socket_timeout=5)
        try:
            stats = client.info("commandstats")
        finally:
            client.close()
        total += sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")
    return total


@contextmanager
def reference_sources(scale: str) -> Iterator[tuple[dict[str, str], RequestCounter]]:
    """The reference sources on the demo data of ``scale``: their URLs, their request counter."""
    chosen = DemoScale.full() if scale == "full" else DemoScale.small()
    data = ensure_demo_data(ROOT / ".comptoir" / "bench" / scale, chosen)
    counter = RequestCounter(build_reference_app(data, {}))
    with ServerThread(counter) as server:
        yield {f"COMPTOIR_{n.upper()}_URL": f"{server.url}/{n}" for n in SOURCES.names()}, counter


def measure(
    urls: dict[str, str],
    counter: RequestCounter,
    redis_url: str,
    ports: list[int],
    response_cache: bool,
    args: argparse.Namespace,
) -> str:
    """One setup's figures, as a table cell."""
    env = {
        **urls,
        "COMPTOIR_REDIS_URL": redis_url,
        "COMPTOIR_CACHE_LOCAL_TTL_S": str(args.local_ttl_s),
        "COMPTOIR_JWT_SECRET": "bench-secret-bench-secret-bench-secret-0123",
        "COMPTOIR_RESPONSE_CACHE": "on" if response_cache else "off",
        "COMPTOIR_DATA_DIR": str(ROOT / ".comptoir" / "bench" / "cluster-state"),
    }
    process = ComptoirProcess(env).start()
    try:
        asyncio.run(load(process.url, WARM_UP_S, args.concurrency))
        counter.reset()
        before = redis_commands(ports)
        latencies, failed = asyncio.run(load(process.url, args.seconds, args.concurrency))
        commands = redis_commands(ports) - before
    finally:
        process.kill()
    pages = len(latencies)
    return (
        f"{pages / args.seconds:6.0f} req/s, p50 {statistics.median(latencies) * 1000:4.0f} ms,"
        f" p99 {percentile(latencies, 0.99) * 1000:4.0f} ms, {commands / max(1, pages):5.1f}"
        f" cmd/page, upstream {counter.total()}, failed {failed}"
    )


def main() -> None:
    """Run the four setups and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "full"], default="small")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--local-ttl-s", type=float, default=0.0)
    args = parser.parse_args()

    print(
        f"warm category page (24 products), {args.concurrency} clients, {args.seconds:g} s each,"
        f" {args.scale} demo data, in-process tier {args.local_ttl_s:g} s, {os.cpu_count()} CPUs"
        " shared"
        " by comptoir, Redis, the sources and the load"
    )
    with (
        reference_sources(args.scale) as (urls, counter),
        RedisServer() as single,
        RedisCluster() as cluster,
    ):
        setups = [
            ("single Redis", single.url, [single.port]),
            ("3-master cluster", cluster.url, [n.port for n in cluster.nodes]),
        ]
        for response_cache in (False, True):
            title = (
                "response cache on (stored answers)"
                if response_cache
                else ("response cache off (entries)")
            )
            print(title)
            # Each row in the other order: on a shared machine the first of
            # two runs tends to be the faster one.
            for label, url, ports in reversed(setups) if response_cache else setups:
                figures = measure(urls, counter, url, ports, response_cache, args)
                print(f"  {label:17} {figures}")


if __name__ == "__main__":
    main()
