"""GraphiQL, served to a browser's ``GET /graphql``."""

from __future__ import annotations

from typing import Any

from comptoir.graph.context import GraphContext
from comptoir.graph.graphiql import graphiql_page
from comptoir.graph.state import AppState
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL


class GraphQLView(GraphQL[GraphContext, None]):
    """comptoir's own GraphiQL page, able to send `X-Channel-Key`."""

    def __init__(self, state: AppState, **kwargs: Any) -> None:
        super().__init__(kwargs.pop("schema"), **kwargs)
        self.state = state

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """comptoir's GraphiQL; its Headers tab holds the demo web key with the demo channels."""
        channels = self.state.channels.channels
        demo_key = channels[0].key if self.state.settings.channels is None and channels else ""
        return graphiql_page(demo_key or None)

    async def ide(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the page."""
        response = await self.render_graphql_ide(Request(scope, receive))
        await response(scope, receive, send)
