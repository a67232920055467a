"""Reading finished spans in tests: wait for an operation's span, draw a trace as a tree."""

from __future__ import annotations

import time
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

SHOWN = (
    "graphql.operation.name",
    "comptoir.channel",
    "comptoir.response_cache",
    "comptoir.source",
    "comptoir.collection",
    "comptoir.batch_size",
    "comptoir.cache.outcome",
    "comptoir.breaker.state",
    "comptoir.breaker.state_after",
    "http.response.status_code",
    "http.request.resend_count",
    "comptoir.cache.keys",
    "comptoir.cache.hits",
    "comptoir.cache.stale",
    "comptoir.cache.misses",
    "comptoir.cache.result",
    "error.type",
)


def operations(
    exporter: InMemorySpanExporter, count: int, timeout_s: float = 10.0
) -> list[ReadableSpan]:
    """Every finished span once ``count`` operation spans have ended (an operation's span ends
    just after its answer is sent, so a client may read the answer first)."""
    deadline = time.monotonic() + timeout_s
    while True:
        spans = list(exporter.get_finished_spans())
        if sum(1 for s in spans if s.kind is SpanKind.SERVER) >= count:
            return spans
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} operation spans expected, got {[s.name for s in spans]}")
        time.sleep(0.01)


def tree(spans: Sequence[ReadableSpan]) -> str:
    """The spans drawn as a tree, children in start order, with the attributes that matter."""
    by_parent: dict[int | None, list[ReadableSpan]] = {}
    ids = {s.context.span_id for s in spans if s.context is not None}
    for span in spans:
        parent = span.parent.span_id if span.parent is not None else None
        by_parent.setdefault(parent if parent in ids else None, []).append(span)
    lines: list[str] = []

    def draw(span: ReadableSpan, depth: int) -> None:
        attributes = span.attributes or {}
        shown = " ".join(
            f"{key.removeprefix('comptoir.')}={attributes[key]}"
            for key in SHOWN
            if key in attributes
        )
        status = "" if span.status.is_ok else f" [{span.status.status_code.name}]"
        lines.append(
            f"{'  ' * depth}{span.name} ({span.kind.name.lower()}){status} {shown}".rstrip()
        )
        for child in sorted(
            by_parent.get(span.context.span_id, []), key=lambda s: s.start_time or 0
        ):  # type: ignore[union-attr]
            draw(child, depth + 1)

    for root in sorted(by_parent.get(None, []), key=lambda s: s.start_time or 0):
        draw(root, 0)
    return "\n".join(lines)
