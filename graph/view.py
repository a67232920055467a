"""GraphiQL, served to a browser's ``GET /graphql``."""

from __future__ import annotations

import json
from typing import Any

from comptoir.graph.context import GraphContext
from comptoir.graph.state import AppState
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL


class GraphQLView(GraphQL[GraphContext, None]):
    """Strawberry's GraphiQL page, able to send `X-Channel-Key`."""

    def __init__(self, state: AppState, **kwargs: Any) -> None:
        super().__init__(kwargs.pop("schema"), **kwargs)
        self.state = state

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL, its headers editor opened on an `X-Channel-Key` to fill in."""
        channels = self.state.channels.channels
        demo_key = channels[0].key if self.state.settings.channels is None and channels else ""
        headers = json.dumps(json.dumps({"X-Channel-Key": demo_key}, indent=2))
        html = self.graphql_ide_html.replace(
            "React.useState(parameters.headers)", f"React.useState(parameters.headers || {headers})"
        ).replace("Strawberry GraphiQL", "comptoir GraphiQL")
        return HTMLResponse(html)

    async def ide(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the page."""
        response = await self.render_graphql_ide(Request(scope, receive))
        await response(scope, receive, send)
