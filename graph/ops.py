"""Operator endpoints: `/healthz`, `/readyz`, `/metrics`."""

from __future__ import annotations

from typing import Any

from comptoir.cache.backend import CacheBackend
from comptoir.cache.tiered import TieredCache
from comptoir.graph.state import AppState
from comptoir.sources.outbox import Outbox, OutboxStats, OutboxUnavailable
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from comptoir.metrics import (
    BREAKER_STATE,
    CACHE_UP,
    OUTBOX_DEPTH,
    OUTBOX_FAILED,
    OUTBOX_OLDEST_AGE,
    OUTBOX_UP,
    exposition_registry,
)

_STATE_VALUE = {"closed": 0, "half_open": 1, "open": 2}


async def healthz(request: Request) -> Response:
    """Liveness: 200 while the process serves."""
    return PlainTextResponse("ok")


async def readiness(state: AppState) -> dict[str, Any]:
    """Each source's breaker, last error and latency; the cache's and the outbox's status."""
    sources: dict[str, Any] = {}
    for name, client in state.sources.clients.items():
        health = client.health
        sources[name] = {
            "state": client.breaker.state,
            "lastError": health.last_error,
            "lastErrorAt": health.last_error_at,
            "latencyMs": health.last_latency_ms,
        }
    cache = cache_readiness(state.cache)
    outbox = outbox_readiness(state.writes.store.backend, await _outbox_stats(state.writes.store))
    ready = all(s["state"] == "closed" for s in sources.values()) and cache["status"] == "up"
    return {
        "status": "ready" if ready and outbox["status"] == "up" else "degraded",
        "sources": sources,
        "cache": cache,
        "outbox": outbox,
        # Nothing an answer needs lives only in this instance: the held writes
        # are in PostgreSQL and the cache (and its invalidations) in Redis.
        "stateless": outbox["backend"] == "postgresql" and isinstance(state.cache, TieredCache),
    }


def cache_readiness(cache: CacheBackend) -> dict[str, Any]:
    """``/readyz``'s cache: its backend, how it is reached, its state (and each Redis server's).

    ``mode`` is ``in-process`` (no Redis), ``single``, ``sentinel`` or
    ``cluster``; a cluster that lost some of its masters but not all is
    ``degraded`` (the lost masters' keys are misses), and ``nodes`` says which.
    """
    if not isinstance(cache, TieredCache):
        return {"backend": cache.name, "mode": "in-process", "status": cache.status()}
    nodes = cache.remote.nodes()
    status = cache.remote.status()
    if status == "down" and any(state == "up" for state in nodes.values()):
        return {
            "backend": cache.name,
            "mode": cache.remote.mode,
            "status": "degraded",
            "nodes": nodes,
        }
    return {"backend": cache.name, "mode": cache.remote.mode, "status": status, "nodes": nodes}


async def _outbox_stats(outbox: Outbox) -> OutboxStats | None:
    """The outbox's figures; ``None`` when it cannot be reached (PostgreSQL down)."""
    try:
        return await outbox.stats()
    except OutboxUnavailable:
        return None


def outbox_readiness(backend: str, stats: OutboxStats | None) -> dict[str, Any]:
    """``/readyz``'s outbox: its backend, whether it answers, writes held, refused writes kept."""
    age = None if stats is None else stats.oldest_pending_age_s
    return {
        "backend": backend,
        "status": "down" if stats is None else "up",
        "pending": None if stats is None else stats.depth,
        "oldestPendingAgeS": None if age is None else round(age, 3),
        "failed": None if stats is None else stats.failed,
    }


def record_outbox_metrics(backend: str, stats: OutboxStats | None) -> None:
    """Sample the outbox into its gauges; while it is down, only ``comptoir_outbox_up``."""
    OUTBOX_UP.labels(backend).set(0 if stats is None else 1)
    if stats is not None:
        OUTBOX_DEPTH.set(stats.depth)
        OUTBOX_OLDEST_AGE.set(stats.oldest_pending_age_s or 0.0)
        OUTBOX_FAILED.set(stats.failed)


async def readyz(request: Request) -> Response:
    """Readiness as JSON; always 200 so that a degraded comptoir keeps its traffic."""
    return JSONResponse(await readiness(request.app.state.comptoir))


async def metrics(request: Request) -> Response:
    """Prometheus metrics, with breaker and cache states sampled now."""
    state: AppState = request.app.state.comptoir
    for name, client in state.sources.clients.items():
        BREAKER_STATE.labels(name).set(_STATE_VALUE[client.breaker.state])
    CACHE_UP.labels(state.cache.name).set(1 if state.cache.status() == "up" else 0)
    outbox = state.writes.store
    record_outbox_metrics(outbox.backend, await _outbox_stats(outbox))
    return Response(generate_latest(exposition_registry()), media_type=CONTENT_TYPE_LATEST)
