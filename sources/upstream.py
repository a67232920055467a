"""How comptoir speaks HTTP to a source: one request, one answer, or one of three failures.

:class:`AiohttpUpstream` is what comptoir runs on: aiohttp's connection pool,
with the URL encoded once here (a batch read's hundred ids are written as
they are, not parsed and quoted again by a client library), which a cold page
pays for on each of its upstream requests. :class:`HttpxUpstream` speaks
through an httpx transport instead, so that a test can watch or answer what
comptoir asks of its sources (``httpx.MockTransport``). Both send the same
URL, headers and body, and fail the same way: :class:`UpstreamTimeout`,
:class:`UpstreamUnreachable`, or :class:`UnwritableRequest` for a request
that could not be written at all (the source was never asked).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import quote, urlencode

import aiohttp
import httpx
import orjson
import yarl

MAX_URL_LENGTH: Final = 65_536
"""The longest URL written to a source; a longer one is an :class:`UnwritableRequest`."""

Params = Mapping[str, str] | Sequence[tuple[str, str]]
"""A query string's parameters: a mapping, or pairs when a name repeats."""


class Writes:
    """The requests to sources this process has started, how many are not yet written or answered.

    A request is written once its head has gone to the connection (a new
    connection first has to be opened): from then on, the source works on it
    whatever this process does, so a caller may wait for that before spending
    a few milliseconds of CPU on something else. While some are not answered
    yet, the process is waiting for its sources.
    """

    __slots__ = ("started", "unanswered", "unwritten")

    def __init__(self) -> None:
        self.started = 0
        self.unwritten = 0
        self.unanswered = 0


WRITES: Final = Writes()
"""The process's :class:`Writes` (every :class:`AiohttpUpstream` counts into it)."""


class _Written:
    """Whether one request was written yet (aiohttp's per-request trace context)."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False

    def mark(self) -> None:
        if not self.done:
            self.done = True
            WRITES.unwritten -= 1


async def _head_written(
    session: aiohttp.ClientSession,
    context: Any,
    params: aiohttp.TraceRequestHeadersSentParams,
) -> None:
    written: _Written = context.trace_request_ctx
    written.mark()


def _tracing_writes() -> aiohttp.TraceConfig:
    config = aiohttp.TraceConfig()
    config.on_request_headers_sent.append(_head_written)
    return config


class UpstreamTimeout(Exception):
    """The source did not answer in time."""


class UpstreamUnreachable(Exception):
    """The source could not be reached, or broke the exchange (refused, reset, malformed HTTP)."""


class UnwritableRequest(ValueError):
    """A request that cannot be written (an over-long URL, text that is not Unicode)."""


@dataclass(frozen=True, slots=True)
class UpstreamAnswer:
    """What a source answered: its status, its body and its ``Cache-Control``."""

    status_code: int
    content: bytes
    cache_control: str | None = None


class Upstream(Protocol):
    """One source's HTTP client: its base URL and a request method."""

    base_url: str
    """The source's base URL, ending with ``/``."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> UpstreamAnswer:
        """Send one request; its answer, or one of this module's errors."""
        ...

    async def aclose(self) -> None:
        """Close the connections."""
        ...


def _authorization(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _base(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def request_url(base_url: str, path: str, params: Params | None) -> str:
    """The URL of ``path`` with ``params`` under ``base_url``, encoded once (commas kept)."""
    url = base_url + path.lstrip("/")
    if params:
        try:
            url += "?" + urlencode(params, safe=",", quote_via=quote)
        except UnicodeEncodeError as exc:
            raise UnwritableRequest("a parameter is not valid Unicode text") from exc
    if len(url) > MAX_URL_LENGTH:
        raise UnwritableRequest(f"the URL is over {MAX_URL_LENGTH} characters")
    return url


def _body(json_body: Any, headers: Mapping[str, str] | None) -> tuple[bytes | None, dict[str, str]]:
    sent = dict(headers or {})
    if json_body is None:
        return None, sent
    sent["Content-Type"] = "application/json"
    return orjson.dumps(json_body), sent


class AiohttpUpstream:
    """A source reached through aiohttp's connection pool; made in the event loop that uses it."""

    def __init__(
        self, base_url: str, *, token: str | None, timeout_s: float, max_connections: int
    ) -> None:
        self.base_url = _base(base_url)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max_connections, limit_per_host=0),
            headers=_authorization(token),
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            cookie_jar=aiohttp.DummyCookieJar(),
            trace_configs=[_tracing_writes()],
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> UpstreamAnswer:
        """Send one request through the pool."""
        text = request_url(self.base_url, path, params)
        try:
            url = yarl.URL(text, encoded=True)
        except ValueError as exc:
            raise UnwritableRequest(str(exc)) from exc
        data, sent = _body(json_body, headers)
        written = _Written()
        WRITES.started += 1
        WRITES.unwritten += 1
        WRITES.unanswered += 1
        try:
            async with self._session.request(
                method, url, data=data, headers=sent, trace_request_ctx=written
            ) as response:
                content = await response.read()
                return UpstreamAnswer(
                    response.status, content, response.headers.get("Cache-Control")
                )
        except TimeoutError as exc:
            raise UpstreamTimeout(type(exc).__name__) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnreachable(type(exc).__name__) from exc
        finally:
            written.mark()  # no longer waiting to be written, whatever happened
            WRITES.unanswered -= 1

    async def aclose(self) -> None:
        """Close the pool's connections."""
        await self._session.close()


class HttpxUpstream:
    """A source reached through an httpx transport (a test's ``MockTransport``, say)."""

    def __init__(
        self,
        base_url: str,
        transport: httpx.AsyncBaseTransport,
        *,
        token: str | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        self.base_url = _base(base_url)
        self._client = httpx.AsyncClient(
            headers=_authorization(token), timeout=timeout_s, transport=transport
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> UpstreamAnswer:
        """Send one request through the transport."""
        url = request_url(self.base_url, path, params)
        data, sent = _body(json_body, headers)
        try:
            response = await self._client.request(method, url, content=data, headers=sent)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(type(exc).__name__) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnreachable(type(exc).__name__) from exc
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise UnwritableRequest(type(exc).__name__) from exc
        return UpstreamAnswer(
            response.status_code, response.content, response.headers.get("cache-control")
        )

    async def aclose(self) -> None:
        """Close the client."""
        await self._client.aclose()
