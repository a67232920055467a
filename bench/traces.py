"""What traces cost a warm category page: tracing off, then on (not a test; prints figures).

    python bench/traces.py [--requests 200] [--rounds 3] [--scale full|small]

Like ``bench/profile_plp.py``: the reference sources run in a thread, comptoir in this
process behind ``httpx.ASGITransport``, on the in-process cache. Each round times
``--requests`` warm pages in four set-ups, one after the other so that the machine's
other work spreads over all of them: executed (response cache off) and stored answers
(response cache on), each with tracing off and on. "On" is a tracer provider with a batch
processor whose exporter drops the spans, so the figure is comptoir's own cost of making
them (the OTLP encoding and the network are the batch thread's). Prints each set-up's
median over every round, and the spans one page makes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
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
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import (  # noqa: E402
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

from comptoir.settings import Settings  # noqa: E402
from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402

HEADERS = {"X-Channel-Key": "demo-web-key"}
BODY: dict[str, Any] = {"query": PLP_QUERY, "variables": {"first": 24}}


class Dropping(SpanExporter):
    """Counts the spans it is given and keeps none."""

    def __init__(self) -> None:
        self.spans = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        return SpanExportResult.SUCCESS


async def timed(settings: Settings, requests: int, traced: bool) -> tuple[list[float], float]:
    """Warm the cache with one page, then time ``requests`` pages; the spans per page."""
    exporter = Dropping()
    provider = None
    if traced:
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(exporter))
    app = create_app(settings, tracer_provider=provider)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://comptoir") as client:
            cold = await client.post("/graphql", json=BODY, headers=HEADERS)
            if b'"errors"' in cold.content:
                raise RuntimeError(cold.text[:500])
            await client.post("/graphql", json=BODY, headers=HEADERS)
            if provider is not None:
                provider.force_flush()
            before = exporter.spans
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                response = await client.post("/graphql", json=BODY, headers=HEADERS)
                times.append(time.perf_counter() - started)
                response.raise_for_status()
    if provider is not None:
        provider.shutdown()
    return times, (exporter.spans - before) / requests


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", choices=("full", "small"), default="full")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    args = parser.parse_args()

    scale = DemoScale.full() if args.scale == "full" else DemoScale.small()
    data = ensure_demo_data(args.data_dir / args.scale, scale, progress=True)
    setups = [
        (f"{page}, tracing {'on' if traced else 'off'}", stored, traced)
        for page, stored in (("executed page", False), ("stored answer", True))
        for traced in (False, True)
    ]
    times: dict[str, list[float]] = {name: [] for name, _, _ in setups}
    spans: dict[str, float] = {}
    with ServerThread(build_reference_app(data, {})) as reference:
        urls = {f"{name}_url": f"{reference.url}/{name}" for name in SOURCES.names()}
        for _ in range(args.rounds):
            for name, stored, traced in setups:
                settings = Settings(
                    **{
                        "data_dir": args.data_dir / "run",
                        "response_cache": stored,
                        "demo": True,  # the demo secret, though the sources are given by URL
                        **urls,
                    }
                )
                taken, per_page = asyncio.run(timed(settings, args.requests, traced))
                times[name] += taken
                spans[name] = per_page
    for name, _, traced in setups:
        median = statistics.median(times[name]) * 1000
        extra = f", {spans[name]:.0f} spans a page" if traced else ""
        print(f"{name}: median {median:.2f} ms over {len(times[name])} pages{extra}")


if __name__ == "__main__":
    main()
