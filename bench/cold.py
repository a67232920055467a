"""The cold category page against its 2-level floor (prints figures; not a test).

    python bench/cold.py [--scale full|small] [--runs 15] [--delay 0.05] [--profile]

The sources are a recording of the reference sources replayed from memory in
a process of their own (``bench/replay.py``), each answer after ``--delay``:
the floor is two rounds (the search, then everything else at once),
2 x delay. Each run starts a fresh comptoir process (empty cache), warms it
with ``{ __typename }`` and times one category page: the HTTP exchange, with
a bare client (the answer is checked once the clock has stopped). ``--profile`` prints a
cProfile of the cold page inside comptoir (in this process instead).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import http.client
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import orjson  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from comptoir.sources.registry import SOURCES  # noqa: E402
from replay import ReplaySources  # noqa: E402
from run import HEADERS, PLP_VARS, ComptoirProcess, check  # noqa: E402

from comptoir.settings import Settings  # noqa: E402
from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402

_HEADERS = {**HEADERS, "Content-Type": "application/json"}


def _post(connection: http.client.HTTPConnection, body: dict[str, Any]) -> dict[str, Any]:
    connection.request("POST", "/graphql", orjson.dumps(body), _HEADERS)
    response = connection.getresponse()
    answer: dict[str, Any] = orjson.loads(response.read())
    return answer


def cold_runs(replay: ReplaySources, workdir: Path, runs: int) -> tuple[list[float], list[int]]:
    """Time ``runs`` cold pages, each in a fresh comptoir process."""
    times: list[float] = []
    counts: list[int] = []
    for _ in range(runs):
        process = ComptoirProcess(replay, workdir)
        # http.client, not httpx: the clock should see comptoir, not the client's own work.
        connection = http.client.HTTPConnection("127.0.0.1", process.port, timeout=30)
        try:
            check(_post(connection, {"query": "{ __typename }"}), "warm-up")
            before = replay.requests()
            body = orjson.dumps({"query": PLP_QUERY, "variables": PLP_VARS})
            started = time.perf_counter()
            connection.request("POST", "/graphql", body, _HEADERS)
            response = connection.getresponse()
            content = response.read()
            # The exchange only (as curl's time_total in the peers' script): the
            # answer is decoded and checked after the clock stops.
            times.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"cold PLP: HTTP {response.status}")
            check(orjson.loads(content), "cold PLP")
            counts.append(replay.requests() - before)
        finally:
            connection.close()
            process.stop()
    return times, counts


async def _profiled_page(replay: ReplaySources, workdir: Path) -> None:
    from comptoir.graph.app import create_app

    urls = {f"{name}_url": replay.url(name) for name in SOURCES.names()}
    app = create_app(Settings(**urls, data_dir=workdir, demo=True))  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://comptoir") as client:
            await client.post("/graphql", json={"query": "{ __typename }"}, headers=HEADERS)
            profiler = cProfile.Profile()
            profiler.enable()
            started = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": PLP_QUERY, "variables": PLP_VARS}, headers=HEADERS
            )
            elapsed = time.perf_counter() - started
            profiler.disable()
            assert b'"errors"' not in response.content, response.text[:300]
    print(f"   profiled cold page: {elapsed * 1000:.1f} ms")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=("full", "small"), default="full")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--delay", type=float, default=0.05, help="seconds added to every upstream request"
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    scale = DemoScale.full() if args.scale == "full" else DemoScale.small()
    data = ensure_demo_data(args.data_dir / args.scale, scale, progress=True)
    workdir = args.data_dir / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    with (
        ServerThread(build_reference_app(data, {})) as reference,
        ReplaySources(reference.url) as replay,
    ):
        cold_runs(replay, workdir, 1)  # records every answer the page needs
        no_delay, _ = cold_runs(replay, workdir, max(3, args.runs // 2))
        replay.set_delay(args.delay)
        times, counts = cold_runs(replay, workdir, args.runs)
        floor = 2 * args.delay
        median = statistics.median(times)
        print(
            f"cold category page, sources replayed from memory with {args.delay * 1000:.0f} ms each"
        )
        print(f"   without added delay: median {statistics.median(no_delay) * 1000:.1f} ms")
        print(
            f"   with the delay: median {median * 1000:.1f} ms of {len(times)} runs "
            f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}), "
            f"{statistics.median(counts):.0f} upstream requests"
        )
        print(
            f"   ratio to the 2 x {args.delay * 1000:.0f} ms floor: {median / floor:.2f}   (target <= 1.15)"
        )
        if args.profile:
            asyncio.run(_profiled_page(replay, workdir))


if __name__ == "__main__":
    main()
