"""`/graphql`: the gate (body size, channel key, shopper token) in front of strawberry's ASGI view."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from comptoir.graph.context import GraphContext
from comptoir.graph.state import AppState
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.registry import Loaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from comptoir.auth import InvalidShopperToken
from comptoir.metrics import GRAPHQL_LATENCY, GRAPHQL_REQUESTS

IDENTITY = "comptoir.identity"


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


class GraphQLView(GraphQL[GraphContext, None]):
    """Strawberry's view, with comptoir's context and a GraphiQL that can send `X-Channel-Key`."""

    def __init__(self, state: AppState, **kwargs: Any) -> None:
        super().__init__(kwargs.pop("schema"), **kwargs)
        self.state = state

    async def get_context(self, request: Any, response: Any) -> GraphContext:
        """The request's channel, shopper, loaders and degraded report."""
        channel, shopper_id = request.scope[IDENTITY]
        report = DegradedReport()
        settings = self.state.settings
        scope = RequestScope(
            channel=channel,
            shopper_id=self.state.shopper_of(shopper_id),
            loaders=Loaders(self.state.sources, report),
            now=datetime.now(UTC),
            max_page_size=settings.max_page_size,
        )
        return GraphContext(scope=scope, report=report, app=self.state, locale=channel.locale)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL, its headers editor opened on an `X-Channel-Key` to fill in."""
        channels = self.state.channels.channels
        demo_key = channels[0].key if self.state.settings.channels is None and channels else ""
        headers = json.dumps(json.dumps({"X-Channel-Key": demo_key}, indent=2))
        html = self.graphql_ide_html.replace(
            "React.useState(parameters.headers)", f"React.useState(parameters.headers || {headers})"
        ).replace("Strawberry GraphiQL", "comptoir GraphiQL")
        return HTMLResponse(html)


class GraphQLGate:
    """Checks what must hold before any GraphQL work: body size, channel key, shopper token."""

    def __init__(self, state: AppState, view: GraphQLView) -> None:
        self.state = state
        self.view = view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413/401 early, or hand the request to strawberry with its identity."""
        request = Request(scope, receive)
        if self._wants_ide(request):
            await (await self.view.render_graphql_ide(request))(scope, receive, send)
            return
        started = time.perf_counter()
        response, receive = await self._check(request, receive)
        if response is not None:
            GRAPHQL_REQUESTS.labels("rejected").inc()
            await response(scope, receive, send)
            return
        await self.view(scope, receive, send)
        GRAPHQL_LATENCY.observe(time.perf_counter() - started)
        GRAPHQL_REQUESTS.labels("served").inc()

    @staticmethod
    def _wants_ide(request: Request) -> bool:
        return (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def _check(self, request: Request, receive: Receive) -> tuple[Response | None, Receive]:
        settings = self.state.settings
        limit = settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return _error(413, "REQUEST_TOO_LARGE", f"request body over {limit} bytes"), receive
        channel = self.state.channels.by_key(request.headers.get("x-channel-key"))
        if channel is None:
            return _error(401, "UNAUTHENTICATED", "missing or unknown X-Channel-Key"), receive
        shopper_id, problem = self._shopper(request)
        if problem is not None:
            return _error(401, "UNAUTHENTICATED", problem, {"WWW-Authenticate": "Bearer"}), receive
        body = b""
        if request.method == "POST":
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    return _error(
                        413, "REQUEST_TOO_LARGE", f"request body over {limit} bytes"
                    ), receive
        request.scope[IDENTITY] = (channel, shopper_id)
        return None, _replay(body)

    def _shopper(self, request: Request) -> tuple[str | None, str | None]:
        header = request.headers.get("authorization")
        if not header:
            return None, None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, "Authorization must be `Bearer <token>`"
        try:
            return self.state.tokens.verify(token.strip()), None
        except InvalidShopperToken as exc:
            return None, f"invalid shopper token: {exc}"


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands the already-read body to strawberry."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive
