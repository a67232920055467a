"""Traces of GraphQL operations: the span tree of a category page, and `traceparent` end to end.

The sources are the reference ones over real HTTP, behind a recorder of the `traceparent` each
request carries; the spans go to the SDK's in-memory exporter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.graph.app import create_app
from comptoir.sources.registry import SOURCES
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import ASGIApp, Receive, Scope, Send

from comptoir import tracing
from comptoir.settings import DEMO_JWT_SECRET, Settings
from tests.conftest import WEB_KEY, WriteSources
from tests.graph.queries import PLP_QUERY
from tests.observability.spans import operations, tree
from tests.support.servers import ServerThread

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
CALLER_TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
PAGE = {"query": PLP_QUERY, "variables": {"first": 24}}


@dataclass
class Recorder:
    """ASGI middleware in front of the reference sources: each request's path and traceparent."""

    app: ASGIApp
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            traceparent = headers.get(b"traceparent")
            with self.lock:
                self.seen.append((scope["path"], traceparent.decode() if traceparent else None))
        await self.app(scope, receive, send)

    def take(self) -> list[tuple[str, str | None]]:
        """What was recorded since the last take."""
        with self.lock:
            seen, self.seen = self.seen, []
        return seen


@pytest.fixture(scope="module")
def recorded(demo_data: Path) -> Iterator[tuple[Recorder, str]]:
    """The reference sources over real HTTP behind a :class:`Recorder`, and their URL."""
    from comptoir.sources.reference.apps import build_reference_app

    recorder = Recorder(build_reference_app(demo_data, {}))
    with ServerThread(recorder) as server:
        yield recorder, server.url


@dataclass
class Traced:
    """A running comptoir, its spans and what its sources saw."""

    http: httpx.Client
    spans: InMemorySpanExporter
    sources: Recorder

    def page(self, **headers: str) -> dict[str, Any]:
        response = self.http.post(
            "/graphql", json=PAGE, headers={"X-Channel-Key": WEB_KEY, **headers}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        return body


@pytest.fixture
def start_traced(recorded: tuple[Recorder, str], tmp_path: Path) -> Iterator[Callable[..., Traced]]:
    """Start comptoir with an in-memory span exporter (settings overridable)."""
    recorder, url = recorded
    servers: list[tuple[ServerThread, httpx.Client]] = []

    def start(*, traced: bool = True, **overrides: Any) -> Traced:
        exporter = InMemorySpanExporter()
        provider = None
        if traced:
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        urls = {f"{name}_url": f"{url}/{name}" for name in SOURCES.names()}
        settings = Settings(
            **{"data_dir": tmp_path / "state", "jwt_secret": DEMO_JWT_SECRET, **urls, **overrides}
        )
        server = ServerThread(create_app(settings, tracer_provider=provider)).start()
        http = httpx.Client(base_url=server.url, timeout=30)
        servers.append((server, http))
        recorder.take()
        return Traced(http, exporter, recorder)

    yield start
    for server, http in servers:
        http.close()
        server.stop()


def _kind(spans: list[ReadableSpan], kind: SpanKind) -> list[ReadableSpan]:
    return [s for s in spans if s.kind is kind]


def _ids(span: ReadableSpan) -> tuple[str, str]:
    assert span.context is not None
    return f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"


def test_a_cold_category_page_is_one_trace_under_the_callers_traceparent(
    start_traced: Callable[..., Traced],
) -> None:
    comptoir = start_traced()
    comptoir.page(traceparent=CALLER_TRACEPARENT)
    spans = operations(comptoir.spans, 1)
    print("\n" + tree(spans))

    (root,) = _kind(spans, SpanKind.SERVER)
    assert root.name == "query CategoryPage"
    assert root.parent is not None and root.parent.is_remote
    assert f"{root.parent.span_id:016x}" == CALLER_SPAN
    assert {_ids(s)[0] for s in spans} == {CALLER_TRACE}
    assert root.attributes is not None
    assert root.attributes["comptoir.channel"] == "web"
    assert root.attributes["comptoir.response_cache"] == "miss"
    assert root.attributes["http.response.status_code"] == 200
    root_id = _ids(root)[1]
    for span in spans:
        if span is not root:
            assert span.parent is not None and f"{span.parent.span_id:016x}" == root_id, span.name

    reads = {s.name: s.attributes for s in _kind(spans, SpanKind.INTERNAL)}
    assert reads["cache read answers"] == {
        "comptoir.cache.keys": 1,
        "comptoir.cache.result": "miss",
    }
    collection_reads = {n: a for n, a in reads.items() if n != "cache read answers"}
    for name, attributes in collection_reads.items():
        assert attributes is not None
        found = sum(int(attributes[f"comptoir.cache.{k}"]) for k in ("hits", "stale", "misses"))
        assert found == attributes["comptoir.cache.keys"], name
        assert attributes["comptoir.cache.stale"] == 0, name

    requests = _kind(spans, SpanKind.CLIENT)
    batch_sizes: dict[str, int] = {}
    for span in requests:
        attributes = span.attributes
        assert attributes is not None
        assert span.status.status_code is StatusCode.UNSET
        assert attributes["http.response.status_code"] == 200
        assert attributes["comptoir.breaker.state"] == "closed"
        assert attributes["comptoir.cache.outcome"] == "miss", "cold: every request fills the cache"
        name = f"{attributes['comptoir.source']}.{attributes['comptoir.collection']}"
        assert span.name == f"GET {name}"
        if "comptoir.batch_size" in attributes:
            batch_sizes[name] = batch_sizes.get(name, 0) + int(attributes["comptoir.batch_size"])
    # Variants, prices, stock and media: one batch each, of every id the cache missed.
    assert len(batch_sizes) >= 4
    for name, size in batch_sizes.items():
        read = collection_reads[f"cache read {name}"]
        assert read is not None and size == read["comptoir.cache.misses"] > 0, name

    # Each upstream request carried its own span as traceparent, in the caller's trace.
    arrived = comptoir.sources.take()
    assert len(arrived) == len(requests)
    expected = sorted(f"00-{CALLER_TRACE}-{_ids(s)[1]}-01" for s in requests)
    assert sorted(traceparent or "" for _, traceparent in arrived) == expected


def test_a_warm_category_page_is_its_stored_answer_read_once(
    start_traced: Callable[..., Traced],
) -> None:
    comptoir = start_traced()
    comptoir.page()
    operations(comptoir.spans, 1)
    comptoir.spans.clear()
    comptoir.sources.take()

    comptoir.page()
    spans = operations(comptoir.spans, 1)
    print("\n" + tree(spans))
    (root,) = _kind(spans, SpanKind.SERVER)
    assert root.parent is None, "no caller's traceparent: a trace of its own"
    assert root.attributes is not None and root.attributes["comptoir.response_cache"] == "hit"
    assert [(s.name, s.attributes) for s in spans if s is not root] == [
        ("cache read answers", {"comptoir.cache.keys": 1, "comptoir.cache.result": "fresh"})
    ]
    assert comptoir.sources.take() == []


def test_a_warm_executed_page_reads_every_collection_from_the_cache(
    start_traced: Callable[..., Traced],
) -> None:
    comptoir = start_traced(response_cache=False)
    comptoir.page()
    operations(comptoir.spans, 1)
    comptoir.spans.clear()

    comptoir.page()
    spans = operations(comptoir.spans, 1)
    print("\n" + tree(spans))
    assert _kind(spans, SpanKind.CLIENT) == []
    reads = _kind(spans, SpanKind.INTERNAL)
    assert reads
    for span in reads:
        assert span.attributes is not None
        assert span.attributes["comptoir.cache.hits"] == span.attributes["comptoir.cache.keys"]
        assert span.attributes["comptoir.cache.misses"] == 0


def test_with_tracing_off_nothing_is_traced_and_no_traceparent_is_sent(
    start_traced: Callable[..., Traced],
) -> None:
    comptoir = start_traced(traced=False)
    assert tracing.TRACER is None
    comptoir.page(traceparent=CALLER_TRACEPARENT)
    arrived = comptoir.sources.take()
    assert arrived, "a cold page reaches the sources"
    assert [traceparent for _, traceparent in arrived] == [None] * len(arrived)


def test_an_unsampled_caller_is_not_traced_and_its_choice_reaches_the_sources(
    start_traced: Callable[..., Traced],
) -> None:
    comptoir = start_traced()
    comptoir.page(traceparent=f"00-{CALLER_TRACE}-{CALLER_SPAN}-00")
    arrived = comptoir.sources.take()
    assert arrived
    for _, traceparent in arrived:
        assert traceparent is not None
        version, trace_id, _span, flags = traceparent.split("-")
        assert (version, trace_id, flags) == ("00", CALLER_TRACE, "00")
    comptoir.page()  # a sampled operation after it: the unsampled one left no span behind
    spans = operations(comptoir.spans, 1)
    assert {_ids(s)[0] for s in spans} != {CALLER_TRACE}
    assert len(_kind(spans, SpanKind.SERVER)) == 1


def test_a_source_down_marks_its_request_spans_its_breaker_and_the_operation(
    write_sources: WriteSources, tmp_path: Path
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = Settings(
        data_dir=tmp_path / "state",
        breaker_failures=2,
        jwt_secret=DEMO_JWT_SECRET,
        **write_sources.urls(),
    )
    write_sources.proxy.fault("erp").down = True
    with (
        ServerThread(create_app(settings, tracer_provider=provider)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        assert (
            http.post("/graphql", json=PAGE, headers={"X-Channel-Key": WEB_KEY}).status_code == 200
        )
        first = operations(exporter, 1)
        exporter.clear()
        write_sources.proxy.reset()
        assert (
            http.post("/graphql", json=PAGE, headers={"X-Channel-Key": WEB_KEY}).status_code == 200
        )
        second = operations(exporter, 1)
    print("\n" + tree(first))

    def erp_requests(spans: list[ReadableSpan]) -> list[ReadableSpan]:
        return [
            s
            for s in _kind(spans, SpanKind.CLIENT)
            if s.attributes and s.attributes["comptoir.source"] == "erp"
        ]

    for spans in (first, second):
        (root,) = _kind(spans, SpanKind.SERVER)
        assert root.attributes is not None
        assert "erp:unavailable" in (root.attributes["comptoir.degraded"] or ())
        others = [s for s in _kind(spans, SpanKind.CLIENT) if s not in erp_requests(spans)]
        assert all(s.status.status_code is StatusCode.UNSET for s in others)

    # First page: the erp answers 503, is asked again once, and its breaker opens.
    failed = erp_requests(first)
    assert failed and all(s.status.status_code is StatusCode.ERROR for s in failed)
    answered = [
        s for s in failed if s.attributes and s.attributes["error.type"] == "SourceUnavailable"
    ]
    assert answered and all(
        s.attributes and s.attributes["http.response.status_code"] == 503 for s in answered
    )
    assert any(s.attributes and s.attributes.get("http.request.resend_count") == 1 for s in failed)
    assert any(
        s.attributes and s.attributes.get("comptoir.breaker.state_after") == "open" for s in failed
    )

    # Second page: the breaker is open, nothing is sent; the spans say why.
    refused = erp_requests(second)
    assert refused
    for span in refused:
        assert span.attributes is not None
        assert span.attributes["comptoir.breaker.state"] == "open"
        assert span.attributes["error.type"] == "CircuitOpen"
        assert "http.response.status_code" not in span.attributes
    assert write_sources.proxy.reached("erp") == 0
