"""Operator endpoints: `/healthz`, `/readyz`, `/metrics`."""

from __future__ import annotations

from typing import Any

from comptoir.graph.state import AppState
from comptoir.sources.outbox import OutboxStats
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from comptoir.metrics import (
    BREAKER_STATE,
    CACHE_UP,
    OUTBOX_DEPTH,
    OUTBOX_FAILED,
    OUTBOX_OLDEST_AGE,
    exposition_registry,
)

_STATE_VALUE = {"closed": 0, "half_open": 1, "open": 2}


async def healthz(request: Request) -> Response:
    """Liveness: 200 while the process serves."""
    return PlainTextResponse("ok")


def readiness(state: AppState) -> dict[str, Any]:
    """Each source's breaker, last error and latency; the cache's backend and status."""
    sources: dict[str, Any] = {}
    for name, client in state.sources.clients.items():
        health = client.health
        sources[name] = {
            "state": client.breaker.state,
            "lastError": health.last_error,
            "lastErrorAt": health.last_error_at,
            "latencyMs": health.last_latency_ms,
        }
    cache = {"backend": state.cache.name, "status": state.cache.status()}
    ready = all(s["state"] == "closed" for s in sources.values()) and cache["status"] == "up"
    body: dict[str, Any] = {
        "status": "ready" if ready else "degraded",
        "sources": sources,
        "cache": cache,
    }
    body["outbox"] = outbox_readiness(state.writes.store.stats())
    return body


def outbox_readiness(stats: OutboxStats) -> dict[str, Any]:
    """``/readyz``'s outbox: writes held, the age of the oldest, and refused writes kept."""
    age = stats.oldest_pending_age_s
    return {
        "pending": stats.depth,
        "oldestPendingAgeS": None if age is None else round(age, 3),
        "failed": stats.failed,
    }


def record_outbox_metrics(stats: OutboxStats) -> None:
    """Sample the outbox into its gauges."""
    OUTBOX_DEPTH.set(stats.depth)
    OUTBOX_OLDEST_AGE.set(stats.oldest_pending_age_s or 0.0)
    OUTBOX_FAILED.set(stats.failed)


async def readyz(request: Request) -> Response:
    """Readiness as JSON; always 200 so that a degraded comptoir keeps its traffic."""
    return JSONResponse(readiness(request.app.state.comptoir))


async def metrics(request: Request) -> Response:
    """Prometheus metrics, with breaker and cache states sampled now."""
    state: AppState = request.app.state.comptoir
    for name, client in state.sources.clients.items():
        BREAKER_STATE.labels(name).set(_STATE_VALUE[client.breaker.state])
    CACHE_UP.labels(state.cache.name).set(1 if state.cache.status() == "up" else 0)
    record_outbox_metrics(state.writes.store.stats())
    return Response(generate_latest(exposition_registry()), media_type=CONTENT_TYPE_LATEST)
