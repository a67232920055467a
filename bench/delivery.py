"""A product page with delivery options for one destination, cold and warm (prints figures).

    python bench/delivery.py [--scale small|full] [--runs 5] [--warm 200] [--delay 0.05]

The page: a product, its price range, and for each of its variants the price,
the stock and ``deliveryOptions`` to a home in Brive-la-Gaillarde (one
``POST /promises`` per variant, asked concurrently). The sources are the
reference sources (the oms's clock pinned to a Monday before the cut-off, so
that every kind of option shows) behind ``bench/replay.py``, each answer
after ``--delay``; GETs are replayed from memory, promises are POSTs and
always reach the reference oms.

- **cold**: a fresh comptoir process per run (empty cache), one page, without
  and with the added delay (three rounds: the product, then its variants,
  prices, stock and locations, then the promises);
- **warm, executed**: the same page again and again with the response cache
  off, so it is executed each time; the promises come from comptoir's
  promise cache (``COMPTOIR_PROMISE_CACHE_S``, 60 s);
- **warm, promise cache off**: the same with ``COMPTOIR_PROMISE_CACHE_S=0``:
  every page asks the OMS again;
- **warm, stored answer**: the response cache on (the default): the page is
  served whole, within the freshness of the promises it shows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from comptoir.sources.reference import cases  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.clock import fixed_clock  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from replay import ReplaySources  # noqa: E402
from run import ComptoirProcess, check, post  # noqa: E402

from tests.support.servers import ServerThread  # noqa: E402

MONDAY_BEFORE_CUT_OFF = datetime.fromisoformat("2026-11-02T13:00:00+01:00")

PRODUCT_PAGE = """
query ProductPage($id: ID!, $destination: DestinationInput!) {
  product(id: $id) {
    id name brand priceRange { min { amount currencyCode } max { amount } }
    variants {
      sku color size price { amount { amount currencyCode } }
      availability { inStock quantity }
      deliveryOptions(destination: $destination) {
        mode service earliestAt latestAt orderBefore estimated
        price { amount currencyCode } location { id name }
      }
    }
  }
}
"""
PAGE_VARS: dict[str, Any] = {
    "id": cases.PRODUCT_FULL,
    "destination": {
        "country": "FR",
        "postalCode": cases.BRIVE_POSTAL_CODE,
        "latitude": cases.BRIVE_HOME[0],
        "longitude": cases.BRIVE_HOME[1],
    },
}


@contextmanager
def comptoir(replay: ReplaySources, workdir: Path, **env: str) -> Iterator[httpx.Client]:
    """A fresh comptoir process with ``COMPTOIR_*`` overrides, and a client to it."""
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        process = ComptoirProcess(replay, workdir)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        with httpx.Client(base_url=process.url, timeout=30) as client:
            check(post(client, "{ __typename }", {}), "warm-up")
            yield client
    finally:
        process.stop()


def page(client: httpx.Client) -> tuple[float, dict[str, Any]]:
    """One product page: seconds and the answer (which must carry no error)."""
    started = time.perf_counter()
    body = post(client, PRODUCT_PAGE, PAGE_VARS)
    elapsed = time.perf_counter() - started
    check(body, "product page")
    return elapsed, body


def options_shown(body: dict[str, Any]) -> int:
    return sum(len(v["deliveryOptions"] or []) for v in body["data"]["product"]["variants"])


def warm(client: httpx.Client, replay: ReplaySources, pages: int) -> tuple[list[float], float]:
    """``pages`` pages in a row after one that fills the caches: times, upstream requests each."""
    page(client)
    before = replay.requests()
    times = [page(client)[0] for _ in range(pages)]
    return times, (replay.requests() - before) / pages


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(values) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=("full", "small"), default="small")
    parser.add_argument("--runs", type=int, default=3, help="cold pages, each a fresh process")
    parser.add_argument("--warm", type=int, default=60, help="warm pages per mode")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds per upstream answer")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    args = parser.parse_args()

    scale = DemoScale.full() if args.scale == "full" else DemoScale.small()
    data = ensure_demo_data(args.data_dir / args.scale, scale, progress=True)
    workdir = args.data_dir / "run-delivery"
    workdir.mkdir(parents=True, exist_ok=True)
    app = build_reference_app(data, {}, clock=fixed_clock(MONDAY_BEFORE_CUT_OFF))
    with ServerThread(app) as reference, ReplaySources(reference.url) as replay:
        with comptoir(replay, workdir) as client:  # records the GETs the page needs
            _, body = page(client)
        variants = len(body["data"]["product"]["variants"])
        print(
            f"product page of {cases.PRODUCT_FULL}: {variants} variants,"
            f" {options_shown(body)} delivery options to Brive-la-Gaillarde"
            f" ({args.scale} demo data, {os.cpu_count()} CPUs)"
        )
        for delay in (0.0, args.delay):
            replay.set_delay(delay)
            cold: list[float] = []
            counts: list[int] = []
            for _ in range(args.runs):
                with comptoir(replay, workdir) as client:
                    before = replay.requests()
                    cold.append(page(client)[0])
                    counts.append(replay.requests() - before)
            print(
                f"   cold, {delay * 1000:.0f} ms per upstream answer: {ms(cold)} of {args.runs}"
                f" runs, {statistics.median(counts):.0f} upstream requests"
                f" ({variants} of them promises, asked at once in the last of 3 rounds)"
            )
        modes = (
            ("warm, executed, promises cached", {"COMPTOIR_RESPONSE_CACHE": "off"}),
            (
                "warm, executed, promise cache off",
                {"COMPTOIR_RESPONSE_CACHE": "off", "COMPTOIR_PROMISE_CACHE_S": "0"},
            ),
            ("warm, stored answer", {}),
        )
        for label, env in modes:
            with comptoir(replay, workdir, **env) as client:
                times, upstream = warm(client, replay, args.warm)
            print(f"   {label}: {ms(times)}, {upstream:.1f} upstream requests per page")


if __name__ == "__main__":
    main()
