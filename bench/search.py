"""Product search: the reference engine's own time, and comptoir's faceted category page (prints figures; not a test).

    python bench/search.py [--scale full|small] [--runs 50] [--seconds 3] [--cold-runs 2]
                           [--data-dir DIR] [--engine-only]

1-3. The search source's own work for one request, without HTTP: reading
the parameters, the query (words, filters, facet counts, sort, page) and
writing the JSON answer. Target: <= 20 ms for a category of about 1,000
products with 5 facets over the full demo catalogue.
4-5. comptoir (a uvicorn process of its own, as in bench/run.py) on that
category: a faceted page (5 facets, 24 products) cold, against the floor
of two rounds, and warm, against the plain category page. Target: the
faceted page's warm throughput within 20 % of the plain page's. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from comptoir.graph.app import create_app  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from comptoir.sources.reference.search_engine import SearchEngine  # noqa: E402
from comptoir.sources.reference.search_query import parse_query  # noqa: E402
from comptoir.sources.reference.storage import dumps  # noqa: E402
from comptoir.sources.registry import SOURCES  # noqa: E402
from replay import ReplaySources  # noqa: E402
from run import ComptoirProcess, check, fmt_load, load, post  # noqa: E402
from starlette.datastructures import QueryParams  # noqa: E402

from comptoir.settings import Settings  # noqa: E402
from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.support.fault_proxy import FaultProxy  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402

WEB = {"channel": "web", "price_list": "EUR-WEB"}
HEADERS = {"X-Channel-Key": "demo-web-key"}
FIVE_FACETS = "brand,color,size,price,in_stock"
FACETED_PLP_QUERY = PLP_QUERY.replace(
    "pageInfo { hasNextPage endCursor }",
    "pageInfo { hasNextPage endCursor }\n"
    "    totalCount facets { key label values { value label count selected } }",
)
"""The category page with its total and its 5 facets: the same products, variants and media."""


def answer(engine: SearchEngine, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """One request's work; its time in seconds and its answer."""
    started = time.perf_counter()
    body = engine.search(parse_query(QueryParams(urlencode(params, doseq=True))))
    dumps(body)
    return time.perf_counter() - started, body


def measure(engine: SearchEngine, label: str, params: dict[str, Any], runs: int) -> None:
    """Print the median and p95 of ``runs`` answers to ``params``."""
    answer(engine, params)  # warm the caches of folded names and parsed times
    times: list[float] = []
    body: dict[str, Any] = {}
    for _ in range(runs):
        elapsed, body = answer(engine, params)
        times.append(elapsed)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    facets = sum(len(facet["values"]) for facet in body["facets"])
    median = statistics.median(times)
    print(
        f"   {label:<46} median {median * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms"
        f"   ({body['total']} found, {len(body['facets'])} facets, {facets} values)"
    )


def category_sizes(engine: SearchEngine) -> dict[str, int]:
    """How many products each category lists on the web."""
    return {
        category: answer(engine, {**WEB, "category_id": category, "limit": 1})[1]["total"]
        for category in engine.catalogue.category_names
    }


def refresh_after_a_price_write(engine: SearchEngine, data: Path) -> float:
    """Time to apply one price row written in the erp (written back as it was afterwards)."""
    with sqlite3.connect(data / "erp.sqlite", timeout=30) as conn:
        seq, doc = conn.execute("SELECT seq, doc FROM prices ORDER BY seq LIMIT 1").fetchone()
        conn.execute(
            "UPDATE prices SET doc = json_set(doc, '$.amount', '1.00') WHERE seq = ?", (seq,)
        )
    started = time.perf_counter()
    engine.refresh()
    elapsed = time.perf_counter() - started
    with sqlite3.connect(data / "erp.sqlite", timeout=30) as conn:
        conn.execute("UPDATE prices SET doc = ? WHERE seq = ?", (doc, seq))
    engine.refresh()
    return elapsed


def _merged(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """Load phases of one workload added up: latencies pooled, the mean throughput."""
    return {
        "lat": [t for phase in phases for t in phase["lat"]],
        "errors": sum(phase["errors"] for phase in phases),
        "partial": sum(phase["partial"] for phase in phases),
        "rps": statistics.mean(phase["rps"] for phase in phases),
    }


async def _in_process(
    reference_url: str, workdir: Path, pages: dict[str, tuple[str, dict[str, Any]]], rounds: int
) -> dict[str, list[float]]:
    """Each page executed ``rounds`` times in turn in this process, warm; each one's times."""
    urls = {f"{name}_url": f"{reference_url}/{name}" for name in SOURCES.names()}
    secret = "bench-secret-bench-secret-bench-secret-0123"  # noqa: S105  # a throwaway secret
    settings = Settings(**urls, data_dir=workdir, response_cache=False, jwt_secret=secret)  # type: ignore[arg-type]
    app = create_app(settings)
    times: dict[str, list[float]] = {kind: [] for kind in pages}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://comptoir") as client:
            for warm_up in (True, False):
                for _ in range(3 if warm_up else rounds):
                    for kind, (query, variables) in pages.items():
                        started = time.perf_counter()
                        response = await client.post(
                            "/graphql",
                            json={"query": query, "variables": variables},
                            headers=HEADERS,
                        )
                        elapsed = time.perf_counter() - started
                        if b'"errors"' in response.content:
                            raise RuntimeError(response.text[:500])
                        if not warm_up:
                            times[kind].append(elapsed)
    return times


def _pages(reference_url: str, proxy: FaultProxy, data_dir: Path, category: str, args: Any) -> None:
    """4-5: comptoir's faceted category page, cold and warm, next to the plain category page."""
    pages = {
        "plain": (PLP_QUERY, {"categoryId": category, "first": 24}),
        "faceted": (FACETED_PLP_QUERY, {"categoryId": category, "first": 24}),
    }
    workdir = data_dir / "run"
    workdir.mkdir(parents=True, exist_ok=True)

    def cold(replay: ReplaySources, kind: str, runs: int) -> tuple[list[float], list[int]]:
        query, variables = pages[kind]
        times: list[float] = []
        counts: list[int] = []
        for _ in range(runs):
            process = ComptoirProcess(replay, workdir)
            try:
                with httpx.Client(base_url=process.url, timeout=30) as client:
                    check(post(client, "{ __typename }", {}), "warm-up")  # the process only
                    before = replay.requests()
                    started = time.perf_counter()
                    body = post(client, query, variables)
                    times.append(time.perf_counter() - started)
                    check(body, f"cold {kind} page")
                    counts.append(replay.requests() - before)
            finally:
                process.stop()
        return times, counts

    print(
        f"\n4. comptoir: cold category pages of {category} (24 products), a fresh process each;"
        " the sources' answers replayed from memory (bench/replay.py)"
    )
    with ReplaySources(reference_url) as replay:
        for kind in pages:
            cold(replay, kind, 1)  # records every answer the page needs
        for delay in (0.0, 0.05):
            replay.set_delay(delay)
            print(f"   {delay * 1000:.0f} ms added to every upstream request:")
            for kind in pages:
                times, counts = cold(replay, kind, args.cold_runs)
                median = statistics.median(times)
                line = (
                    f"     {kind:<8} median {median * 1000:6.1f} ms of {len(times)} runs"
                    f" (min {min(times) * 1000:.1f}), {statistics.median(counts):.0f} upstream"
                    " requests"
                )
                if delay:
                    line += (
                        f", ratio to the 2 x {delay * 1000:.0f} ms floor {median / (2 * delay):.2f}"
                    )
                print(line)

    print(
        f"\n5. comptoir: warm pages of {category}, concurrency 16,"
        f" {args.seconds:g} s phases, plain and faceted in turn, twice"
    )
    for label, setting in (("executed (response cache off)", "off"), ("response cache on", "on")):
        os.environ["COMPTOIR_RESPONSE_CACHE"] = setting
        process = ComptoirProcess(proxy, workdir)
        phases: dict[str, list[dict[str, Any]]] = {"plain": [], "faceted": []}
        try:
            for query, variables in pages.values():
                load(process.url, min(2.0, args.seconds), [(16, query, [variables], "warm-up")])
            for _ in range(2):
                for kind, (query, variables) in pages.items():
                    phases[kind].append(
                        load(process.url, args.seconds, [(16, query, [variables], kind)])[kind]
                    )
        finally:
            process.stop()
            os.environ.pop("COMPTOIR_RESPONSE_CACHE", None)
        plain, faceted = _merged(phases["plain"]), _merged(phases["faceted"])
        print(f"   {label}:")
        print(f"     plain category page:   {fmt_load(plain)}")
        print(f"     faceted category page: {fmt_load(faceted)}")
        print(
            f"     faceted vs plain: {faceted['rps'] / plain['rps'] * 100:.0f} %   (target >= 80 %)"
        )

    rounds = 100
    print(
        f"\n6. comptoir in this process: warm pages executed one at a time, {rounds} of each in turn"
    )
    times = asyncio.run(_in_process(reference_url, workdir, pages, rounds))
    plain_ms = statistics.median(times["plain"]) * 1000
    faceted_ms = statistics.median(times["faceted"]) * 1000
    print(f"     plain category page:   median {plain_ms:5.2f} ms")
    print(f"     faceted category page: median {faceted_ms:5.2f} ms")
    print(
        f"     faceted vs plain, pages per CPU-second: {plain_ms / faceted_ms * 100:.0f} %"
        "   (target >= 80 %)"
    )


def main() -> None:
    """Generate (once) the demo data, load the engine and time representative queries."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=("full", "small"), default="full")
    parser.add_argument("--runs", type=int, default=50, help="answers timed per query")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    parser.add_argument("--seconds", type=float, default=3.0, help="each warm load phase")
    parser.add_argument("--cold-runs", type=int, default=2, help="cold pages timed per setting")
    parser.add_argument("--engine-only", action="store_true", help="figures 1-3 only")
    args = parser.parse_args()

    scale = DemoScale.full() if args.scale == "full" else DemoScale.small()
    started = time.perf_counter()
    data = ensure_demo_data(args.data_dir / args.scale, scale, progress=True)
    print(
        f"demo data: {args.scale} ({scale.products} products), ready in "
        f"{time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    engine = SearchEngine(data)
    print(
        f"engine loaded in {(time.perf_counter() - started) * 1000:.0f} ms "
        f"({len(engine.catalogue.products)} active products indexed)"
    )
    try:
        sizes = category_sizes(engine)
        category = min(sizes, key=lambda c: (abs(sizes[c] - 1000), c))
        largest = max(sizes, key=lambda c: (sizes[c], c))
        size = sizes[category]
        print(f"\n1. Category pages (web, EUR-WEB), 24 products and {FIVE_FACETS}")
        measure(
            engine,
            f"{largest} ({sizes[largest]} products), newest",
            {**WEB, "category_id": largest, "facets": FIVE_FACETS},
            args.runs,
        )
        page = {**WEB, "category_id": category, "facets": FIVE_FACETS}
        measure(engine, f"{category} ({size} products), newest", page, args.runs)
        facets = {f["key"]: f["values"] for f in answer(engine, page)[1]["facets"]}
        picked = [f"size:{v['value']}" for v in facets["size"][:2]]
        picked += [f"color:{facets['color'][0]['value']}", "price:50..100"]
        filtered = {**page, "filter": picked}
        measure(engine, f"{category}, 2 sizes, a colour, a price range", filtered, args.runs)
        measure(engine, f"{category}, price_asc", {**page, "sort": "price_asc"}, args.runs)
        measure(
            engine, f"{category}, name (fr)", {**page, "sort": "name", "locale": "fr"}, args.runs
        )
        cursor = answer(engine, {**page, "sort": "price_desc", "limit": 96})[1]["next_cursor"]
        if cursor is not None:  # a small category has no fifth page
            measure(
                engine,
                f"{category}, price_desc, page 5 (cursor)",
                {**page, "sort": "price_desc", "cursor": cursor},
                args.runs,
            )
        measure(
            engine,
            "whole catalogue, 6 facets",
            {**WEB, "facets": f"{FIVE_FACETS},category"},
            args.runs,
        )

        print(f"\n2. Searches (web, EUR-WEB), relevance, {FIVE_FACETS}")
        for words in ("cachem", "cashmere jumper", "cotton shirt", "laine", "c"):
            measure(engine, f"q={words!r}", {**WEB, "q": words, "facets": FIVE_FACETS}, args.runs)

        print("\n3. Keeping up with the erp")
        elapsed = refresh_after_a_price_write(engine, data)
        print(
            f"   one price row written, applied before the next answer in {elapsed * 1000:.2f} ms"
        )
    finally:
        engine.close()
    if args.engine_only:
        return
    with ServerThread(build_reference_app(data, {})) as reference:
        proxy = FaultProxy(upstream=reference.url).start()
        try:
            _pages(reference.url, proxy, args.data_dir, category, args)
        finally:
            proxy.stop()


if __name__ == "__main__":
    main()
