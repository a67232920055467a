"""OpenTelemetry traces: one trace per GraphQL operation, a span per cache read and per upstream request.

Off unless the standard ``OTEL_*`` variables ask for traces (:func:`from_environment`): then a
span per GraphQL operation (its parent, the caller's W3C ``traceparent`` when it sent one), a
child span per cache read of a collection and per upstream request, and the upstream request's
``traceparent`` sent to the source. The tracer is process-wide, like logging: the lifespan of
each app installs it (:func:`installed`) and every layer asks :data:`TRACER`. While it is
``None`` a hot path pays one attribute read and one comparison, nothing else: no span object,
no context switch, no header.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Final, TypeVar

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from starlette.types import Message, Scope, Send

T = TypeVar("T")

TRACER: Tracer | None = None
"""comptoir's tracer while tracing is on; ``None`` (the default) when it is off."""

SCOPE: Final = "comptoir"

CACHE_OUTCOME: contextvars.ContextVar[str] = contextvars.ContextVar("comptoir_cache_outcome")
"""Why an upstream request is made, for its span: ``miss``, ``stale`` or ``revalidate``."""


class TracingConfigError(ValueError):
    """The ``OTEL_*`` variables ask for an exporter comptoir does not have."""


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _exporter_from_environment() -> SpanExporter | None:
    """The span exporter the ``OTEL_*`` variables ask for, or ``None`` when they ask for none."""
    if _env("OTEL_SDK_DISABLED").lower() == "true":
        return None
    names = [n.strip().lower() for n in _env("OTEL_TRACES_EXPORTER").split(",") if n.strip()]
    endpoint = _env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or _env("OTEL_EXPORTER_OTLP_ENDPOINT")
    if not names:
        names = ["otlp"] if endpoint else []
    if not names or names == ["none"]:
        return None
    if len(names) > 1:
        raise TracingConfigError(f"OTEL_TRACES_EXPORTER: one exporter, not {names}")
    if names[0] == "console":
        return ConsoleSpanExporter(service_name=SCOPE)
    if names[0] != "otlp":
        raise TracingConfigError(
            f"OTEL_TRACES_EXPORTER={names[0]!r}: comptoir exports traces with otlp or console"
        )
    protocol = (
        _env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or _env("OTEL_EXPORTER_OTLP_PROTOCOL")
    ) or "http/protobuf"
    # Each exporter reads its endpoint, headers, timeout, compression and certificates from
    # the same OTEL_EXPORTER_OTLP_* variables.
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        return GrpcExporter()
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter as HttpExporter,
        )

        return HttpExporter()
    raise TracingConfigError(
        f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r}: comptoir speaks grpc or http/protobuf"
    )


def _resource() -> Resource:
    """``service.name`` comptoir unless ``OTEL_SERVICE_NAME``/``OTEL_RESOURCE_ATTRIBUTES`` say
    otherwise, and comptoir's version."""
    try:
        own = {"service.version": version("comptoir")}
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without metadata
        own = {}
    resource = Resource.create(own)
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SCOPE}))
    return resource


def from_environment() -> TracerProvider | None:
    """A tracer provider exporting in batches as the ``OTEL_*`` variables ask, or ``None``.

    Tracing is on when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``…_TRACES_ENDPOINT``) is set, or
    ``OTEL_TRACES_EXPORTER`` is ``otlp`` or ``console``; ``OTEL_SDK_DISABLED=true`` or
    ``OTEL_TRACES_EXPORTER=none`` keeps it off. The sampler follows ``OTEL_TRACES_SAMPLER``
    (by default, every trace a caller did not mark unsampled).
    """
    exporter = _exporter_from_environment()
    if exporter is None:
        return None
    provider = TracerProvider(resource=_resource(), shutdown_on_exit=False)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


@contextlib.contextmanager
def installed(provider: TracerProvider | None = None) -> Iterator[TracerProvider | None]:
    """Turn tracing on with ``provider`` (else as the environment says) until the block ends.

    A provider made from the environment is shut down (its last spans exported) at the end;
    one passed in belongs to the caller.
    """
    global TRACER
    owned = provider is None
    if provider is None:
        provider = from_environment()
    if provider is None:
        yield None
        return
    TRACER = provider.get_tracer(SCOPE)
    try:
        yield provider
    finally:
        TRACER = None
        if owned:
            provider.shutdown()


def _carrier(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


async def operation(
    tracer: Tracer, scope: Scope, send: Send, serve: Callable[[Send], Awaitable[None]]
) -> None:
    """Serve one GraphQL request (``serve``, given the ``send`` to use) inside its operation span,
    the caller's ``traceparent`` its parent.

    The span is named ``graphql`` until the endpoint knows the operation (:func:`name_operation`).
    """
    parent = propagate.extract(_carrier(scope))
    attributes = {"http.request.method": scope["method"], "url.path": scope["path"]}
    with tracer.start_as_current_span(
        "graphql", context=parent, kind=SpanKind.SERVER, attributes=attributes
    ) as span:

        async def send_traced(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
            await send(message)

        await serve(send_traced)


def name_operation(kind: str, name: str | None, channel: str) -> None:
    """Name the current operation span after the GraphQL operation (``query CategoryPage``)."""
    span = trace.get_current_span()
    span.update_name(f"{kind} {name}" if name else kind)
    span.set_attribute("graphql.operation.type", kind)
    if name:
        span.set_attribute("graphql.operation.name", name)
    span.set_attribute("comptoir.channel", channel)


def note(key: str, value: str | int | bool | list[str]) -> None:
    """An attribute of the current span (the operation's, in the endpoint)."""
    trace.get_current_span().set_attribute(key, value)


def note_outcome(errors: int, degraded: list[dict[str, str]]) -> None:
    """The current operation's GraphQL errors and degraded sources (``erp:stale``), when any."""
    span = trace.get_current_span()
    if errors:
        span.set_attribute("comptoir.graphql.errors", errors)
    if degraded:
        span.set_attribute("comptoir.degraded", [f"{d['source']}:{d['mode']}" for d in degraded])


def start_cache_read(tracer: Tracer, name: str, attributes: dict[str, Any]) -> Span:
    """A span over one cache read, child of the current span; the caller ends it."""
    return tracer.start_span(name, kind=SpanKind.INTERNAL, attributes=attributes)


@contextlib.contextmanager
def cache_outcome(outcome: str) -> Iterator[None]:
    """Upstream requests made in this block were caused by ``outcome`` (miss, stale, revalidate)."""
    token = CACHE_OUTCOME.set(outcome)
    try:
        yield
    finally:
        CACHE_OUTCOME.reset(token)


async def upstream(
    tracer: Tracer,
    send: Callable[[MutableMapping[str, str]], Awaitable[T]],
    *,
    method: str,
    url: str,
    source: str,
    collection: str,
    breaker_state: Callable[[], str],
    batch_size: int | None = None,
    attempt: int = 0,
    headers: MutableMapping[str, str] | None = None,
) -> T:
    """Send one upstream request inside its span, with that span's ``traceparent`` in ``headers``.

    ``send`` makes the request with the headers it is given; its result is returned, its
    exception raised (and recorded on the span). The answer's status is set on the span by
    :func:`record_status`, called by the source's client once it has the answer.
    """
    attributes: dict[str, Any] = {
        "http.request.method": method,
        "url.full": url,
        "comptoir.source": source,
        "comptoir.collection": collection,
        "comptoir.breaker.state": breaker_state(),
        "comptoir.cache.outcome": CACHE_OUTCOME.get("none"),
    }
    if batch_size is not None:
        attributes["comptoir.batch_size"] = batch_size
    if attempt:
        attributes["http.request.resend_count"] = attempt
    carrier: MutableMapping[str, str] = dict(headers or {})
    with tracer.start_as_current_span(
        f"{method} {source}.{collection}",
        kind=SpanKind.CLIENT,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        propagate.inject(carrier)
        try:
            result = await send(carrier)
        except Exception as exc:
            span.set_attribute("error.type", type(exc).__name__)
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            _note_breaker_change(span, attributes, breaker_state())
            raise
        _note_breaker_change(span, attributes, breaker_state())
        return result


def record_status(status: int) -> None:
    """The status of an upstream answer, on its request's span (the current one)."""
    trace.get_current_span().set_attribute("http.response.status_code", status)


def _note_breaker_change(span: Span, attributes: dict[str, Any], after: str) -> None:
    if after != attributes["comptoir.breaker.state"]:
        span.set_attribute("comptoir.breaker.state_after", after)
