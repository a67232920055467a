"""Idempotent POSTs: the first 2xx result of a key is kept and served again for the same body.

Keys are scoped to the source (its file) and the path. The check, the
write and the stored result share one ``BEGIN IMMEDIATE`` transaction, so
concurrent requests with the same key, from threads or processes, produce
one effect: the first writes it, the others find it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from typing import Any

from comptoir.sources.reference.db import Database
from comptoir.sources.reference.scale import utc_now_iso
from comptoir.sources.reference.web import RequestRefused, Worker, json_text_response, parse_json
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

MAX_KEY_LENGTH = 255

Handler = Callable[[sqlite3.Connection, Any], tuple[int, str]]
"""Performs a POST in the write transaction: (status, JSON body), or raises RequestRefused."""


def body_hash(payload: Any) -> str:
    """SHA-256 of the canonical JSON of ``payload``: equal for JSON-equal bodies."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_post(
    db: Database, path: str, key: str | None, raw: bytes, handler: Handler
) -> Response:
    """Run ``handler`` once per ``(path, key)``; replay its 2xx result with 200 for an equal body.

    A missing key gets 400 ``idempotency_key_missing``, a key reused with a
    different body 409 ``idempotency_key_reused``. A failed request keeps
    nothing, so it may be retried with its key.
    """
    if not key:
        raise RequestRefused(
            400, "idempotency_key_missing", "the Idempotency-Key header is required"
        )
    if len(key) > MAX_KEY_LENGTH:
        raise RequestRefused(
            400, "invalid_idempotency_key", f"keys have at most {MAX_KEY_LENGTH} characters"
        )
    payload = parse_json(raw)
    digest = body_hash(payload)
    with db.write() as conn:
        row = conn.execute(
            "SELECT body_hash, response FROM idempotency WHERE path = ? AND key = ?", (path, key)
        ).fetchone()
        if row is not None:
            if row[0] != digest:
                raise RequestRefused(
                    409,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different body",
                )
            return json_text_response(row[1], 200, {"Idempotent-Replayed": "true"})
        status, body = handler(conn, payload)
        if 200 <= status < 300:
            conn.execute(
                "INSERT INTO idempotency (path, key, body_hash, status, response, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (path, key, digest, status, body, utc_now_iso()),
            )
    return json_text_response(body, status)


def idempotent_route(worker: Worker, db: Database, path: str, handler: Handler) -> Route:
    """``POST path`` answered by :func:`idempotent_post` with ``handler``, in a worker thread."""

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        key = request.headers.get("idempotency-key")
        return await worker.run(idempotent_post, db, path, key, raw, handler)

    return Route(path, endpoint, methods=["POST"])
