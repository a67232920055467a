"""Turning traces on and off with the standard OTEL_* variables, and exporting them over OTLP."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from comptoir.graph.app import create_app
from comptoir.sources.registry import SOURCES
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from comptoir import tracing
from comptoir.settings import DEMO_JWT_SECRET, Settings
from tests.conftest import WEB_KEY, ReferenceSources
from tests.graph.queries import PLP_QUERY
from tests.support.servers import ServerThread


@pytest.fixture(autouse=True)
def no_otel_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from an environment without OTEL_* variables."""
    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name)


class Collector:
    """An OTLP/HTTP trace receiver: the resource and span names of every export it gets."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    async def receive(self, request: Request) -> Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        with self.lock:
            for resource_spans in message.resource_spans:
                service = next(
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                )
                for scope_spans in resource_spans.scope_spans:
                    self.spans.extend((service, span.name) for span in scope_spans.spans)
        return Response(b"", media_type="application/x-protobuf")


@pytest.fixture
def collector() -> Iterator[tuple[Collector, str]]:
    received = Collector()
    app = Starlette(routes=[Route("/v1/traces", received.receive, methods=["POST"])])
    with ServerThread(app) as server:
        yield received, server.url


def _exporter() -> object:
    return tracing._exporter_from_environment()


def test_tracing_is_off_without_otel_variables() -> None:
    assert tracing.from_environment() is None
    with tracing.installed() as provider:
        assert provider is None
        assert tracing.TRACER is None


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, HttpExporter),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, HttpExporter),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            },
            GrpcExporter,
        ),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, HttpExporter),
        ({"OTEL_TRACES_EXPORTER": "console"}, ConsoleSpanExporter),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"},
            None,
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_TRACES_EXPORTER": "none",
            },
            None,
        ),
    ],
)
def test_the_standard_variables_choose_the_exporter(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: type | None
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    exporter = _exporter()
    if expected is None:
        assert exporter is None
    else:
        assert isinstance(exporter, expected)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "otlp or console"),
        ({"OTEL_TRACES_EXPORTER": "otlp,console"}, "one exporter"),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            },
            "grpc or http/protobuf",
        ),
    ],
)
def test_an_exporter_comptoir_lacks_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(tracing.TracingConfigError, match=message):
        tracing.from_environment()


def test_with_an_otlp_endpoint_set_a_category_page_is_exported_to_the_collector(
    monkeypatch: pytest.MonkeyPatch,
    collector: tuple[Collector, str],
    reference: ReferenceSources,
    tmp_path: Path,
) -> None:
    received, url = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    urls = {f"{name}_url": reference.url(name) for name in SOURCES.names()}
    settings = Settings(data_dir=tmp_path / "state", jwt_secret=DEMO_JWT_SECRET, **urls)
    server = ServerThread(create_app(settings)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            response = http.post(
                "/graphql",
                json={"query": PLP_QUERY, "variables": {"first": 24}},
                headers={"X-Channel-Key": WEB_KEY},
            )
            assert response.status_code == 200
            assert tracing.TRACER is not None
    finally:
        server.stop()  # the lifespan's end exports what the batch still holds
    assert tracing.TRACER is None
    names = [name for _, name in received.spans]
    assert {service for service, _ in received.spans} == {"comptoir"}
    assert names.count("query CategoryPage") == 1
    assert any(name.startswith("cache read ") for name in names)
    assert any(name.startswith("GET ") for name in names)


def test_otel_service_name_names_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tracing._resource().attributes["service.name"] == "comptoir"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "comptoir-eu-1")
    assert tracing._resource().attributes["service.name"] == "comptoir-eu-1"
    monkeypatch.delenv("OTEL_SERVICE_NAME")
    monkeypatch.setenv(
        "OTEL_RESOURCE_ATTRIBUTES", "service.name=shop-api,deployment.environment=prod"
    )
    resource = tracing._resource().attributes
    assert resource["service.name"] == "shop-api"
    assert resource["deployment.environment"] == "prod"
