"""An HTTP proxy in front of the reference sources that can take a source down, slow it or shorten freshness."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import ServerThread


@dataclass
class SourceFault:
    """What the proxy does to one source."""

    down: bool = False
    delay_s: float = 0.0
    max_age: int | None = None


@dataclass
class FaultProxy:
    """Forwards `/{source}/...` to the reference sources, applying each source's fault."""

    upstream: str
    faults: dict[str, SourceFault] = field(default_factory=dict)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    answers: Counter[tuple[str, str]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ServerThread | None = None

    def fault(self, source: str) -> SourceFault:
        """The (mutable) fault of one source."""
        return self.faults.setdefault(source, SourceFault())

    def url(self, source: str) -> str:
        """The base URL comptoir should use for ``source``."""
        assert self.server is not None
        return f"{self.server.url}/{source}"

    def reached(self, source: str, path: str | None = None) -> int:
        """Requests that reached (or would have reached) ``source``."""
        with self.lock:
            return sum(
                n
                for (s, p), n in self.counts.items()
                if s == source and (path is None or p == path)
            )

    def answered(self, source: str, path: str) -> int:
        """Requests to ``source`` at ``path`` the proxy has answered (after any delay)."""
        with self.lock:
            return self.answers[(source, path)]

    def reset(self) -> None:
        """Forget the counts."""
        with self.lock:
            self.counts.clear()
            self.answers.clear()

    def start(self) -> FaultProxy:
        """Serve on a free port."""
        client = httpx.AsyncClient(base_url=self.upstream, timeout=30)

        async def forward(request: Request) -> Response:
            source = request.path_params["source"]
            path = "/" + request.path_params["path"]
            with self.lock:
                self.counts[(source, path)] += 1
            response = await answer(request, source, path)
            with self.lock:
                self.answers[(source, path)] += 1
            return response

        async def answer(request: Request, source: str, path: str) -> Response:
            fault = self.fault(source)
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            if fault.down:
                return JSONResponse(
                    {"error": "unavailable", "message": "down for a test"}, status_code=503
                )
            upstream = await client.request(
                request.method,
                f"/{source}{path}",
                params=request.query_params,
                content=await request.body(),
                headers={
                    k: v
                    for k, v in request.headers.items()
                    if k.lower() not in {"host", "content-length"}
                },
            )
            headers = {
                k: v
                for k, v in upstream.headers.items()
                if k.lower() in {"content-type", "cache-control"}
            }
            if fault.max_age is not None and "cache-control" in headers:
                headers["cache-control"] = f"max-age={fault.max_age}"
            return Response(upstream.content, status_code=upstream.status_code, headers=headers)

        app = Starlette(routes=[Route("/{source}/{path:path}", forward, methods=["GET", "POST"])])
        self.server = ServerThread(app).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.stop()
