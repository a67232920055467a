"""The Starlette app: routes and the lifespan that owns the shared clients and the cache."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping

import httpx
import strawberry
from comptoir.cache.backend import CacheBackend
from comptoir.cache.counters import WindowCounters, build_counters
from comptoir.cache.factory import Tiers, build_cache
from comptoir.cache.policy import FreshnessPolicy
from comptoir.graph.answers import PRIVATE_ROOTS, AnswerCache
from comptoir.graph.budget import CostBudget
from comptoir.graph.cors import CorsGate, CorsPolicy
from comptoir.graph.documents import DocumentCache
from comptoir.graph.endpoint import GraphQLEndpoint, Ide
from comptoir.graph.graphiql import ASSETS_PATH, graphiql_asset, graphiql_page, to_graphiql
from comptoir.graph.hits import KnownRequests
from comptoir.graph.hooks import receive_hook
from comptoir.graph.ops import healthz, metrics, readyz
from comptoir.graph.schema import build_schema, limit_rules, schema_version
from comptoir.graph.state import AppState
from comptoir.graph.trusted.gate import TrustedDocuments
from comptoir.graph.trusted.store import DocumentStore, open_document_store
from comptoir.sources.held import OutboxPlace, open_held_writes
from comptoir.sources.http import SourceClient
from comptoir.sources.registry import SOURCES, SourceSet
from comptoir.sources.upstream import AiohttpUpstream, HttpxUpstream, Upstream
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from comptoir import tracing
from comptoir.auth import shopper_tokens
from comptoir.balance import shares_of
from comptoir.breaker import CircuitBreaker
from comptoir.channels import load_channels
from comptoir.deadlines import READ_DEADLINES
from comptoir.heap import freeze_survivors, keep_survivors_frozen, reserve_heap
from comptoir.settings import Settings
from comptoir.shortcut import SHORTCUT

log = logging.getLogger("comptoir")


@contextlib.asynccontextmanager
async def _upstream(
    settings: Settings,
    base_url: str,
    token: str | None,
    transport: httpx.AsyncBaseTransport | None,
) -> AsyncIterator[Upstream]:
    """One source's HTTP client: aiohttp's pool, or the test's ``transport`` when given one."""
    client: Upstream
    if transport is None:
        client = AiohttpUpstream(
            base_url,
            token=token,
            timeout_s=settings.source_timeout_s,
            max_connections=settings.source_max_concurrency,
        )
    else:
        client = HttpxUpstream(
            base_url, transport, token=token, timeout_s=settings.source_timeout_s
        )
    try:
        yield client
    finally:
        await client.aclose()


def _outbox_place(settings: Settings) -> OutboxPlace:
    """Where the outbox of held writes is: ``COMPTOIR_OUTBOX_*`` and the data directory."""
    return OutboxPlace(
        data_dir=settings.data_dir,
        url=settings.outbox_url,
        retention_s=settings.outbox_retention_s,
        pool_size=settings.outbox_pool_size,
        timeout_s=settings.outbox_timeout_s,
        lease_s=settings.outbox_lease_s,
    )


@contextlib.asynccontextmanager
async def _source_urls(settings: Settings) -> AsyncIterator[Mapping[str, str]]:
    """Each registered source's configured URL; the embedded reference for those left unset."""
    configured = {name: settings.source(name).url for name in SOURCES.names()}
    unset = [name for name, url in configured.items() if not url]
    if not unset:
        yield {name: url for name, url in configured.items() if url}
        return
    from comptoir.sources.reference import SOURCE_NAMES as REFERENCE_NAMES

    from comptoir.embedded import start_embedded

    missing = [name for name in unset if name not in REFERENCE_NAMES]
    if missing:
        variables = ", ".join(f"COMPTOIR_{name.upper()}_URL" for name in missing)
        raise RuntimeError(f"{variables} must be set: no reference source stands in for them")
    async with start_embedded(settings) as embedded:
        yield {name: configured[name] or embedded[name] for name in configured}


def _graphiql(state: AppState) -> Ide:
    """GraphiQL for a browser's ``GET /graphql``: its Headers tab holds the demo web channel's
    key with the demo channels, an empty key to fill in with a channels file."""
    channels = state.channels.channels
    demo_key = channels[0].key if state.settings.channels is None and channels else None

    async def ide(scope: Scope, receive: Receive, send: Send) -> None:
        await graphiql_page(demo_key)(scope, receive, send)

    return ide


def document_cache(
    settings: Settings, schema: strawberry.federation.Schema | None = None
) -> DocumentCache:
    """The documents of requests, parsed, validated (with the limits) and costed once each."""
    schema = schema or build_schema()
    return DocumentCache(
        schema._schema,
        extra_rules=limit_rules(settings),
        max_tokens=settings.max_tokens,
        private_roots=PRIVATE_ROOTS,
    )


def _endpoint(
    state: AppState, cache: CacheBackend, counters: WindowCounters, documents: DocumentStore
) -> GraphQLEndpoint:
    """``/graphql``: the schema, its document cache, the response cache, limits, GraphiQL."""
    settings = state.settings
    schema = build_schema()
    budget = CostBudget(counters)
    answers = known = None
    if settings.response_cache:
        answers = AnswerCache(
            cache,
            FreshnessPolicy(settings.cache_stale_window_s),
            schema_version=schema_version(schema),
            max_fresh_s=settings.response_cache_max_age_s,
        )
        known = KnownRequests(answers, budget)
    return GraphQLEndpoint(
        state,
        schema._schema,
        document_cache(settings, schema),
        answers,
        execution_context_class=schema.execution_context_class,
        ide=_graphiql(state),
        budget=budget,
        trusted=TrustedDocuments(documents),
        known=known,
    )


class _GraphQLEndpoint:
    """Hands `/graphql` to the gate built in the lifespan."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["app"].state.graphql(scope, receive, send)


_DIRECT_METHODS = frozenset({"GET", "POST", "OPTIONS"})
_INTERNAL_ERROR = b"Internal Server Error"


class ComptoirApp(Starlette):
    """Starlette, handing `/graphql` straight to its gate.

    A stored answer costs a lookup and a socket write; Starlette's error and
    exception middleware and its router, which `/graphql` needs none of,
    were about a quarter of that in-process. The lifespan, the other paths and `/graphql` with
    another method (``405``) go through Starlette as before. An exception the
    gate lets through is logged and answered ``500``, as Starlette's error
    middleware answers it.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection scope."""
        if (
            scope["type"] != "http"
            or scope["path"] != "/graphql"
            or scope["method"] not in _DIRECT_METHODS
        ):
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        try:
            await self.state.graphql(scope, receive, send)
        except Exception:
            log.exception("unhandled error answering /graphql")
            try:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", b"%d" % len(_INTERNAL_ERROR)),
                        ],
                    }
                )
            except RuntimeError:  # the answer had started: the server closes the connection
                return
            await send({"type": "http.response.body", "body": _INTERNAL_ERROR})


def create_app(
    settings: Settings | None = None,
    *,
    upstream: httpx.AsyncBaseTransport | None = None,
    tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """A comptoir app; everything long-lived is built in its lifespan.

    ``upstream``, an httpx transport, carries every source's requests instead
    of aiohttp's connection pool (:mod:`comptoir.sources.upstream`): a test
    can watch or hold what comptoir asks of its sources. ``tracer_provider``
    turns traces on with that provider while the app runs; by default the
    ``OTEL_*`` variables decide (``comptoir.tracing``).
    """
    settings = settings or Settings()
    channels = load_channels(settings.channels)
    tokens = shopper_tokens(
        settings, SOURCES.names()
    )  # refuses the demo secret once sources are configured

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, object]]:
        async with _source_urls(settings) as urls, contextlib.AsyncExitStack() as stack:
            stack.enter_context(tracing.installed(tracer_provider))
            clients = {}
            for name in SOURCES.names():
                http = await stack.enter_async_context(
                    _upstream(settings, urls[name], settings.source(name).token, upstream)
                )
                clients[name] = SourceClient(
                    name=name,
                    http=http,
                    breaker=CircuitBreaker(settings.breaker_failures, settings.breaker_reset_s),
                    max_concurrency=settings.source_max_concurrency,
                    retry_attempts=settings.retry_attempts,
                )
            cache = build_cache(
                settings.redis_url,
                memory_max_entries=settings.cache_memory_entries,
                tiers=Tiers(settings.cache_local_entries, settings.cache_local_ttl_s),
                workers_dir=settings.workers_dir,
                op_timeout_s=settings.redis_timeout_s,
                breaker_reset_s=settings.redis_breaker_reset_s,
            )
            stack.push_async_callback(cache.close)
            await cache.start()
            swr = [c.strip() for c in settings.cache_swr_collections.split(",") if c.strip()]
            sources = SourceSet(
                clients,
                cache,
                FreshnessPolicy(settings.cache_stale_window_s),
                stale_while_revalidate=swr,
                max_ages={"oms.promises": settings.promise_cache_s},
            )
            stack.push_async_callback(sources.wait_background)
            held = await stack.enter_async_context(
                open_held_writes(_outbox_place(settings), sources)
            )
            state = AppState(
                settings=settings,
                channels=channels,
                tokens=tokens,
                sources=sources,
                cache=cache,
                writes=held,
            )
            counters = build_counters(
                settings.redis_url,
                op_timeout_s=settings.redis_timeout_s,
                breaker_reset_s=settings.redis_breaker_reset_s,
            )
            stack.push_async_callback(counters.close)
            documents = await open_document_store(
                settings.outbox_url, settings.data_dir, timeout_s=settings.outbox_timeout_s
            )
            stack.push_async_callback(documents.close)
            app.state.comptoir = state
            endpoint = _endpoint(state, cache, counters, documents)
            app.state.graphql = CorsGate(endpoint, CorsPolicy.of(channels))
            # The heap the first requests will fill, written now (comptoir/heap.py).
            reserve_heap(settings.heap_reserve_mib)
            # What start-up built lives as long as the process, and what the cache keeps
            # holds no cycles: kept out of later garbage collections (comptoir/heap.py).
            freeze_survivors()
            if settings.gc_freeze_interval_s > 0:
                freezer = asyncio.create_task(keep_survivors_frozen(settings.gc_freeze_interval_s))
                stack.callback(freezer.cancel)
            # This worker's slot among the workers' connection counts (comptoir/balance.py).
            stack.enter_context(shares_of(settings.connection_shares_dir))
            # uvicorn hands this state to every connection: comptoir/deadlines.py and
            # comptoir/shortcut.py read it.
            yield {
                READ_DEADLINES: (settings.header_timeout_s, settings.body_timeout_s),
                SHORTCUT: endpoint.known,
            }

    routes = [
        Route("/", to_graphiql, methods=["GET"]),
        Route("/graphql", _GraphQLEndpoint(), methods=["GET", "POST", "OPTIONS"]),
        Route(ASSETS_PATH + "/{name}", graphiql_asset, methods=["GET"]),
        Route("/hooks/{source}", receive_hook, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    return ComptoirApp(routes=routes, lifespan=lifespan)
