"""aiohttp to a real server: what it counts of the requests it writes, whatever their outcome."""

from __future__ import annotations

import asyncio

from comptoir.sources.upstream import WRITES, AiohttpUpstream, UpstreamUnreachable
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import ServerThread, free_port


async def _slow(request: Request) -> JSONResponse:
    await asyncio.sleep(0.2)
    return JSONResponse({"ok": True})


async def test_a_request_counts_as_written_once_it_is_sent_not_once_it_is_answered() -> None:
    with ServerThread(Starlette(routes=[Route("/slow", _slow)])) as server:
        upstream = AiohttpUpstream(server.url, token=None, timeout_s=5, max_connections=4)
        try:
            started = WRITES.started
            call = asyncio.ensure_future(upstream.request("GET", "slow"))
            for _ in range(500):
                await asyncio.sleep(0.001)
                if WRITES.started > started and WRITES.unwritten == 0:
                    break
            assert WRITES.started == started + 1 and WRITES.unwritten == 0
            assert not call.done()  # written, still waiting for the answer
            assert (await call).status_code == 200
            assert WRITES.unwritten == 0
        finally:
            await upstream.aclose()


async def test_a_request_that_cannot_be_sent_is_not_left_counted_as_unwritten() -> None:
    upstream = AiohttpUpstream(
        f"http://127.0.0.1:{free_port()}", token=None, timeout_s=5, max_connections=4
    )
    try:
        started = WRITES.started
        try:
            await upstream.request("GET", "nothing-listens-here")
        except UpstreamUnreachable:
            pass
        else:
            raise AssertionError("a closed port answered")
        assert WRITES.started == started + 1
        assert WRITES.unwritten == 0
    finally:
        await upstream.aclose()
