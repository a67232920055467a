"""CORS on `/graphql`, per channel: the origins a channel's block lists (`allowed_origins`).

A browser asks first (a preflight: ``OPTIONS`` with ``Origin`` and
``Access-Control-Request-Method``) whenever a page of another origin sends
`X-Channel-Key`, and a preflight never carries that header — so it cannot name
its channel. comptoir answers a preflight for any origin that **some** channel
lists, allowing `GET` and `POST` with the headers comptoir reads
(:data:`ALLOWED_HEADERS`), and credentials when one of the channels listing the
origin allows them. The request itself then carries the key, and its answer
carries CORS headers only when **that** channel lists the origin (credentials
only when that channel allows them): a page can read the answers of the
channels that list its origin, and of no other. An answer refused before a
channel is known (no key, an unknown key) carries them for any listed origin,
so that the page can read why.

With no channel listing an origin, nothing changes: no CORS header is ever
sent, a preflight is refused (``403``) and an ``OPTIONS`` without one answers
``204`` with ``Allow``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comptoir.channels import ChannelRegistry

ALLOWED_METHODS: Final = b"GET, POST"
ALLOWED_HEADERS: Final = (
    b"Authorization, Content-Type, If-None-Match, X-Channel-Key, traceparent, tracestate"
)
EXPOSED_HEADERS: Final = b"ETag, X-Comptoir-Cache"
PREFLIGHT_MAX_AGE_S: Final = b"600"
VARY_ORIGIN: Final = (b"vary", b"Origin")

CORS_ADDED: Final = "comptoir.cors_added"
"""The scope's key of the CORS headers added to a request's answer."""


@dataclass(frozen=True, slots=True)
class CorsPolicy:
    """Every origin some channel lists, and whether one of those channels allows it credentials."""

    channels: ChannelRegistry
    credentials_by_origin: Mapping[str, bool]
    any_origin: bool

    @classmethod
    def of(cls, channels: ChannelRegistry) -> CorsPolicy | None:
        """The policy of the channels file, or ``None`` when no channel lists an origin."""
        credentials: dict[str, bool] = {}
        any_origin = False
        for channel in channels.channels:
            for origin in channel.allowed_origins:
                if origin == "*":
                    any_origin = True
                else:
                    credentials[origin] = credentials.get(origin, False) or (
                        channel.allow_credentials
                    )
        if not credentials and not any_origin:
            return None
        return cls(channels, credentials, any_origin)

    def listed(self, origin: str) -> bool:
        """Whether some channel lists ``origin``."""
        return self.any_origin or origin in self.credentials_by_origin

    def preflight(self, origin: str) -> list[tuple[bytes, bytes]]:
        """The headers of an accepted preflight from a listed ``origin``."""
        named = origin in self.credentials_by_origin
        headers = [
            (b"access-control-allow-origin", origin.encode("latin-1") if named else b"*"),
            (b"access-control-allow-methods", ALLOWED_METHODS),
            (b"access-control-allow-headers", ALLOWED_HEADERS),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE_S),
        ]
        if named and self.credentials_by_origin[origin]:
            headers.append((b"access-control-allow-credentials", b"true"))
        return headers

    def answer(self, origin: str, channel_key: bytes | None) -> list[tuple[bytes, bytes]]:
        """The CORS headers of an answer to ``origin`` on the channel of ``channel_key``."""
        channel = self.channels.by_key(channel_key.decode("latin-1") if channel_key else None)
        if channel is None:
            if not self.listed(origin):
                return []
            allow = origin if origin in self.credentials_by_origin else "*"
            credentials = False
        elif channel.allowed_origins == ("*",):
            allow, credentials = "*", False
        elif origin in channel.allowed_origins:
            allow, credentials = origin, channel.allow_credentials
        else:
            return []
        headers = [
            (b"access-control-allow-origin", allow.encode("latin-1")),
            (b"access-control-expose-headers", EXPOSED_HEADERS),
        ]
        if credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        return headers


class CorsGate:
    """The ASGI app in front of `/graphql`: answers ``OPTIONS``, adds CORS headers to answers."""

    def __init__(self, app: ASGIApp, policy: CorsPolicy | None) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request of `/graphql`."""
        policy = self.policy
        if scope["method"] == "OPTIONS":
            await self._options(scope, send)
            return
        if policy is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        # The answer depends on Origin as soon as a channel lists one: say so to every cache.
        added = [VARY_ORIGIN]
        if origin is not None:
            added += policy.answer(origin.decode("latin-1"), headers.get(b"x-channel-key"))
        scope[CORS_ADDED] = added  # what a known request's answer carries too (graph/hits.py)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _options(self, scope: Scope, send: Send) -> None:
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        out = [(b"allow", b"GET, POST, OPTIONS"), (b"content-length", b"0")]
        status = 204
        if origin is not None and b"access-control-request-method" in headers:
            out.append(VARY_ORIGIN)
            method = headers[b"access-control-request-method"].strip().upper()
            text = origin.decode("latin-1")
            if self.policy is not None and self.policy.listed(text) and method in (b"GET", b"POST"):
                out += self.policy.preflight(text)
            else:
                status = 403
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": b""})
