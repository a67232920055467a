"""Requests answered before they are parsed: the very bytes of a request answered from the response cache.

A channel's pages ask the same public queries again and again, each time
with the same bytes: same request line, headers and body. Once the app has
answered such a request from a fresh stored answer, having applied every
rule of its gate (channel key, document, cost), those bytes are known to
mean that stored answer. :class:`ShortcutRequests` hands the bytes of each
new request on a kept-alive connection to the app's :class:`Shortcut`
first; when they are known and their stored answer is still fresh (the
response cache says so, invalidations included) and the channel's budget
allows it without waiting, the answer is written at once: no HTTP parsing,
no ASGI cycle, no task. Anything else goes the usual way, and a request
that arrived in one piece carries its bytes in its scope
(:data:`REQUEST_BYTES`) for the app to say what they mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

SHORTCUT: Final = "comptoir.shortcut"
"""The lifespan state's key of the app's :class:`Shortcut`."""

REQUEST_BYTES: Final = "comptoir.request_bytes"
"""The scope's key of a request's bytes, when they came in one piece and alone."""


Header = tuple[bytes, bytes]


class Shortcut(Protocol):
    """What answers known requests from their bytes."""

    def answer(self, request: bytes) -> tuple[int, Sequence[Header], bytes] | None:
        """The status, headers and body answering ``request``; ``None`` to go the usual way."""
        ...


class ShortcutRequests(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering known requests before parsing them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shortcut: Shortcut | None = None
        self._between_requests = True
        self._begun = 0

    def connection_made(self, transport: Any) -> None:
        """A new connection: the app's shortcut, if it has one."""
        super().connection_made(transport)
        self._shortcut = self.app_state.get(SHORTCUT)

    def data_received(self, data: bytes) -> None:
        """Bytes in: a known request answered at once, anything else parsed."""
        between = self._between_requests and not self.pipeline
        if between and self._shortcut is not None and self._idle():
            answer = self._shortcut.answer(data)
            if answer is not None:
                self._answered_at_once(*answer)
                return
        begun = self._begun
        super().data_received(data)
        cycle = self.cycle
        if (
            between
            and self._between_requests
            and self._begun == begun + 1
            and cycle is not None
            and cycle.keep_alive
            and not self.expect_100_continue
        ):
            # Exactly one request, whole: its task has not run yet.
            cycle.scope[REQUEST_BYTES] = data  # type: ignore[typeddict-unknown-key]

    def _idle(self) -> bool:
        """Whether nothing is being answered and the client reads what it is sent."""
        cycle = self.cycle
        return (
            (cycle is None or cycle.response_complete)
            and not self.flow.write_paused
            and not self.transport.is_closing()
        )

    def _answered_at_once(self, status: int, headers: Sequence[Header], body: bytes) -> None:
        """Send a shortcut's answer as uvicorn would; the connection then waits for the next request."""
        head = [STATUS_LINE[status]]
        for name, value in (*self.server_state.default_headers, *headers):
            head += (name, b": ", value, b"\r\n")
        head += (b"\r\n", body)
        self._unset_keepalive_if_required()
        self.transport.write(b"".join(head))
        self.server_state.total_requests += 1
        self.request_answered()
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def request_answered(self) -> None:
        """A request was answered without being parsed (for subclasses' bookkeeping)."""

    def on_message_begin(self) -> None:
        """A request starts."""
        self._between_requests = False
        self._begun += 1
        super().on_message_begin()

    def on_message_complete(self) -> None:
        """A request is in whole."""
        super().on_message_complete()
        self._between_requests = True
