"""What query cost and rate limits add to a request (prints figures; not a test).

    python bench/cost.py [--repeat 20000] [--pages 300] [--scale small|full]

1. The cost of the category page (``PLP_QUERY``): compiling it once (when
   its document is first prepared) and evaluating it with a request's
   variables (every request), in microseconds.
2. Taking a request's cost from its buckets: in-process, and in a real
   ``redis-server`` (by leases: most requests spend this process's share,
   one in a few dozen makes a script call).
3. Two costly probes (30 aliases of a 100-product search; 30 nested order histories on a
   staff channel), refused before execution: the time of a refusal.
4. Warm category pages in-process (``httpx.ASGITransport``), executed and
   served from the response cache, with the demo channels' rate limits
   (in-process counters): median and min per page. Compare with the same
   figures of ``bench/profile_plp.py`` on a comptoir without limits.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from comptoir.cache.counters import LEASE_SHARE, Bucket, LocalCounters, RedisCounters  # noqa: E402
from comptoir.graph.app import create_app, document_cache  # noqa: E402
from comptoir.graph.cost import operation_cost  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from comptoir.sources.registry import SOURCES  # noqa: E402
from graphql import OperationDefinitionNode, parse  # noqa: E402

from comptoir.settings import Settings  # noqa: E402
from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.graph.test_cost import SEARCH_PROBE, STAFF_PROBE  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402

PAGE_COST = 1787
"""The category page's cost (printed by :func:`cost_figures`)."""


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.2f} µs"


def cost_figures(repeat: int) -> None:
    """Compiling and evaluating the category page's cost."""
    settings = Settings()
    compile_times = []
    for _ in range(20):
        documents = document_cache(settings)
        documents.get("{ __typename }")  # the schema's first validation is not the cost's
        started = time.perf_counter()
        prepared = documents.get(PLP_QUERY)
        compile_times.append(time.perf_counter() - started)
    operation = prepared.operations[0]
    document = parse(PLP_QUERY)
    definition = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    started = time.perf_counter()
    for _ in range(200):
        operation_cost(documents._schema, document, definition)
    compiled = (time.perf_counter() - started) / 200
    variables = {"categoryId": "C-women", "first": 24}
    started = time.perf_counter()
    for _ in range(repeat):
        operation.cost.of(variables)
    per_call = (time.perf_counter() - started) / repeat
    print(
        f"category page: cost {operation.cost.of(variables)}; parse + validate + cost on first"
        f" sight median {statistics.median(compile_times) * 1000:.2f} ms, of which compiling"
        f" the cost {_us(compiled)}; the cost with a request's variables"
        f" {_us(per_call)} per request"
    )


async def bucket_figures(repeat: int) -> None:
    """Taking a cost from a channel's and a shopper's buckets."""
    # The demo web channel's bucket (anonymous shoppers: no bucket of their own).
    buckets = [Bucket("bench:channel", 30_000_000)]
    local = LocalCounters()
    started = time.perf_counter()
    for _ in range(repeat):
        await local.spend(buckets, PAGE_COST, 60)
    print(f"buckets in-process: {_us((time.perf_counter() - started) / repeat)} per request")
    with RedisServer() as server:
        counters = RedisCounters(server.url)
        await counters.spend(buckets, 1, 60)  # connect, load the script
        times = []
        for _ in range(min(repeat, 2000)):
            started = time.perf_counter()
            await counters.spend(buckets, PAGE_COST, 60)
            times.append(time.perf_counter() - started)
        await counters.close()
    print(
        f"buckets in Redis (loopback, leases of 1/{LEASE_SHARE}): median {_us(statistics.median(times))},"
        f" p99 {_us(sorted(times)[int(len(times) * 0.99)])} per request"
    )


async def pages(settings: Settings, count: int) -> None:
    """Probes refused, then warm category pages, executed and stored."""
    app = create_app(settings)
    body: dict[str, Any] = {"query": PLP_QUERY, "variables": {"first": 24}}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://comptoir") as client:
            for name, probe, key in (
                ("search probe (web)", SEARCH_PROBE, "demo-web-key"),
                ("staff probe (tablet)", STAFF_PROBE, "demo-tablet-key"),
            ):
                await client.post("/graphql", json={"query": probe}, headers={"X-Channel-Key": key})
                times = []
                for _ in range(50):
                    started = time.perf_counter()
                    response = await client.post(
                        "/graphql", json={"query": probe}, headers={"X-Channel-Key": key}
                    )
                    times.append(time.perf_counter() - started)
                    assert response.status_code == 400, response.text
                print(
                    f"{name}: refused ({response.json()['errors'][0]['extensions']['cost']})"
                    f" in {statistics.median(times) * 1000:.2f} ms"
                )
            headers = {"X-Channel-Key": "demo-web-key"}
            cold = await client.post("/graphql", json=body, headers=headers)
            assert b'"errors"' not in cold.content, cold.text[:300]
            times = []
            for _ in range(count):
                started = time.perf_counter()
                response = await client.post("/graphql", json=body, headers=headers)
                times.append(time.perf_counter() - started)
                response.raise_for_status()
    times.sort()
    mode = "stored answers" if settings.response_cache else "executed"
    print(
        f"{count} warm category pages, {mode}: median {times[len(times) // 2] * 1000:.2f} ms,"
        f" min {times[0] * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--scale", choices=("full", "small"), default="small")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    args = parser.parse_args()

    cost_figures(args.repeat)
    asyncio.run(bucket_figures(args.repeat))
    scale = DemoScale.full() if args.scale == "full" else DemoScale.small()
    data = ensure_demo_data(args.data_dir / args.scale, scale, progress=True)
    with ServerThread(build_reference_app(data, {})) as reference:
        urls = {f"{name}_url": f"{reference.url}/{name}" for name in SOURCES.names()}
        for response_cache in (False, True):
            settings = Settings(
                **{
                    "data_dir": args.data_dir / "run",
                    "response_cache": response_cache,
                    "demo": True,  # the demo secret, though the sources are given by URL
                    **urls,
                }
            )
            asyncio.run(pages(settings, args.pages))


if __name__ == "__main__":
    main()
