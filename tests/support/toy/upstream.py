"""The toy source's server: ``GET /widgets?ids=`` behind a bearer token, counting requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

WIDGETS = {f"W-{n}": {"id": f"W-{n}", "label": f"widget {n}"} for n in range(1, 6)}


@dataclass
class ToyUpstream:
    """The widgets, the token they need, and what was asked of them."""

    token: str
    asked: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        """The ASGI app."""

        async def widgets(request: Request) -> JSONResponse:
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return JSONResponse({"error": "unauthorized", "message": "token"}, 401)
            ids = request.query_params["ids"].split(",")
            with self.lock:
                self.asked.append(ids)
            items = [WIDGETS[i] for i in ids if i in WIDGETS]
            return JSONResponse({"items": items}, headers={"Cache-Control": "max-age=60"})

        return Starlette(routes=[Route("/widgets", widgets)])

    def requests(self) -> list[list[str]]:
        """The ids of each request so far."""
        with self.lock:
            return [list(ids) for ids in self.asked]
