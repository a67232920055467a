"""Real HTTP servers for the tests: uvicorn in a background thread on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """Runs an ASGI app with uvicorn (lifespan on) in a thread until :meth:`stop`.

    ``http`` is uvicorn's HTTP protocol: its own by default; comptoir's
    (:class:`comptoir.balance.BalancedConnections`) to run comptoir as
    ``comptoir serve`` does.
    """

    def __init__(self, app: ASGIApp, port: int | None = None, *, http: Any = "auto") -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            access_log=False,
            http=http,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> ServerThread:
        """Start and wait until the server accepts connections (its lifespan has run)."""
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("server thread died while starting")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Ask the server to exit and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=30)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RequestCounter:
    """ASGI middleware counting requests per (first path segment, rest of path): ("erp", "/prices")."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counts: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()
        self.on_request: Callable[[Scope], Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _, source, *rest = scope["path"].split("/")
            with self.lock:
                self.counts[(source, "/" + "/".join(rest))] += 1
        await self.app(scope, receive, send)

    def reset(self) -> None:
        """Forget every count."""
        with self.lock:
            self.counts.clear()

    def total(self) -> int:
        """Requests counted since the last reset."""
        with self.lock:
            return sum(self.counts.values())

    def snapshot(self) -> dict[tuple[str, str], int]:
        """A copy of the counts."""
        with self.lock:
            return dict(self.counts)
