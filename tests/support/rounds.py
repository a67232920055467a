"""Counting upstream rounds: requests comptoir sends together, before it needs any answer.

:class:`RoundGate` is the transport of comptoir's source clients in a test
that runs comptoir in its own event loop. It holds every request; once the
requests already let through have been answered and comptoir has stopped
asking for more (the event loop turned many times with no new request), it
lets all the held ones through at once: one round. A page that needs an
answer before it can ask for something else takes one more round, whatever
the timing.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx

QUIET_TURNS = 200
"""Turns of the event loop with no new request after which comptoir waits on its sources."""


class RoundGate(httpx.AsyncBaseTransport):
    """Lets comptoir's upstream requests through round by round, and counts the rounds."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self._held: list[tuple[httpx.Request, asyncio.Future[None]]] = []
        self._in_flight = 0
        self._arrivals = 0
        self._arrived = asyncio.Event()
        self._answered = asyncio.Event()
        self._conductor: asyncio.Task[None] | None = None
        self.rounds: list[list[str]] = []
        """Each round's requests, as ``source path`` (e.g. ``/erp/prices``)."""
        self.asked: list[list[str]] = []
        """Each round's requests in the order comptoir asked for them."""

    def start(self) -> None:
        """Start letting rounds through (in the running event loop)."""
        self._conductor = asyncio.get_running_loop().create_task(self._conduct())

    async def stop(self) -> None:
        """Stop, and close the inner transport."""
        if self._conductor is not None:
            self._conductor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._conductor
        await self._inner.aclose()

    def reset(self) -> None:
        """Forget the rounds counted so far."""
        self.rounds = []
        self.asked = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Hold the request until its round, then send it and read the whole answer."""
        released: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._held.append((request, released))
        self._arrivals += 1
        self._arrived.set()
        await released
        try:
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
            await response.aclose()
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._answered.set()
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )

    async def aclose(self) -> None:
        """Each client closing leaves the shared transport to :meth:`stop`."""

    async def _conduct(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            while self._in_flight:
                self._answered.clear()
                await self._answered.wait()
            await self._quiet()
            if self._held:
                held, self._held = self._held, []
                self.rounds.append(sorted(r.url.path for r, _ in held))
                self.asked.append([r.url.path for r, _ in held])
                self._in_flight += len(held)
                for _, released in held:
                    released.set_result(None)

    async def _quiet(self) -> None:
        seen, turns = self._arrivals, 0
        while turns < QUIET_TURNS:
            await asyncio.sleep(0)
            if self._arrivals != seen or self._in_flight:
                seen, turns = self._arrivals, 0
            else:
                turns += 1
