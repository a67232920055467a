"""Profile warm category pages in-process (prints a cProfile summary; not a test).

    python bench/profile_plp.py [--requests 50] [--sort tottime] [--limit 40] [--scale full|small]
                                [--response-cache]

The reference sources run in a thread; comptoir runs in this process behind
``httpx.ASGITransport`` with its lifespan, on the in-process cache. One page
warms the cache, then ``--requests`` pages are timed and profiled one after
the other. Every page is executed: the response cache is off unless
``--response-cache`` asks to time stored answers instead. See bench/README.md,
"Profiling one warm request".
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from comptoir.graph.app import create_app  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from comptoir.sources.registry import SOURCES  # noqa: E402

from comptoir.settings import Settings  # noqa: E402
from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402

HEADERS = {"X-Channel-Key": "demo-web-key"}
BODY: dict[str, Any] = {"query": PLP_QUERY, "variables": {"first": 24}}


async def run(settings: Settings, requests: int, profiler: cProfile.Profile | None) -> list[float]:
    """Warm the cache with one page, then time ``requests`` pages (profiled when asked)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://comptoir") as client:
            cold = await client.post("/graphql", json=BODY, headers=HEADERS)
            if b'"errors"' in cold.content:
                raise RuntimeError(cold.text[:500])
            times = []
            if profiler is not None:
                profiler.enable()
            for _ in range(requests):
                started = time.perf_counter()
                response = await client.post("/graphql", json=BODY, headers=HEADERS)
                times.append(time.perf_counter() - started)
                response.raise_for_status()
            if profiler is not None:
                profiler.disable()
            return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--scale", choices=("full", "small"), default="full")
    parser.add_argument("--no-profile", action="store_true", help="time only")
    parser.add_argument(
        "--response-cache", action="store_true", help="answer from stored answers, not execution"
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    args = parser.parse_args()

    scale = DemoScale.full() if args.scale == "full" else DemoScale.small()
    data = ensure_demo_data(args.data_dir / args.scale, scale, progress=True)
    with ServerThread(build_reference_app(data, {})) as reference:
        urls = {f"{name}_url": f"{reference.url}/{name}" for name in SOURCES.names()}
        settings = Settings(
            **{
                "data_dir": args.data_dir / "run",
                "response_cache": args.response_cache,
                "demo": True,  # tokens of the demo secret, though the sources are given by URL
                **urls,
            }
        )
        profiler = None if args.no_profile else cProfile.Profile()
        times = asyncio.run(run(settings, args.requests, profiler))
    times.sort()
    print(
        f"{len(times)} warm pages: median {times[len(times) // 2] * 1000:.2f} ms, "
        f"min {times[0] * 1000:.2f} ms{' (profiled)' if profiler else ''}"
    )
    if profiler is not None:
        pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
