"""The attacks of the security review, against a running comptoir (prints figures; not a test).

    python bench/attack.py [--url http://127.0.0.1:8000] [--key demo-web-key] [--slow 200]

Without ``--url`` it starts its own: the reference sources on the small demo
data in this process, and ``comptoir serve`` (one worker, its default read
deadlines) in its own process. Each probe is sent again and again for half a
second; it prints the HTTP status (and the error code), the median time of an
answer and its size, and ``/healthz`` latency meanwhile (median and worst),
polled on new connections every 20 ms by a process of its own. Then slow
clients: ``--slow`` connections trickling their headers, and a tenth as many
trickling a body: how long until comptoir closes them.

The probes reproduce what an attacker found (each one ``curl`` away): ids and
search text of 64 KiB, bodies that are not a GraphQL request, JSON nested
100,000 deep, 20,000 `_entities` representations, a field suggestion, a token
carrying ``aud``, slow headers and bodies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from comptoir.sources.registry import SOURCES  # noqa: E402

from comptoir.settings import DEMO_JWT_SECRET  # noqa: E402
from tests.security.probes import (  # noqa: E402
    BAD_BODIES,
    ENTITIES,
    INPUT_TYPO,
    LONG,
    PRODUCT_BY_ID,
    SEARCH,
    body,
    representations,
)
from tests.support.processes import wait_for  # noqa: E402
from tests.support.servers import ServerThread, free_port  # noqa: E402

SECRET = "attack-bench-secret-attack-bench-secret-0123"  # noqa: S105  # a throwaway secret of the benchmark


@contextlib.contextmanager
def own_comptoir() -> Iterator[str]:
    """The reference sources here, ``comptoir serve`` in its own process; yields its URL."""
    data = ensure_demo_data(ROOT / ".comptoir" / "bench" / "small", DemoScale.small())
    with ServerThread(build_reference_app(data, {})) as sources:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
        env |= {f"COMPTOIR_{n.upper()}_URL": f"{sources.url}/{n}" for n in SOURCES.names()}
        env |= {
            "COMPTOIR_JWT_SECRET": SECRET,
            "COMPTOIR_DATA_DIR": str(ROOT / ".comptoir" / "bench" / "attack"),
        }
        command = [sys.executable, "-m", "comptoir.cli", "serve", "--port", str(port)]
        process = subprocess.Popen([*command, "--log-level", "warning"], env=env)  # noqa: S603
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _up(url), timeout_s=60)
            yield url
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _poll_healthz(url: str, stop: Any, out: Any) -> None:
    """In a process of its own: ``/healthz`` on a new connection every 20 ms until ``stop``."""
    samples = []
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            started = time.monotonic()
            client.get(f"{url}/healthz", headers={"Connection": "close"})
            samples.append((started, time.monotonic() - started))
            stop.wait(0.02)
    out.send(samples)


class HealthzPoller:
    """``/healthz`` polled from another process for the whole run (the attacks' own work apart).

    Each probe notes its window (``time.monotonic``, the same clock in every
    process); the latencies of the polls that started in it are read at the end.
    """

    def __init__(self, url: str) -> None:
        self._stop = multiprocessing.Event()
        self._receive, send = multiprocessing.Pipe(duplex=False)
        self._process = multiprocessing.Process(
            target=_poll_healthz, args=(url, self._stop, send), daemon=True
        )
        self.samples: list[tuple[float, float]] = []

    def __enter__(self) -> HealthzPoller:
        self._process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.samples = self._receive.recv()
        self._process.join(10)

    def during(self, window: tuple[float, float]) -> list[float]:
        """The latencies of the polls started within ``window``."""
        return [latency for at, latency in self.samples if window[0] <= at <= window[1]]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def health(latencies: list[float]) -> str:
    if not latencies:
        return "healthz -"
    ordered = sorted(latencies)
    return f"healthz p50 {ms(ordered[len(ordered) // 2])} max {ms(ordered[-1])} (n={len(ordered)})"


def outcome(response: httpx.Response) -> str:
    """The status and the first error code, and whether a suggestion leaked."""
    code = ""
    with contextlib.suppress(ValueError, KeyError, IndexError, TypeError):
        errors = response.json().get("errors") or []
        codes = sorted({e["extensions"]["code"] for e in errors})
        code = ",".join(codes) if codes else "no error"
    leak = " SUGGESTION LEAKED" if b"Did you mean" in response.content else ""
    return f"{response.status_code} {code}{leak}"


Row = tuple[str, str, tuple[float, float]]
"""A probe's name, what it got, and its window (for /healthz meanwhile)."""


async def probe(
    url: str, key: str, name: str, send: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]
) -> Row:
    """``send`` again and again for at least half a second: its answer and median time."""
    async with httpx.AsyncClient(
        base_url=url, timeout=60, headers={"X-Channel-Key": key}
    ) as client:
        began = time.monotonic()
        times = []
        while len(times) < 3 or time.monotonic() - began < 0.5:
            started = time.perf_counter()
            response = await send(client)
            times.append(time.perf_counter() - started)
        window = (began, time.monotonic())
    took = sorted(times)[len(times) // 2]
    size = len(response.content)
    return name, f"{outcome(response):<34} {ms(took):>8} {size:>8} B", window


def post_json(query: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
    return lambda c: c.post(
        "/graphql",
        content=body(query, variables),
        headers={"Content-Type": "application/json", **headers},
    )


def post_raw(raw: bytes) -> Any:
    return lambda c: c.post("/graphql", content=raw, headers={"Content-Type": "application/json"})


def concurrent(send: Any, n: int) -> Any:
    async def both(client: httpx.AsyncClient) -> httpx.Response:
        answers = await asyncio.gather(*(send(client) for _ in range(n)))
        return max(answers, key=lambda r: r.status_code)

    return both


async def slow_connection(
    host: str, port: int, first: bytes, trickle: bytes, bound_s: float
) -> float:
    """Seconds until the server closes a connection that sends ``first`` then ``trickle`` every 200 ms."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(first)
    received = asyncio.ensure_future(reader.read())
    try:
        while not received.done() and time.perf_counter() - started < bound_s:
            await asyncio.wait([received], timeout=0.2)
            if not received.done():
                try:
                    writer.write(trickle)
                    await writer.drain()
                except ConnectionError:
                    break
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            if not received.done():
                received.cancel()
            await received
    finally:
        writer.close()
    return time.perf_counter() - started


async def slow_clients(url: str, key: str, count: int, bound_s: float) -> list[Row]:
    """``count`` connections trickling headers, then a tenth as many trickling a body."""
    host, port = url.removeprefix("http://").split(":")
    headers = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    post = (
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Channel-Key: "
        + key.encode()
        + b"\r\nContent-Length: 100000\r\n\r\n{"
    )
    rows = []
    for name, first, trickle, n in (
        (f"{count} connections trickling headers", headers, b"X-Slow: 1\r\n", count),
        (f"{max(count // 10, 1)} connections trickling a body", post, b" ", max(count // 10, 1)),
    ):
        began = time.monotonic()
        lived = sorted(
            await asyncio.gather(
                *(slow_connection(host, int(port), first, trickle, bound_s) for _ in range(n))
            )
        )
        still = sum(1 for s in lived if s >= bound_s)
        got = (
            f"closed after p50 {lived[len(lived) // 2]:.1f} s, max {lived[-1]:.1f} s"
            f" ({still} open at {bound_s:.0f} s)"
        )
        rows.append((name, f"{got:<62}", (began, time.monotonic())))
    return rows


async def attack(url: str, key: str, secret: str, slow: int, bound_s: float) -> None:
    rows = []
    with HealthzPoller(url) as poller:
        for name, send in probes(secret):
            rows.append(await probe(url, key, name, send))
        rows.extend(await slow_clients(url, key, slow, bound_s))
    print(f"{'probe':<44} {'answer':<34} {'time':>8} {'size':>10}   /healthz meanwhile")
    for name, got, window in rows:
        print(f"{name:<44} {got}   {health(poller.during(window))}")
    async with httpx.AsyncClient(timeout=10) as client:
        ready = (await client.get(f"{url}/readyz")).json()
    states = {name: s["state"] for name, s in ready.get("sources", {}).items()}
    print(f"after the probes: /readyz {ready.get('status')}, breakers {json.dumps(states)}")


def probes(secret: str) -> list[tuple[str, Any]]:
    """Each probe's name and how it is sent."""
    token = jwt.encode(
        {"sub": "CU-100001", "exp": int(time.time()) + 600, "aud": "https://id.example.com"},
        secret,
        "HS256",
    )
    hundred = post_json(ENTITIES, {"r": representations(100)})
    return [
        ("product(id:) of 64 KiB in variables", post_json(PRODUCT_BY_ID, {"id": LONG})),
        ("product(id:) of 64 KiB inline", post_json(f'{{ product(id: "{LONG}") {{ id }} }}')),
        ("productSearch(query:) of 64 KiB", post_json(SEARCH, {"q": LONG})),
        *((f"body: {name}", post_raw(raw)) for name, raw in BAD_BODIES.items()),
        ("_entities: 20,000 unknown orders", post_json(ENTITIES, {"r": representations(20_000)})),
        ("_entities: 101 unknown orders", post_json(ENTITIES, {"r": representations(101)})),
        ("_entities: 100 unknown orders, 2 at once", concurrent(hundred, 2)),
        ("input field typo (suggestion?)", post_json(INPUT_TYPO)),
        (
            "token with aud, no audience configured",
            post_json("{ me { id } }", Authorization=f"Bearer {token}"),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running comptoir (default: start one)")
    parser.add_argument("--key", default="demo-web-key", help="X-Channel-Key of a public channel")
    parser.add_argument(
        "--secret",
        default=os.environ.get("COMPTOIR_JWT_SECRET", DEMO_JWT_SECRET),
        help="HS256 secret of the running comptoir's shopper tokens (with --url)",
    )
    parser.add_argument("--slow", type=int, default=200, help="slow-header connections")
    parser.add_argument(
        "--bound-s", type=float, default=35.0, help="give up on a slow connection after"
    )
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} CPUs; the probes, /healthz polling and (without --url) the sources share them"
    )
    if args.url:
        asyncio.run(attack(args.url.rstrip("/"), args.key, args.secret, args.slow, args.bound_s))
        return
    with own_comptoir() as url:
        asyncio.run(attack(url, args.key, SECRET, args.slow, args.bound_s))


if __name__ == "__main__":
    main()
