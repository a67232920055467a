"""Benchmark of the outbox's two backends under placeOrder (prints figures; not a test).

    python bench/outbox.py [--orders 300] [--held 300] [--concurrency 12] [--down-s 5]

Two setups on a private copy of the small demo data, with the reference
sources and a fault proxy in this process and every comptoir instance in its
own uvicorn process (in-process cache, so that only the outbox differs):

- one instance on the SQLite outbox (``COMPTOIR_DATA_DIR``, the default);
- three instances sharing a PostgreSQL outbox (``COMPTOIR_OUTBOX_URL``), a
  server this script starts with ``fsync`` on, the load spread over them
  in turn as a load balancer would.

For each it prints ``placeOrder`` throughput and p50/p99 latency with the
OMS up (each order sent at once), then with the OMS down (each order held:
the answer is pending once the write is committed), and how long the held
orders take to reach the OMS once it answers again. The OMS stays down
``--down-s`` seconds after the last order is held; the breaker's reset is
``--breaker-reset-s`` (1 s, so that the figure is the outbox's drain, not
the breaker's wait).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from placing import oms_orders, private_sources, report, source_env, timed_placing

from tests.support.fault_proxy import FaultProxy
from tests.support.postgres_server import PostgresServer
from tests.support.processes import ComptoirProcess

WARM_UP = 24


@contextmanager
def _instances(envs: list[dict[str, str]]) -> Iterator[list[str]]:
    """comptoir instances, one process each; their URLs."""
    started: list[ComptoirProcess] = []
    try:
        for env in envs:
            started.append(ComptoirProcess(env).start())
        yield [instance.url for instance in started]
    finally:
        for instance in started:
            instance.kill()


def _measure(
    label: str, urls: list[str], proxy: FaultProxy, data: Path, args: argparse.Namespace
) -> None:
    print(f"{label}")
    timed_placing(urls, WARM_UP, args.concurrency, f"{label}-warm")  # connections, caches, pools
    placed, elapsed = timed_placing(urls, args.orders, args.concurrency, f"{label}-up")
    report(f"OMS up, {args.concurrency} clients", placed, elapsed)

    before = oms_orders(data)
    proxy.fault("oms").down = True
    placed, elapsed = timed_placing(urls, args.held, args.concurrency, f"{label}-down")
    report(f"OMS down, {args.concurrency} clients", placed, elapsed)
    assert placed.pending == args.held, "with the OMS down, every order is held"
    time.sleep(args.down_s)  # tried, backed off, the breaker open
    proxy.fault("oms").down = False
    back = time.perf_counter()
    first_at = None
    while (count := oms_orders(data)) < before + args.held:
        if first_at is None and count > before:
            first_at = time.perf_counter() - back
        if time.perf_counter() - back > 300:
            raise RuntimeError("held orders not delivered in 5 minutes")
        time.sleep(0.05)
    total = time.perf_counter() - back
    print(
        f"  OMS back: first held order delivered after {first_at or total:.2f} s, "
        f"all {args.held} after {total:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300, help="Orders placed with the OMS up.")
    parser.add_argument("--held", type=int, default=300, help="Orders held while it is down.")
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--down-s", type=float, default=5.0)
    parser.add_argument("--breaker-reset-s", type=float, default=1.0)
    args = parser.parse_args()
    for name in ("COMPTOIR_REDIS_URL", "COMPTOIR_OUTBOX_URL"):
        os.environ.pop(name, None)
    work = Path(tempfile.mkdtemp(prefix="comptoir-bench-outbox-"))
    print(
        f"placeOrder, {os.cpu_count()} CPUs shared by the instances, PostgreSQL, the sources"
        " and the load generator"
    )
    try:
        with private_sources(work) as (data, proxy):
            common = source_env(proxy) | {"COMPTOIR_BREAKER_RESET_S": str(args.breaker_reset_s)}
            sqlite = [common | {"COMPTOIR_DATA_DIR": str(work / "sqlite")}]
            with _instances(sqlite) as urls:
                _measure("1 instance, SQLite outbox", urls, proxy, data, args)
            with PostgresServer(fsync=True) as postgres:
                shared = common | {"COMPTOIR_OUTBOX_URL": postgres.url}
                envs = [shared | {"COMPTOIR_DATA_DIR": str(work / f"pg-{n}")} for n in range(3)]
                with _instances(envs) as urls:
                    _measure("3 instances, PostgreSQL outbox", urls, proxy, data, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
