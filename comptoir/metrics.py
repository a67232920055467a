"""Prometheus metrics of a comptoir process, served by ``GET /metrics``.

Under ``comptoir serve --workers N`` every worker writes its values to files
in ``PROMETHEUS_MULTIPROC_DIR`` (set by the supervisor before the workers
start) and ``/metrics`` adds up every worker's counters and histograms;
each gauge says how the workers' values combine (``multiprocess_mode``).
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess

REGISTRY = CollectorRegistry(auto_describe=True)


def exposition_registry() -> CollectorRegistry:
    """What ``/metrics`` shows: this process's registry, or every worker's when there are several."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


SOURCE_REQUESTS = Counter(
    "comptoir_source_requests",
    "Requests to an upstream source, by outcome (ok, unavailable, rejected, invalid, open, saturated).",
    ["source", "collection", "outcome"],
    registry=REGISTRY,
)
SOURCE_LATENCY = Histogram(
    "comptoir_source_request_seconds",
    "Latency of requests to an upstream source.",
    ["source", "collection"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
SOURCE_RETRIES = Counter(
    "comptoir_source_retries",
    "Retries of idempotent reads to an upstream source.",
    ["source"],
    registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "comptoir_cache_lookups",
    "Cache lookups by result: hit (fresh), miss, stale_served (source failed or revalidating).",
    ["source", "collection", "result"],
    registry=REGISTRY,
)


def open_collection_series(source: str, collection: str) -> tuple[Counter, Counter]:
    """Create one collection's cache lookup series, at zero, before its first lookup.

    A series is created on its first use, which for a fresh process is on a
    cold page's critical path (more so with one metrics file per worker).
    Created when the collection is, they also show in ``/metrics`` from the
    start (a rate over a series that appears midway misses its first
    increments). The source's request series are left to their first
    request: they are labelled by what each call names (a listing of
    products is ``products``, not the collection ``product_pages``), so a
    collection's name would open series that never move.

    Returns the hit and miss series, for the collection to count on without a lookup.
    """
    return (
        CACHE_LOOKUPS.labels(source, collection, "hit"),
        CACHE_LOOKUPS.labels(source, collection, "miss"),
    )


REVALIDATIONS = Counter(
    "comptoir_cache_revalidations",
    "Background refreshes of stale entries (stale-while-revalidate).",
    ["source", "collection"],
    registry=REGISTRY,
)
CLIENT_CONNECTIONS = Gauge(
    "comptoir_client_connections",
    "Open client connections (per worker process, label pid, under --workers N).",
    multiprocess_mode="liveall",
    registry=REGISTRY,
)
GC_FROZEN = Gauge(
    "comptoir_gc_frozen_objects",
    "Objects kept out of garbage collection (start-up and cached values that survived).",
    multiprocess_mode="liveall",
    registry=REGISTRY,
)
BREAKER_STATE = Gauge(
    "comptoir_breaker_state",
    "Circuit breaker state per source: 0 closed, 1 half-open, 2 open.",
    ["source"],
    multiprocess_mode="max",
    registry=REGISTRY,
)
CACHE_UP = Gauge(
    "comptoir_cache_up",
    "1 when the cache backend answers, 0 when it is down.",
    ["backend"],
    multiprocess_mode="min",
    registry=REGISTRY,
)
HOOK_EVENTS = Counter(
    "comptoir_hook_events",
    "Change events received, by outcome (accepted, bad_signature, too_large, malformed, unknown_source).",
    ["source", "outcome"],
    registry=REGISTRY,
)
INVALIDATED = Counter(
    "comptoir_hook_invalidated_entries",
    "Cache entries dropped by change events.",
    ["source"],
    registry=REGISTRY,
)
GRAPHQL_REQUESTS = Counter(
    "comptoir_graphql_requests",
    "GraphQL operations by outcome (ok, errors, degraded, rejected).",
    ["outcome"],
    registry=REGISTRY,
)
LIMIT_REFUSALS = Counter(
    "comptoir_limit_refusals",
    "Requests refused before execution by a channel's limits: cost (over max_cost), rate (a"
    " bucket empty), document (not registered).",
    ["channel", "limit"],
    registry=REGISTRY,
)
GRAPHQL_LATENCY = Histogram(
    "comptoir_graphql_request_seconds",
    "Time to answer a GraphQL request.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
OUTBOX_UP = Gauge(
    "comptoir_outbox_up",
    "1 when the outbox of held writes answers (backend sqlite or postgresql), 0 when it is down.",
    ["backend"],
    multiprocess_mode="min",
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "comptoir_outbox_pending",
    "Writes held in the outbox awaiting their source.",
    multiprocess_mode="mostrecent",
    registry=REGISTRY,
)
OUTBOX_OLDEST_AGE = Gauge(
    "comptoir_outbox_oldest_pending_seconds",
    "Age of the oldest write awaiting its source.",
    multiprocess_mode="mostrecent",
    registry=REGISTRY,
)
OUTBOX_FAILED = Gauge(
    "comptoir_outbox_failed",
    "Writes their source rejected, kept for an operator.",
    multiprocess_mode="mostrecent",
    registry=REGISTRY,
)
CACHE_WRITES = Counter(
    "comptoir_cache_write_behind",
    "Entries written to the shared cache after the answer, by outcome (written, dropped, failed).",
    ["outcome"],
    registry=REGISTRY,
)
CACHE_TIER = Counter(
    "comptoir_cache_tier_lookups",
    "Lookups of the in-process tier in front of Redis, by result (local, remote, miss), and"
    " its entries read again from Redis before they expired (renewed).",
    ["result"],
    registry=REGISTRY,
)
KNOWN_REQUEST_ANSWERS = Counter(
    "comptoir_known_request_answers",
    "Stored answers sent for the bytes of a known request, before any parsing (counted in"
    " comptoir_response_cache's hit and not_modified too).",
    registry=REGISTRY,
)
ANSWERS = Counter(
    "comptoir_response_cache",
    "Answers to public operations by how they were served (hit, not_modified, miss, stored,"
    " not_stored, stale_served).",
    ["result"],
    registry=REGISTRY,
)
