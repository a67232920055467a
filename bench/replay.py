"""A fast implementation of the source contract for benchmarks: recorded answers, a set delay.

The first request for a URL is forwarded to the reference sources and its
answer kept; every later one is answered from memory after ``delay_s``, in
a process of its own. So the time a cold page takes is the delay per round
plus comptoir's own work, not the reference sources' SQLite reads.

    with ReplaySources(upstream_url) as replay:
        replay.set_delay(0.05)
        replay.url("erp")  # http://127.0.0.1:<port>/erp
"""

from __future__ import annotations

import asyncio
import multiprocessing
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import httpx


def _serve(upstream: str, ready: Connection) -> None:
    import socket

    import orjson
    import uvicorn

    recorded: dict[tuple[str, str, bytes, bytes], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}
    state: dict[str, Any] = {"delay_s": 0.0, "requests": 0}
    client = httpx.AsyncClient(base_url=upstream, timeout=30)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path, query = scope["path"], scope["query_string"]
        if path == "/_control":
            if scope["method"] == "POST":
                state["delay_s"] = float(orjson.loads(body)["delay_s"])
            answer = (200, [(b"content-type", b"application/json")], orjson.dumps(state))
        else:
            state["requests"] += 1
            key = (scope["method"], path, query, body)
            found = recorded.get(key)
            if found is None:
                headers = {k.decode(): v.decode() for k, v in scope["headers"]}
                upstream_answer = await client.request(
                    scope["method"],
                    path + ("?" + query.decode() if query else ""),
                    content=body,
                    headers={
                        k: v for k, v in headers.items() if k in {"content-type", "idempotency-key"}
                    },
                )
                kept = [
                    (k.encode(), v.encode())
                    for k, v in upstream_answer.headers.items()
                    if k.lower() in {"content-type", "cache-control"}
                ]
                found = (upstream_answer.status_code, kept, upstream_answer.content)
                if scope["method"] == "GET":
                    recorded[key] = found
            if state["delay_s"]:
                await asyncio.sleep(state["delay_s"])
            answer = found
        status, headers, content = answer
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*headers, (b"content-length", str(len(content)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": content})

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    ready.send(sock.getsockname()[1])
    ready.close()
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, loop="uvloop", http="httptools"
    )
    uvicorn.Server(config).run(sockets=[sock])


class ReplaySources:
    """The replaying sources in a child process."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe(duplex=False)
        self._process = context.Process(target=_serve, args=(upstream, child), daemon=True)
        self._process.start()
        child.close()
        if not parent.poll(30):
            raise RuntimeError("the replaying sources did not start")
        self.base = f"http://127.0.0.1:{parent.recv()}"
        for _ in range(300):
            try:
                httpx.get(f"{self.base}/_control", timeout=1)
                break
            except httpx.TransportError:
                import time

                time.sleep(0.05)

    def url(self, source: str) -> str:
        """The base URL comptoir uses for ``source``."""
        return f"{self.base}/{source}"

    def set_delay(self, delay_s: float) -> None:
        """Answer every request after ``delay_s``."""
        httpx.post(f"{self.base}/_control", json={"delay_s": delay_s}, timeout=5)

    def requests(self) -> int:
        """Requests answered so far."""
        count: int = httpx.get(f"{self.base}/_control", timeout=5).json()["requests"]
        return count

    def __enter__(self) -> ReplaySources:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._process.terminate()
        self._process.join(10)
