"""Benchmark of comptoir on the category-page query (prints figures; not a test).

    python bench/run.py [--scale full|small] [--seconds 10] [--workers 2] [--data-dir DIR]

The reference sources (with a request counter) and a fault proxy run in this
process; comptoir runs as a separate uvicorn process (one worker) so that the
load generator does not share its interpreter lock. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from comptoir.sources.registry import SOURCES  # noqa: E402

from comptoir.channels import demo_channels_text  # noqa: E402
from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.support.fault_proxy import FaultProxy  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.servers import RequestCounter, ServerThread, free_port  # noqa: E402

HEADERS = {"X-Channel-Key": "demo-web-key"}
CONCURRENCY = 16
PLP_VARS: dict[str, Any] = {"first": 24}

# Product names and variant prices only: needs neither the dam nor stock.
LIGHT_QUERY = """
query Light($first: Int, $after: String) {
  productSearch(first: $first, after: $after) {
    edges { node { id name variants { sku price { amount { amount currencyCode } } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PAGES_QUERY = """
query Pages($first: Int, $after: String) {
  productSearch(first: $first, after: $after) { pageInfo { hasNextPage endCursor } }
}
"""


# --------------------------------------------------------------------------- comptoir process

BENCH_RATE_LIMIT = 10**15
"""Each channel's budget of cost per window in the benchmarks: more than any run spends."""


def bench_channels(folder: Path) -> Path:
    """The demo channels file, each channel's budget raised to :data:`BENCH_RATE_LIMIT`.

    The demo's public channels may spend 30 million of cost a minute (the
    default), about 300 executed category pages a second: a fast machine goes
    past that, and the answers then refused (HTTP 429) would be counted as
    errors, or as throughput. The budget is still counted, as deployed.
    """
    lines = []
    for line in demo_channels_text().splitlines():
        lines.append(line)
        if line.startswith("[channels."):
            lines.append(f"rate_limit = {BENCH_RATE_LIMIT}")
    path = folder / "bench-channels.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


class SourceUrls(Protocol):
    """Where comptoir finds its sources: a fault proxy, a replay, or :class:`BaseUrls`."""

    def url(self, source: str) -> str:
        """The base URL of ``source``."""
        ...


class BaseUrls:
    """Every source under one base URL, as the reference sources serve them (``<base>/<source>``)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def url(self, source: str) -> str:
        """The base URL of ``source``."""
        return f"{self.base}/{source}"


class ComptoirProcess:
    """``comptoir serve`` (one worker unless told otherwise) against ``proxy``'s sources, in a process of its own."""

    def __init__(
        self,
        proxy: SourceUrls,
        data_dir: Path,
        redis_url: str | None = None,
        *,
        workers: int = 1,
        response_cache: bool = True,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ)
        for name in SOURCES.names():
            env[f"COMPTOIR_{name.upper()}_URL"] = proxy.url(name)
        env["COMPTOIR_DATA_DIR"] = str(data_dir)
        env["COMPTOIR_JWT_SECRET"] = "bench-secret-bench-secret-bench-secret-0123"  # noqa: S105  # a throwaway secret of the benchmark
        if redis_url:
            env["COMPTOIR_REDIS_URL"] = redis_url
        else:
            env.pop("COMPTOIR_REDIS_URL", None)
        env["COMPTOIR_RESPONSE_CACHE"] = "on" if response_cache else "off"
        env.setdefault("COMPTOIR_CHANNELS", str(bench_channels(data_dir)))
        # As deployed: ``comptoir serve`` (its HTTP protocol and event loop), one worker or N.
        command = [
            sys.executable,
            "-c",
            "from comptoir.cli import app; app()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(command, env=env, cwd=str(ROOT))  # noqa: S603
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"comptoir exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("comptoir did not start")
            time.sleep(0.05)

    def pids(self) -> list[int]:
        """comptoir's process and its workers (children), if any."""
        found = [self.proc.pid]
        for pid in found:
            for task in Path(f"/proc/{pid}/task").iterdir():
                children = (task / "children").read_text().split()
                found.extend(int(child) for child in children)
        return found

    def peak_rss_mib(self) -> float:
        """``VmHWM`` summed over comptoir's processes."""
        total = 0
        for pid in self.pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def comptoir(
    proxy: FaultProxy,
    data_dir: Path,
    redis_url: str | None = None,
    *,
    workers: int = 1,
    response_cache: bool = True,
) -> Iterator[ComptoirProcess]:
    process = ComptoirProcess(
        proxy, data_dir, redis_url, workers=workers, response_cache=response_cache
    )
    try:
        yield process
    finally:
        process.stop()


# --------------------------------------------------------------------------- load


def post(client: httpx.Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=HEADERS
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def check(body: dict[str, Any], what: str) -> None:
    if body.get("errors"):
        raise RuntimeError(f"{what}: errors in answer: {body['errors'][:2]}")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def _load(
    url: str,
    seconds: float,
    workloads: list[tuple[int, str, list[dict[str, Any]], str]],
) -> dict[str, dict[str, Any]]:
    """Run workers for ``seconds``; each workload is (workers, query, variables to cycle, label).

    The workers share one aiohttp session (keep-alive connections): a tenth of
    httpx's CPU per request, so that the load generator, which shares the
    machine, is not what limits a stored answer's throughput.
    """
    results: dict[str, dict[str, Any]] = {
        label: {"lat": [], "errors": 0, "partial": 0} for _, _, _, label in workloads
    }
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(
        base_url=url, headers=HEADERS, connector=connector, timeout=aiohttp.ClientTimeout(30)
    ) as session:
        stop_at = time.perf_counter() + seconds

        async def worker(
            index: int, query: str, variables: list[dict[str, Any]], label: str
        ) -> None:
            i = index
            out = results[label]
            while time.perf_counter() < stop_at:
                body = {"query": query, "variables": variables[i % len(variables)]}
                started = time.perf_counter()
                try:
                    async with session.post("/graphql", json=body) as response:
                        content = await response.read()
                    elapsed = time.perf_counter() - started
                    if response.status != 200:
                        out["errors"] += 1
                    else:
                        if b'"errors"' in content:
                            out["partial"] += 1
                        out["lat"].append(elapsed)
                except (aiohttp.ClientError, TimeoutError):
                    out["errors"] += 1
                i += 1

        started = time.perf_counter()
        await asyncio.gather(
            *(
                worker(n, query, variables, label)
                for workers, query, variables, label in workloads
                for n in range(workers)
            )
        )
        wall = time.perf_counter() - started
    for out in results.values():
        out["rps"] = len(out["lat"]) / wall
    return results


def load(
    url: str, seconds: float, workloads: list[tuple[int, str, list[dict[str, Any]], str]]
) -> dict[str, dict[str, Any]]:
    return asyncio.run(_load(url, seconds, workloads))


def fmt_load(r: dict[str, Any]) -> str:
    text = (
        f"{r['rps']:8.1f} req/s   p50 {pct(r['lat'], 50) * 1000:7.2f} ms"
        f"   p99 {pct(r['lat'], 99) * 1000:7.2f} ms"
    )
    if r["errors"] or r["partial"]:
        text += f"   (failed {r['errors']}, with errors {r['partial']})"
    return text


# --------------------------------------------------------------------------- the benchmark


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=("full", "small"), default="full")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each load phase")
    parser.add_argument("--cold-runs", type=int, default=10)
    parser.add_argument(
        "--workers", type=int, default=2, help="workers of the response-cache-off leg"
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    args = parser.parse_args()
    seconds = args.seconds

    scale = DemoScale.full() if args.scale == "full" else DemoScale.small()
    t0 = time.perf_counter()
    data = ensure_demo_data(args.data_dir / args.scale, scale, progress=True)
    print(
        f"demo data: {args.scale} ({scale.products} products), ready in {time.perf_counter() - t0:.1f} s"
    )
    print(
        f"load: {CONCURRENCY} concurrent workers, {seconds:g} s per phase, {os.cpu_count()} CPUs shared by all"
    )
    print()

    counter = RequestCounter(build_reference_app(data, {}))
    reference = ServerThread(counter).start()
    proxy = FaultProxy(upstream=reference.url).start()
    redis = RedisServer().start()
    workdir = args.data_dir / "run"
    workdir.mkdir(parents=True, exist_ok=True)

    def reset_faults() -> None:
        for name in SOURCES.names():
            fault = proxy.fault(name)
            fault.down, fault.delay_s, fault.max_age = False, 0.0, None

    try:
        # 1. upstream requests, cold and warm -----------------------------------------
        print("1. Upstream requests for one category page (24 products)")
        with comptoir(proxy, workdir) as c, httpx.Client(base_url=c.url, timeout=30) as client:
            counter.reset()
            check(post(client, PLP_QUERY, PLP_VARS), "cold PLP")
            cold = counter.snapshot()
            counter.reset()
            check(post(client, PLP_QUERY, PLP_VARS), "warm PLP")
            warm = counter.snapshot()
            print(
                f"   cold: {sum(cold.values()):3d} requests  "
                + ", ".join(f"{s}{p} {n}" for (s, p), n in sorted(cold.items()))
            )
            print(
                f"   warm: {sum(warm.values()):3d} requests  "
                + ", ".join(f"{s}{p} {n}" for (s, p), n in sorted(warm.items()))
            )
            # Cursors of the first pages, for the phases that need distinct (cold) pages.
            cursors: list[str | None] = [None]
            while len(cursors) < 40:
                page = post(client, PAGES_QUERY, {"first": 24, "after": cursors[-1]})
                check(page, "pages")
                info = page["data"]["productSearch"]["pageInfo"]
                if not info["hasNextPage"]:
                    break
                cursors.append(info["endCursor"])
        print()

        # 2. warm throughput: response cache on and off, memory and Redis, 1 and 2 workers;
        #    4b. all sources down -----------------------------------------------------------
        print(f"2. Warm category page, concurrency {CONCURRENCY}")
        plp = [(CONCURRENCY, PLP_QUERY, [PLP_VARS], "plp")]

        def warm(redis_url: str | None, workers: int, response_cache: bool) -> dict[str, Any]:
            with (
                comptoir(
                    proxy, workdir, redis_url, workers=workers, response_cache=response_cache
                ) as c,
                httpx.Client(base_url=c.url, timeout=30) as client,
            ):
                for _ in range(workers * 4):  # every worker has read the page once
                    check(post(client, PLP_QUERY, PLP_VARS), "warm-up")
                load(c.url, min(2.0, seconds), plp)  # warm the processes up
                result = load(c.url, seconds, plp)["plp"]
                result["rss"] = c.peak_rss_mib()
                return result

        memory: dict[str, Any] = {}
        for response_cache, workers in ((True, 1), (False, 1), (False, args.workers)):
            legs = {"memory": warm(None, workers, response_cache)}
            legs["redis"] = warm(redis.url, workers, response_cache)
            if (response_cache, workers) == (True, 1):
                memory = legs["memory"]
            title = (
                f"   response cache {'on ' if response_cache else 'off'}, "
                f"{workers} worker{'s' if workers > 1 else ' '}"
            )
            for backend, result in legs.items():
                print(
                    f"{title}, {backend:<6}: {fmt_load(result)}   peak RSS {result['rss']:.0f} MiB"
                )
            share = legs["redis"]["rps"] / legs["memory"]["rps"]
            print(f"{title}: Redis/in-process throughput {share:.2f}   (target >= 0.85)")
        with comptoir(proxy, workdir) as c, httpx.Client(base_url=c.url, timeout=30) as client:
            check(post(client, PLP_QUERY, PLP_VARS), "warm-up")
            for name in SOURCES.names():
                proxy.fault(name).down = True
            counter.reset()
            down = load(c.url, seconds, plp)["plp"]
            reached = sum(proxy.counts.values())
            reset_faults()
        print()

        # 3. cold latency with 50 ms per upstream request --------------------------------
        print("3. Cold category page, 50 ms added to every upstream request")

        def cold_runs(runs: int) -> tuple[list[float], list[int]]:
            times: list[float] = []
            counts: list[int] = []
            for _ in range(runs):
                with (
                    comptoir(proxy, workdir) as c,
                    httpx.Client(base_url=c.url, timeout=30) as client,
                ):
                    # The process is warm, its cache empty.
                    check(post(client, "{ __typename }", {}), "warm-up")
                    counter.reset()
                    started = time.perf_counter()
                    check(post(client, PLP_QUERY, PLP_VARS), "cold PLP")
                    times.append(time.perf_counter() - started)
                    counts.append(counter.total())
            return times, counts

        no_delay, _ = cold_runs(max(3, args.cold_runs // 2))
        for name in SOURCES.names():
            proxy.fault(name).delay_s = 0.05
        colds, upstream_counts = cold_runs(args.cold_runs)
        reset_faults()
        print(
            f"   without added delay: median {statistics.median(no_delay) * 1000:.1f} ms "
            f"({len(no_delay)} cold runs)"
        )
        floor = 2 * 0.05
        median = statistics.median(colds)
        print(
            f"   median of {len(colds)} cold runs (fresh process each): {median * 1000:.1f} ms "
            f"(min {min(colds) * 1000:.1f}, max {max(colds) * 1000:.1f}), "
            f"{statistics.median(upstream_counts):.0f} upstream requests"
        )
        print(f"   ratio to the 2 x 50 ms floor: {median / floor:.2f}   (target <= 1.15)")
        print()

        # 4. resilience -------------------------------------------------------------------
        print("4. Resilience")
        light = [{"first": 24, "after": cur} for cur in cursors]
        heavy = [{"first": 24, "after": cur} for cur in reversed(cursors)]
        mixed = [
            (CONCURRENCY, LIGHT_QUERY, light, "light"),
            (4, PLP_QUERY, heavy, "plp"),
        ]
        with comptoir(proxy, workdir) as c:
            base = load(c.url, seconds, mixed)
        proxy.fault("dam").delay_s = 2.0
        dam_before = proxy.reached("dam")
        with comptoir(proxy, workdir) as c:
            slow = load(c.url, seconds, mixed)
        dam_calls = proxy.reached("dam") - dam_before
        reset_faults()
        print(
            f"   names+prices query ({CONCURRENCY} workers over {len(cursors)} pages, fresh cache) "
            f"next to 4 workers on category pages:"
        )
        print(f"     baseline:        {fmt_load(base['light'])}")
        print(f"     dam at 2 s:      {fmt_load(slow['light'])}   ({dam_calls} dam requests)")
        ratio = pct(slow["light"]["lat"], 99) / pct(base["light"]["lat"], 99)
        print(f"     p99 ratio: {ratio:.2f}   (target <= 1.2)")
        print(f"     category pages alongside: baseline {fmt_load(base['plp'])}")
        print(f"                               dam 2 s  {fmt_load(slow['plp'])}")
        share = down["rps"] / memory["rps"]
        print(f"   every source down, warm cache: {fmt_load(down)}   ({reached} upstream attempts)")
        print(f"     throughput vs normal warm: {share * 100:.0f} %   (target >= 90 %)")
    finally:
        proxy.stop()
        reference.stop()
        redis.close()


if __name__ == "__main__":
    main()
