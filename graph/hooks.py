"""`POST /hooks/{source}`: signed change events that drop cached entries in every process sharing the cache."""

from __future__ import annotations

import hashlib
import hmac

from comptoir.graph.state import AppState
from comptoir.sources.errors import UnknownEventCollection
from comptoir.sources.registry import ChangeEvent
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from comptoir.metrics import HOOK_EVENTS, INVALIDATED

MAX_HOOK_BYTES = 256 * 1024


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore")
    collection: str = Field(min_length=1)
    ids: list[str] = Field(max_length=10_000)


class _Events(BaseModel):
    model_config = ConfigDict(extra="ignore")
    events: list[_Event] = Field(max_length=1_000)


def _refuse(status: int, error: str, message: str, source: str, outcome: str) -> JSONResponse:
    HOOK_EVENTS.labels(source, outcome).inc()
    return JSONResponse({"error": error, "message": message}, status_code=status)


def signature_of(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the raw body>``, as sources sign their events."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def receive_hook(request: Request) -> JSONResponse:
    """Verify the signature, then invalidate every entry the events name."""
    state: AppState = request.app.state.comptoir
    source = request.path_params["source"]
    if source not in state.sources.plugins:
        return _refuse(
            404, "unknown_source", f"no source named {source!r}", "unknown", "unknown_source"
        )
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_HOOK_BYTES):
        return _refuse(413, "too_large", f"events over {MAX_HOOK_BYTES} bytes", source, "too_large")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_HOOK_BYTES:
            return _refuse(
                413, "too_large", f"events over {MAX_HOOK_BYTES} bytes", source, "too_large"
            )
    secret = state.settings.source(source).hook_secret
    given = request.headers.get("x-comptoir-signature", "")
    # compare_digest on equal-length bytes keeps the comparison constant-time.
    if not secret or not hmac.compare_digest(given.encode(), signature_of(secret, body).encode()):
        return _refuse(
            401, "bad_signature", "missing or wrong X-Comptoir-Signature", source, "bad_signature"
        )
    try:
        parsed = _Events.model_validate_json(body)
        events = [ChangeEvent(e.collection, tuple(e.ids)) for e in parsed.events]
        dropped = await state.sources.apply_events(source, events)
    except (ValidationError, UnknownEventCollection) as exc:
        return _refuse(400, "malformed", f"not a change event body: {exc}", source, "malformed")
    HOOK_EVENTS.labels(source, "accepted").inc()
    INVALIDATED.labels(source).inc(dropped)
    return JSONResponse({"invalidated": dropped}, status_code=202)
