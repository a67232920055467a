"""A long warm load: latency and resident memory over time (prints figures; not a test).

    python bench/soak.py [--minutes 10] [--every 30] [--redis] [--response-cache on|off]
                         [--gc-freeze-interval 10]

comptoir runs in its own process against the reference sources (full demo
data) replayed from memory by a process of their own (``bench/replay.py``).
Sixteen workers load it: most ask for the category page, one in eight walks
the catalogue's first ``--pages`` pages over and over (so that the cache holds
more than one page and its short-lived entries, stock, keep expiring and
coming back). Every ``--every`` seconds the script prints the category
page's throughput, p50, p99 and longest request of the interval, the further
pages walked per second, and comptoir's resident memory (``VmRSS``): the
curve of a process that neither leaks nor pauses.

``--gc-freeze-interval 0`` runs CPython's default collections instead of
comptoir's (``comptoir/heap.py``), to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from replay import ReplaySources  # noqa: E402
from run import CONCURRENCY, HEADERS, PLP_VARS, ComptoirProcess, pct  # noqa: E402

from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402

WALKERS = CONCURRENCY // 8


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _soak(url: str, pid: int, seconds: float, every: float, pages: int) -> None:
    latencies: list[float] = []  # the category page's
    walked_pages: list[float] = []  # the further pages'
    failures = 0
    refused = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=url, headers=HEADERS, timeout=30, limits=limits
    ) as client:
        stop_at = time.perf_counter() + seconds

        async def ask(
            variables: dict[str, Any], into: list[float] = latencies
        ) -> dict[str, Any] | None:
            nonlocal failures, refused
            started = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": PLP_QUERY, "variables": variables}
            )
            elapsed = time.perf_counter() - started
            body: dict[str, Any] = response.json()
            if response.status_code == 429:  # the channel's budget, spent: neither timed nor failed
                refused += 1
                return None
            into.append(elapsed)
            if response.status_code != 200 or body.get("errors"):
                failures += 1
                return None
            return body

        async def page_worker() -> None:
            while time.perf_counter() < stop_at:
                await ask(PLP_VARS)

        async def walker() -> None:
            after: str | None = None
            walked = 0
            walked_s = walked_pages
            while time.perf_counter() < stop_at:
                body = await ask({"first": 24, **({"after": after} if after else {})}, walked_s)
                walked += 1
                info = body["data"]["productSearch"]["pageInfo"] if body else None
                more = info is not None and info["hasNextPage"] and walked % pages
                after = info["endCursor"] if more and info else None

        async def report() -> None:
            started = time.perf_counter()
            print(
                f"{'t (s)':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
                f" {'walked/s':>8} {'RSS MiB':>8}"
            )
            while time.perf_counter() < stop_at:
                await asyncio.sleep(every)
                window, failed, walked = latencies[:], failures, len(walked_pages)
                counts = f"   failed {failed}" if failed else ""
                counts += f"   refused (429) {refused}" if refused else ""
                latencies.clear()
                walked_pages.clear()
                print(
                    f"{time.perf_counter() - started:6.0f} {len(window) / every:8.1f}"
                    f" {pct(window, 50) * 1000:8.2f} {pct(window, 99) * 1000:8.2f}"
                    f" {max(window, default=0) * 1000:8.1f} {walked / every:8.1f}"
                    f" {_rss_mib(pid):8.1f}{counts}",
                    flush=True,
                )

        await asyncio.gather(
            report(),
            *(page_worker() for _ in range(CONCURRENCY - WALKERS)),
            *(walker() for _ in range(WALKERS)),
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=30.0, help="seconds per printed line")
    parser.add_argument("--redis", action="store_true", help="cache on a redis-server")
    parser.add_argument("--response-cache", choices=("on", "off"), default="off")
    parser.add_argument("--pages", type=int, default=40, help="pages the walkers go through")
    parser.add_argument("--gc-freeze-interval", type=float, default=10.0)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    args = parser.parse_args()

    data = ensure_demo_data(args.data_dir / "full", DemoScale.full(), progress=True)
    workdir = args.data_dir / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["COMPTOIR_GC_FREEZE_INTERVAL_S"] = str(args.gc_freeze_interval)
    with (
        ServerThread(build_reference_app(data, {})) as reference,
        ReplaySources(reference.url) as replay,
    ):
        redis = RedisServer().__enter__() if args.redis else None
        try:
            process = ComptoirProcess(
                replay,
                workdir,
                redis.url if redis else None,
                response_cache=args.response_cache == "on",
            )
            try:
                print(
                    f"soak: {args.minutes:g} min, cache {'redis' if redis else 'memory'},"
                    f" response cache {args.response_cache},"
                    f" gc freeze every {args.gc_freeze_interval:g} s,"
                    f" {CONCURRENCY} workers ({WALKERS} walking the first {args.pages} pages)"
                )
                asyncio.run(
                    _soak(process.url, process.proc.pid, args.minutes * 60, args.every, args.pages)
                )
            finally:
                process.stop()
        finally:
            if redis is not None:
                redis.__exit__(None, None, None)


if __name__ == "__main__":
    main()
