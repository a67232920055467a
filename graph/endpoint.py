"""`/graphql`: from the HTTP request to the answer, with the response cache in front of execution.

The path of a request, as plain ASGI (no framework layer on the way):

1. the gate: the body's size, the channel key (``401``), the shopper token
   (``401``), then the GraphQL-over-HTTP request itself (``400``/``405``/``415``),
   a registered document looked up by id, or refused on a channel that runs
   only those (:mod:`comptoir.graph.trusted.gate`);
2. the prepared document (parsed and validated once per distinct text);
3. its cost, against the channel's ``max_cost`` (``400``) and rate limits
   (``429``) (:mod:`comptoir.graph.budget`);
4. for a public operation, the stored answer when it is fresh (``304`` on a
   matching ``If-None-Match``) — no execution, no JSON encoding;
5. execution, shared by concurrent identical public requests; a public answer
   without errors and not degraded is stored; a stored answer past its
   freshness is served, marked stale, when executing again fails on a source.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

import orjson
from comptoir.cache.policy import Freshness
from comptoir.graph.answers import (
    HIT,
    JSON,
    MISS,
    STALE,
    VARY,
    AnswerCache,
    Header,
    StoredAnswer,
    stored_response,
)
from comptoir.graph.budget import CostBudget, Refusal, cost_report, reporting_cost, wants_cost
from comptoir.graph.context import GraphContext, applied_context
from comptoir.graph.cors import CORS_ADDED
from comptoir.graph.documents import (
    DocumentCache,
    ParsedDocument,
    PreparedDocument,
)
from comptoir.graph.executor import is_awaitable
from comptoir.graph.hits import KnownRequests
from comptoir.graph.inputs import variable_problems
from comptoir.graph.requests import BadRequest, GraphQLRequest, from_body, from_params
from comptoir.graph.shaping import shape_errors
from comptoir.graph.state import AppState
from comptoir.graph.trusted.gate import (
    DocumentReference,
    TrustedDocuments,
    reference_in_body,
    reference_in_params,
)
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.degraded import DegradedReport, Provenance
from comptoir.sources.loaders import Loaders
from comptoir.sources.upstream import WRITES
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
)
from graphql.execution.executor import Executor
from starlette.types import Receive, Scope, Send

from comptoir import tracing
from comptoir.auth import InvalidShopperToken
from comptoir.channels import ChannelConfig
from comptoir.metrics import ANSWERS, GRAPHQL_LATENCY, GRAPHQL_REQUESTS
from comptoir.shortcut import REQUEST_BYTES

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

PRIVATE: Final = (b"cache-control", b"private, no-store")
NO_STORE: Final = (b"cache-control", b"no-store")

_OUTCOME = {
    name: GRAPHQL_REQUESTS.labels(name) for name in ("ok", "errors", "degraded", "rejected")
}
_ANSWER = {
    name: ANSWERS.labels(name)
    for name in ("hit", "not_modified", "miss", "stored", "not_stored", "stale_served")
}

EARLY_LEAD_MAX_S: Final = 0.010
"""The longest a query started before validation is given to write its first requests.

Validating a new document holds the loop for a few milliseconds: started while
a first connection to a source is still being opened, it delays that request
by as much. The wait ends as soon as the requests are written (or the query is
done), so the bound only matters when connecting is slow.
"""


async def _first_requests_written(task: asyncio.Task[Any]) -> None:
    """Return once ``task`` has written its first requests to the sources.

    That is: it started requests, and none is left unwritten, on two turns of
    the loop in a row (one request's answer-independent followers start right
    after it); or ``task`` is done; or :data:`EARLY_LEAD_MAX_S` has passed
    (everything it reads may be cached).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + EARLY_LEAD_MAX_S
    started = WRITES.started
    written_before = False
    while not task.done() and loop.time() < deadline:
        await asyncio.sleep(0)
        written = WRITES.started > started and WRITES.unwritten == 0
        if written and written_before:
            return
        written_before = written


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark an early execution's outcome as seen (it is discarded when the document is invalid)."""
    if not task.cancelled():
        task.exception()


Ide = Callable[[Scope, Receive, Send], Awaitable[None]]
"""Serves GraphiQL to a browser's ``GET /graphql``."""


class Rejected(Exception):
    """A request refused before any GraphQL work: its status, code and message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = list(headers)


@dataclass(frozen=True, slots=True)
class Executed:
    """One execution's answer: the body as sent, and what the response cache needs to know."""

    body: bytes
    errors: bool
    degraded: list[dict[str, str]]
    failed_sources: tuple[str, ...]
    provenance: Provenance | None


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return dict(scope["headers"])


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _error_body(code: str, message: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


async def _refuse(send: Send, refused: Refusal) -> None:
    """Answer a request refused for what it would cost (``400``, ``429``)."""
    _OUTCOME["rejected"].inc()
    await _send(send, refused.status, refused.body(), [JSON, PRIVATE, *refused.headers])


@dataclass(frozen=True, slots=True)
class _Charge:
    """Takes a request's cost from its channel's buckets once its answer's origin is known.

    A stored answer costs 1; one executed costs what the document says (at least 1).
    Called with the answer's origin: the ``send`` to answer with (adding
    ``extensions.cost`` when the request asked for it), or ``None`` once a
    refusal (``429``) was sent.
    """

    budget: CostBudget
    send: Send
    request: GraphQLRequest
    channel: ChannelConfig
    shopper_id: str | None
    cost: int

    async def __call__(self, *, stored: bool) -> Send | None:
        charged = 1 if stored else max(1, self.cost)
        refused, spent = await self.budget.take(self.channel, self.shopper_id, charged)
        if refused is not None:
            await _refuse(self.send, refused)
            return None
        if wants_cost(self.request.extensions):
            report = cost_report(self.channel, self.cost, charged, spent)
            return reporting_cost(self.send, report)
        return self.send


class GraphQLEndpoint:
    """The ASGI app of ``/graphql``."""

    def __init__(
        self,
        state: AppState,
        schema: GraphQLSchema,
        documents: DocumentCache,
        answers: AnswerCache | None,
        *,
        execution_context_class: type[Executor[Any]],
        ide: Ide,
        budget: CostBudget,
        trusted: TrustedDocuments,
        known: KnownRequests | None = None,
    ) -> None:
        self.state = state
        self.known = known
        self.budget = budget
        self.trusted = trusted
        self.schema = schema
        self.documents = documents
        self.answers = answers
        self.execution_context_class = execution_context_class
        self.ide = ide
        self._max_body = state.settings.max_body_bytes
        self._suggestions = state.settings.dev
        self._inflight: dict[str, asyncio.Future[Executed]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request on ``/graphql``."""
        headers = _headers(scope)
        if scope["method"] == "GET" and self._wants_ide(scope, headers):
            await self.ide(scope, receive, send)
            return
        tracer = tracing.TRACER
        if tracer is not None:
            await tracing.operation(
                tracer, scope, send, lambda traced: self._serve(scope, receive, traced, headers)
            )
            return
        await self._serve(scope, receive, send, headers)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> None:
        started = time.perf_counter()
        try:
            channel, shopper_id = self._identify(headers)
            read = await self._read(scope, receive, headers)
            request = await self.trusted.resolve(read, channel)
        except (Rejected, BadRequest) as exc:
            _OUTCOME["rejected"].inc()
            status = exc.status
            headers_out = [JSON, PRIVATE, *getattr(exc, "headers", [])]
            await _send(send, status, _error_body(exc.code, exc.message), headers_out)
            return
        # The bytes of a request that may be known by them (comptoir/shortcut.py, graph/hits.py).
        known_bytes = (
            scope.get(REQUEST_BYTES)
            if self.known is not None
            and shopper_id is None
            and isinstance(read, GraphQLRequest)
            and tracing.TRACER is None
            else None
        )
        await self._answer(scope, send, headers, request, channel, shopper_id, known_bytes)
        GRAPHQL_LATENCY.observe(time.perf_counter() - started)

    @staticmethod
    def _wants_ide(scope: Scope, headers: dict[bytes, bytes]) -> bool:
        query_string = scope.get("query_string", b"")
        return (
            b"query=" not in query_string
            and b"documentId=" not in query_string
            and b"extensions=" not in query_string
            and b"text/html" in headers.get(b"accept", b"")
        )

    def _identify(self, headers: dict[bytes, bytes]) -> tuple[ChannelConfig, str | None]:
        raw_key = headers.get(b"x-channel-key")
        channel = self.state.channels.by_key(raw_key.decode("latin-1") if raw_key else None)
        if channel is None:
            raise Rejected(401, "UNAUTHENTICATED", "missing or unknown X-Channel-Key")
        authorization = headers.get(b"authorization")
        if not authorization:
            return channel, None
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        challenge = ((b"www-authenticate", b"Bearer"),)
        if scheme.lower() != "bearer" or not token.strip():
            raise Rejected(
                401, "UNAUTHENTICATED", "Authorization must be `Bearer <token>`", challenge
            )
        try:
            return channel, self.state.tokens.verify(token.strip())
        except InvalidShopperToken as exc:
            raise Rejected(
                401, "UNAUTHENTICATED", f"invalid shopper token: {exc}", challenge
            ) from None

    async def _read(
        self, scope: Scope, receive: Receive, headers: dict[bytes, bytes]
    ) -> GraphQLRequest | DocumentReference:
        if scope["method"] == "GET":
            query_string = scope.get("query_string", b"").decode("latin-1")
            try:
                params = dict(parse_qsl(query_string, keep_blank_values=True, errors="strict"))
            except UnicodeDecodeError:
                raise BadRequest("the query string is not UTF-8") from None
            return reference_in_params(params) or from_params(params)
        declared = headers.get(b"content-length")
        limit = self._max_body
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise Rejected(413, "REQUEST_TOO_LARGE", f"request body over {limit} bytes")
        content_type = headers.get(b"content-type", b"application/json").split(b";")[0].strip()
        if content_type not in (b"application/json", b"application/graphql-response+json"):
            raise Rejected(
                415,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the request as `Content-Type: application/json`",
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > limit:
                    raise Rejected(413, "REQUEST_TOO_LARGE", f"request body over {limit} bytes")
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        return reference_in_body(body) or from_body(body)

    async def _answer(
        self,
        scope: Scope,
        send: Send,
        headers: dict[bytes, bytes],
        request: GraphQLRequest,
        channel: ChannelConfig,
        shopper_id: str | None,
        known_bytes: bytes | None,
    ) -> None:
        early: asyncio.Task[Executed] | None = None
        prepared = self.documents.cached(request.query)
        if prepared is None:
            parsed = self.documents.parse(request.query)
            if isinstance(parsed, PreparedDocument):
                prepared = parsed
            else:
                if self.documents.early(parsed, request.operation_name):
                    early = await self._start_early(parsed, request, channel, shopper_id)
                prepared = self.documents.validate(parsed)
        try:
            await self._prepared(
                scope, send, headers, request, channel, shopper_id, prepared, early, known_bytes
            )
        finally:
            if early is not None and not early.done():
                early.cancel()  # refused, or answered otherwise: what it reads stays cached

    async def _start_early(
        self,
        parsed: ParsedDocument,
        request: GraphQLRequest,
        channel: ChannelConfig,
        shopper_id: str | None,
    ) -> asyncio.Task[Executed]:
        """Start executing a query seen for the first time, before validating it.

        Validating a new document takes a few milliseconds, which its first
        requests to the sources can spend on the way instead: the execution
        starts, its first requests go out, and the document is validated
        while they are answered. The execution is only used once the
        document is valid, within its budget, and not answered otherwise;
        else it is cancelled (see :meth:`DocumentCache.early` for what may
        start early).
        """
        task = asyncio.get_running_loop().create_task(
            self._execute(
                parsed.document, request, channel, shopper_id, track=self.answers is not None
            )
        )
        task.add_done_callback(_retrieved)
        await _first_requests_written(task)
        return task

    async def _prepared(
        self,
        scope: Scope,
        send: Send,
        headers: dict[bytes, bytes],
        request: GraphQLRequest,
        channel: ChannelConfig,
        shopper_id: str | None,
        prepared: PreparedDocument,
        early: asyncio.Task[Executed] | None,
        known_bytes: bytes | None,
    ) -> None:
        if prepared.document is None:
            await self._send_errors(send, list(prepared.errors), channel)
            return
        operation = prepared.operation(request.operation_name)
        if isinstance(operation, GraphQLError):
            await self._send_errors(send, [operation], channel)
            return
        if tracing.TRACER is not None:
            tracing.name_operation(operation.kind.value, operation.name, channel.code)
        if operation.kind is not OperationType.QUERY and scope["method"] == "GET":
            _OUTCOME["rejected"].inc()
            await _send(
                send,
                405,
                _error_body("METHOD_NOT_ALLOWED", "a mutation must be sent with POST"),
                [JSON, PRIVATE, (b"allow", b"POST")],
            )
            return
        problems = variable_problems(
            self.schema,
            prepared.document,
            request.operation_name,
            request.variables,
        )
        if problems:
            await self._send_errors(send, problems, channel)
            return
        cost = operation.cost.of(request.variables)
        refused = self.budget.over_limit(channel, cost)
        if refused is not None:
            await _refuse(send, refused)
            return
        charge = _Charge(self.budget, send, request, channel, shopper_id, cost)
        if operation.public and self.answers is not None:
            key = self.answers.key(prepared.text_hash, operation.name, request.variables, channel)
            if known_bytes is not None and not wants_cost(request.extensions):
                self._remember(scope, headers, known_bytes, key, channel)
            await self._public(charge, headers, key, prepared, request, channel, shopper_id, early)
            return
        charged = await charge(stored=False)
        if charged is None:
            return
        send = charged
        executed = await (
            early or self._execute(prepared.document, request, channel, shopper_id, track=False)
        )
        self._count(executed)
        await _send(send, 200, executed.body, [JSON, PRIVATE])

    async def _public(
        self,
        charge: _Charge,
        headers: dict[bytes, bytes],
        key: str,
        prepared: PreparedDocument,
        request: GraphQLRequest,
        channel: ChannelConfig,
        shopper_id: str | None,
        early: asyncio.Task[Executed] | None,
    ) -> None:
        answers = self.answers
        assert answers is not None
        if tracing.TRACER is None:
            stored = answers.peek(key) or await answers.find(key)
        else:
            stored = await self._find_traced(tracing.TRACER, answers, key)
        served_stored = stored is not None and stored.freshness is Freshness.FRESH
        charged = await charge(stored=served_stored)
        if charged is None:
            return
        send = charged
        if stored is not None and served_stored:
            _OUTCOME["ok"].inc()
            await self._send_stored(send, headers, stored, HIT)
            return
        _ANSWER["miss"].inc()
        executed = await self._shared(key, prepared, request, channel, shopper_id, early)
        self._count(executed)
        if not executed.errors and not executed.degraded and executed.provenance is not None:
            fresh = answers.prepare(executed.body, executed.provenance)
            if fresh is not None:
                await self._send_stored(send, headers, fresh, MISS)
                await answers.keep(key, fresh, executed.provenance)  # once the answer is out
                _ANSWER["stored"].inc()
                return
        elif stored is not None and executed.failed_sources:
            _ANSWER["stale_served"].inc()
            await _send(send, 200, self._stale(stored, executed), [JSON, NO_STORE, VARY, STALE])
            return
        _ANSWER["not_stored"].inc()
        await _send(send, 200, executed.body, [JSON, NO_STORE, VARY, MISS])

    def _remember(
        self,
        scope: Scope,
        headers: dict[bytes, bytes],
        request_bytes: bytes,
        key: str,
        channel: ChannelConfig,
    ) -> None:
        """The request's bytes mean the stored answer of ``key``: known from now on (graph/hits.py).

        Its answer depends on nothing else than those bytes (no shopper, no
        document id, no cost report) and the configuration.
        """
        assert self.known is not None
        self.known.remember(
            request_bytes, key, channel, headers.get(b"if-none-match"), scope.get(CORS_ADDED, ())
        )

    @staticmethod
    async def _find_traced(tracer: Tracer, answers: AnswerCache, key: str) -> StoredAnswer | None:
        """The stored answer of ``key``, read inside a cache read span (and noted on the operation)."""
        span = tracing.start_cache_read(tracer, "cache read answers", {"comptoir.cache.keys": 1})
        try:
            stored = answers.peek(key) or await answers.find(key)
            result = "miss" if stored is None else stored.freshness.value
            span.set_attribute("comptoir.cache.result", result)
        finally:
            span.end()
        tracing.note("comptoir.response_cache", "hit" if result == "fresh" else result)
        return stored

    async def _send_stored(
        self,
        send: Send,
        headers: dict[bytes, bytes],
        stored: StoredAnswer,
        served: Header,
    ) -> None:
        status, out, body = stored_response(
            stored, served, headers.get(b"if-none-match"), time.time()
        )
        if status == 304:
            _ANSWER["not_modified"].inc()
        elif served is HIT:
            _ANSWER["hit"].inc()
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _stale(stored: StoredAnswer, executed: Executed) -> bytes:
        """The stored answer, saying which sources it stands in for."""
        answer = orjson.loads(stored.body)
        extensions = answer.setdefault("extensions", {})
        extensions["degraded"] = [
            {"source": source, "mode": "stale"} for source in executed.failed_sources
        ]
        return orjson.dumps(answer)

    async def _shared(
        self,
        key: str,
        prepared: PreparedDocument,
        request: GraphQLRequest,
        channel: ChannelConfig,
        shopper_id: str | None,
        early: asyncio.Task[Executed] | None,
    ) -> Executed:
        """One execution for every concurrent request of the same public answer (or ``early``)."""
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Executed] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            executed = await (
                early or self._execute(prepared.document, request, channel, shopper_id, track=True)
            )
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the waiters re-raise it
            raise
        finally:
            del self._inflight[key]
        future.set_result(executed)
        return executed

    async def _execute(
        self,
        document: DocumentNode | None,
        request: GraphQLRequest,
        channel: ChannelConfig,
        shopper_id: str | None,
        *,
        track: bool,
    ) -> Executed:
        state = self.state
        report = DegradedReport(Provenance() if track else None)
        context = GraphContext(
            scope=RequestScope(
                channel=channel,
                shopper_id=state.shopper_of(shopper_id),
                loaders=Loaders(state.sources, report),
                now=datetime.now(UTC),
                max_page_size=state.settings.max_page_size,
            ),
            report=report,
            app=state,
            locale=channel.locale,
        )
        try:
            result: Any = execute(
                self.schema,
                document,  # type: ignore[arg-type]  # checked by the caller
                context_value=context,
                variable_values=request.variables,
                operation_name=request.operation_name,
                executor_class=self.execution_context_class,
                is_awaitable=is_awaitable,  # type: ignore[arg-type]  # a bool, not a TypeGuard
                operation_extensions=request.extensions,
            )
            if not isinstance(result, ExecutionResult):
                result = await result
        finally:
            context.scope.loaders.close()
        errors = result.errors or []
        answer: dict[str, Any] = {"data": result.data}
        if errors:
            answer["errors"] = shape_errors(errors, suggestions=self._suggestions)
        answer["extensions"] = context.extensions()
        failed = {
            e["extensions"]["source"]
            for e in answer.get("errors", ())
            if "source" in e.get("extensions", {})
        }
        failed.update(d["source"] for d in report.entries() if d["mode"] == "unavailable")
        if tracing.TRACER is not None:
            tracing.note_outcome(len(errors), report.entries())
        return Executed(
            body=orjson.dumps(answer),
            errors=bool(errors),
            degraded=report.entries(),
            failed_sources=tuple(sorted(failed)),
            provenance=report.provenance,
        )

    async def _send_errors(
        self, send: Send, errors: list[GraphQLError], channel: ChannelConfig
    ) -> None:
        """An answer of errors only (a document that does not parse or validate)."""
        _OUTCOME["errors"].inc()
        body = {
            "data": None,
            "errors": shape_errors(errors, suggestions=self._suggestions),
            "extensions": {"context": applied_context(channel, channel.locale)},
        }
        await _send(send, 200, orjson.dumps(body), [JSON, PRIVATE])

    @staticmethod
    def _count(executed: Executed) -> None:
        if executed.errors:
            _OUTCOME["errors"].inc()
        elif executed.degraded:
            _OUTCOME["degraded"].inc()
        else:
            _OUTCOME["ok"].inc()
