"""HTTP plumbing shared by the source apps: errors, JSON bodies, ids, limits, cursors, auth."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from comptoir.sources.reference.storage import dumps
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")

Id = Annotated[str, Field(strict=True, min_length=1)]
"""An id in a request body: opaque, of any length, so that an unknown one is refused as unknown
(404, 422, unknown_sku), never as malformed."""

MAX_IDS = 100
MAX_LIMIT = 100

MAX_AGE: dict[str, int] = {
    "products": 300,
    "variants": 300,
    "categories": 3600,
    "locations": 3600,
    "assets": 600,
    "prices": 60,
    "stock": 15,
    "customers": 60,
    "loyalty_accounts": 30,
    "loyalty_transactions": 30,
    "orders": 30,
}
"""``Cache-Control: max-age`` of each collection's GET responses, in seconds."""


class RequestRefused(Exception):
    """A request that ends in an error response ``{"error": code, "message": ...}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error body with its status."""
    return Response(dumps({"error": code, "message": message}), status, headers, "application/json")


def json_text_response(
    body: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A response whose JSON body is already serialized."""
    return Response(body, status, headers, "application/json")


def items_response(
    docs: Iterable[str], collection: str, *, paged: bool = False, next_cursor: str | None = None
) -> Response:
    """``{"items": [...]}`` spliced from stored JSON documents, with the collection's max-age.

    ``paged`` adds ``next_cursor`` (a list read).
    """
    body = '{"items":[' + ",".join(docs) + "]"
    if paged:
        body += ',"next_cursor":' + dumps(next_cursor)
    return json_text_response(
        body + "}", headers={"Cache-Control": f"max-age={MAX_AGE[collection]}"}
    )


def parse_ids(params: QueryParams, name: str, *, required: bool = True) -> list[str] | None:
    """The comma-separated ids of parameter ``name``, deduplicated; at most :data:`MAX_IDS`."""
    values = params.getlist(name)
    if not values:
        if required:
            raise RequestRefused(400, "missing_parameter", f"the {name} parameter is required")
        return None
    ids = list(
        dict.fromkeys(part.strip() for value in values for part in value.split(",") if part.strip())
    )
    if len(ids) > MAX_IDS:
        raise RequestRefused(
            400, "too_many_ids", f"at most {MAX_IDS} ids per request, got {len(ids)}"
        )
    return ids


def parse_limit(params: QueryParams, default: int = MAX_LIMIT) -> int:
    """The ``limit`` parameter: 1 to :data:`MAX_LIMIT`, ``default`` when absent."""
    raw = params.get("limit")
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise RequestRefused(
            400, "invalid_limit", f"limit must be an integer, got {raw!r}"
        ) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestRefused(
            400, "invalid_limit", f"limit must be between 1 and {MAX_LIMIT}, got {limit}"
        )
    return limit


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an ``IN`` clause of ``count`` values."""
    return ", ".join("?" * count)


def encode_cursor(kind: str, position: list[Any]) -> str:
    """An opaque cursor for a keyset ``position`` in a ``kind`` of listing."""
    raw = json.dumps([kind, *position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, types: tuple[type, ...]) -> list[Any]:
    """The keyset position in ``cursor``; 400 ``invalid_cursor`` unless it is one of ``kind``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if (
        not isinstance(value, list)
        or len(value) != len(types) + 1
        or value[0] != kind
        or not all(type(v) is t for v, t in zip(value[1:], types, strict=True))
    ):
        raise RequestRefused(400, "invalid_cursor", "the cursor is not one this listing gave")
    return value[1:]


def parse_json(raw: bytes) -> Any:
    """The request's JSON body; 400 ``invalid_json`` when it is not JSON."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise RequestRefused(400, "invalid_json", "the body is not valid JSON") from None


def validate(model: type[M], data: Any) -> M:
    """``data`` validated as ``model``; 400 ``invalid_body`` with the first problems otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise RequestRefused(400, "invalid_body", problems) from None


class Worker:
    """Runs a source's blocking SQLite work in threads, at most ``threads`` at a time."""

    def __init__(self, threads: int = 16) -> None:
        self.limiter = anyio.CapacityLimiter(threads)

    async def run(self, fn: Callable[..., R], *args: Any) -> R:
        """``fn(*args)`` in a worker thread."""
        return await anyio.to_thread.run_sync(fn, *args, limiter=self.limiter)

    def get(
        self, fn: Callable[[QueryParams], Response]
    ) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint answering a GET with ``fn(query_params)`` run in a worker thread."""

        async def endpoint(request: Request) -> Response:
            return await self.run(fn, request.query_params)

        return endpoint


class BearerAuth:
    """ASGI middleware: with a token set, ``401`` unless ``Authorization: Bearer <token>``."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.expected is None:
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        scheme, _, credentials = given.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(
            b"Bearer " + credentials.strip(), self.expected
        ):
            await self.app(scope, receive, send)
            return
        code, message = (
            ("missing_token", "a bearer token is required")
            if not given
            else ("invalid_token", "the bearer token is wrong")
        )
        response = error_response(401, code, message, {"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)


async def _source_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestRefused)
    return error_response(exc.status, exc.code, exc.message)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return error_response(
        exc.status_code,
        codes.get(exc.status_code, "http_error"),
        str(exc.detail),
        dict(exc.headers or {}),
    )


async def _internal_error(_: Request, exc: Exception) -> Response:
    return error_response(500, "internal_error", f"{type(exc).__name__}: the source failed")


EXCEPTION_HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    RequestRefused: _source_error,
    HTTPException: _http_error,
    Exception: _internal_error,
}
"""Exception handlers that keep every error body in the contract's shape."""


class SourceParts:
    """What a source module contributes to an app: its routes and the databases to close."""

    def __init__(self, routes: list[Any], databases: list[Any]) -> None:
        self.routes = routes
        self.databases = databases
