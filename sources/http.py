"""The HTTP side shared by every source: timeouts, bearer token, batching, breaker, retries, bulkhead."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from comptoir.sources.errors import (
    CircuitOpen,
    SourceError,
    SourceRejected,
    SourceRequestInvalid,
    SourceResponseInvalid,
    SourceUnavailable,
)
from comptoir.sources.retry import RetryBudget, backoff_delay
from comptoir.sources.upstream import (
    Params,
    UnwritableRequest,
    Upstream,
    UpstreamAnswer,
    UpstreamTimeout,
    UpstreamUnreachable,
)

from comptoir import tracing
from comptoir.breaker import CircuitBreaker
from comptoir.metrics import SOURCE_LATENCY, SOURCE_REQUESTS, SOURCE_RETRIES

log = logging.getLogger("comptoir.sources")

MAX_IDS_PER_REQUEST = 100
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age=(\d+)")
_NO_STORE = re.compile(r"(?:^|[,\s])(no-store|no-cache)(?:$|[,\s])")


def unsendable(text: str, limit: int) -> str | None:
    """Why ``text`` may not go to a source (over ``limit`` characters, not valid Unicode), or ``None``.

    What a caller sends is checked with this before it reaches a source: an
    over-long URL or a lone surrogate cannot be written at all.
    """
    if len(text) > limit:
        return f"at most {limit} characters, got {len(text)}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode text (a lone surrogate)"
    return None


def max_age_of(header: str | None) -> float | None:
    """The freshness a source granted with ``Cache-Control``, or ``None`` when it said nothing."""
    if not header:
        return None
    if _NO_STORE.search(header):
        return 0.0
    match = _MAX_AGE.search(header)
    return float(match.group(1)) if match else None


@dataclass(slots=True)
class SourceHealth:
    """What ``/readyz`` shows of a source: its last error and latency."""

    last_error: str | None = None
    last_error_at: float | None = None
    last_latency_ms: float | None = None


@dataclass(frozen=True, slots=True)
class SourceResponse:
    """A decoded JSON answer and the freshness the source granted."""

    status: int
    body: Any
    max_age: float | None


@dataclass(slots=True)
class SourceClient:
    """One upstream source: a shared HTTP client behind a breaker, a bulkhead and a retry budget."""

    name: str
    http: Upstream
    breaker: CircuitBreaker
    max_concurrency: int = 32
    retry_attempts: int = 2
    queue_timeout_s: float = 1.0
    retry_budget: RetryBudget = field(default_factory=RetryBudget)
    health: SourceHealth = field(default_factory=SourceHealth)
    _bulkhead: asyncio.Semaphore | None = None

    @property
    def bulkhead(self) -> asyncio.Semaphore:
        """The concurrency limit, so that a slow source cannot take every connection."""
        if self._bulkhead is None:
            self._bulkhead = asyncio.Semaphore(self.max_concurrency)
        return self._bulkhead

    async def get(
        self,
        path: str,
        params: Params,
        collection: str,
        *,
        batch_size: int | None = None,
    ) -> SourceResponse:
        """An idempotent read, retried within the budget when the source is unavailable.

        ``batch_size``: how many ids the read asks for (shown on its trace span).
        """
        self.retry_budget.deposit()
        attempt = 0
        while True:
            try:
                tracer = tracing.TRACER
                if tracer is None:
                    return await self._send("GET", path, collection, params=params)
                return await tracing.upstream(
                    tracer,
                    lambda headers: self._send(
                        "GET", path, collection, params=params, headers=headers
                    ),
                    **self._span_of("GET", path, collection),
                    batch_size=batch_size,
                    attempt=attempt,
                )
            except CircuitOpen:
                raise
            except SourceUnavailable:
                attempt += 1
                if attempt >= self.retry_attempts or not self.retry_budget.try_spend():
                    raise
                SOURCE_RETRIES.labels(self.name).inc()
                await asyncio.sleep(backoff_delay(attempt, base_s=0.05, max_s=1.0))

    async def get_batch(
        self,
        path: str,
        key_param: str,
        ids: Sequence[str],
        collection: str,
        params: Mapping[str, str] | None = None,
    ) -> tuple[list[Any], float | None]:
        """Every item of ``ids``, asked for in chunks of 100 sent concurrently; the least max-age."""
        chunks = [ids[i : i + MAX_IDS_PER_REQUEST] for i in range(0, len(ids), MAX_IDS_PER_REQUEST)]
        responses = await asyncio.gather(
            *(
                self.get(
                    path,
                    {**(params or {}), key_param: ",".join(chunk)},
                    collection,
                    batch_size=len(chunk),
                )
                for chunk in chunks
            )
        )
        items: list[Any] = []
        ages: list[float] = []
        for response in responses:
            items.extend(self.items_of(response.body, collection))
            if response.max_age is not None:
                ages.append(response.max_age)
        return items, (min(ages) if ages else None)

    def items_of(self, body: Any, collection: str) -> list[Any]:
        """The ``items`` list of a read answer, or :class:`SourceResponseInvalid`."""
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise SourceResponseInvalid(self.name, f"{collection}: answer has no items list")
        return items

    async def post(
        self, path: str, body: Mapping[str, Any], collection: str, idempotency_key: str | None
    ) -> SourceResponse:
        """A write; never retried here (the outbox retries writes that carry an idempotency key)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        tracer = tracing.TRACER
        if tracer is None:
            return await self._send("POST", path, collection, json_body=body, headers=headers)
        return await tracing.upstream(
            tracer,
            lambda traced: self._send("POST", path, collection, json_body=body, headers=traced),
            **self._span_of("POST", path, collection),
            headers=headers,
        )

    def _span_of(self, method: str, path: str, collection: str) -> dict[str, Any]:
        """What the trace span of a request says of it: method, URL, source, collection, breaker."""
        return {
            "method": method,
            "url": f"{self.http.base_url}{path.lstrip('/')}",
            "source": self.name,
            "collection": collection,
            "breaker_state": lambda: self.breaker.state,
        }

    async def _send(
        self,
        method: str,
        path: str,
        collection: str,
        *,
        params: Params | None = None,
        json_body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SourceResponse:
        if not self.breaker.allow():
            SOURCE_REQUESTS.labels(self.name, collection, "open").inc()
            raise CircuitOpen(self.name, "circuit open: the source failed recently")
        # Every call let through ends in exactly one verdict (success, failure or
        # abandon), whatever is raised on the way: a half-open probe that ended
        # without one would keep the breaker refusing calls until a restart.
        decided = False
        try:
            response = await self._request(
                method, path, collection, params=params, json_body=json_body, headers=headers
            )
            if response.status_code >= 500:
                decided = True
                raise self._unavailable(collection, f"HTTP {response.status_code}")
            self.breaker.success()
            decided = True
        except SourceUnavailable:
            decided = True
            raise
        finally:
            if not decided:
                self.breaker.abandon()
        return self._decoded(response, collection)

    async def _request(
        self,
        method: str,
        path: str,
        collection: str,
        *,
        params: Params | None,
        json_body: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> UpstreamAnswer:
        """One request through the bulkhead; a failure of the source is :class:`SourceUnavailable`."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.queue_timeout_s):
                await self.bulkhead.acquire()
        except TimeoutError as exc:
            SOURCE_REQUESTS.labels(self.name, collection, "saturated").inc()
            self.breaker.abandon()
            raise SourceUnavailable(self.name, f"{collection}: saturated") from exc
        try:
            response = await self.http.request(
                method, path, params=params, json_body=json_body, headers=headers
            )
        except UpstreamTimeout as exc:
            raise self._unavailable(collection, f"timed out ({exc})") from exc
        except UpstreamUnreachable as exc:
            raise self._unavailable(collection, f"unreachable ({exc})") from exc
        except UnwritableRequest as exc:
            # A request that cannot be written (an over-long URL, a lone surrogate):
            # the source was never asked, so it says nothing of its health.
            SOURCE_REQUESTS.labels(self.name, collection, "not_sent").inc()
            self._note_error(f"{collection}: request not sent ({type(exc).__name__})")
            raise SourceRequestInvalid(
                self.name, f"{collection}: the request could not be sent ({type(exc).__name__})"
            ) from exc
        finally:
            self.bulkhead.release()
        if tracing.TRACER is not None:
            tracing.record_status(response.status_code)
        elapsed = time.perf_counter() - started
        SOURCE_LATENCY.labels(self.name, collection).observe(elapsed)
        self.health.last_latency_ms = round(elapsed * 1000, 2)
        return response

    def _decoded(self, response: UpstreamAnswer, collection: str) -> SourceResponse:
        """The JSON of an answered request, or the error its status or body says."""
        try:
            body = orjson.loads(response.content) if response.content else None
        except ValueError as exc:
            SOURCE_REQUESTS.labels(self.name, collection, "invalid").inc()
            self._note_error(f"{collection}: malformed JSON")
            raise SourceResponseInvalid(self.name, f"{collection}: malformed JSON") from exc
        if response.status_code >= 400:
            SOURCE_REQUESTS.labels(self.name, collection, "rejected").inc()
            error = body.get("error", "") if isinstance(body, dict) else ""
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise SourceRejected(self.name, response.status_code, str(error), str(message))
        SOURCE_REQUESTS.labels(self.name, collection, "ok").inc()
        return SourceResponse(response.status_code, body, max_age_of(response.cache_control))

    def _unavailable(self, collection: str, reason: str) -> SourceError:
        self.breaker.failure()
        SOURCE_REQUESTS.labels(self.name, collection, "unavailable").inc()
        self._note_error(f"{collection}: {reason}")
        log.warning("source %s unavailable: %s %s", self.name, collection, reason)
        return SourceUnavailable(self.name, f"{collection}: {reason}")

    def _note_error(self, message: str) -> None:
        self.health.last_error = message
        self.health.last_error_at = time.time()
