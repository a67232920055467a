"""Read deadlines for HTTP clients: a request's headers, then its body, must arrive in time.

uvicorn bounds only the idle time between requests (``timeout_keep_alive``,
reset by every byte received): a client that trickles its headers one byte at
a time holds a connection for as long as it likes, and a few hundred of them
hold a server. An ASGI app cannot help, it is called once the headers are in.
:class:`ReadDeadlines` is uvicorn's httptools protocol with two deadlines:

- the request line and headers within ``header_timeout_s`` of the connection
  (or of the first byte of the next request on a kept-alive one), and within
  :data:`MAX_HEADER_BYTES`; past either, ``408`` or ``431`` and the
  connection is closed;
- the body within ``body_timeout_s`` of the headers; past it the connection
  is closed (the app reads a disconnect).

Nothing bounds the response: a slow query is the app's business. The app
gives its deadlines in its lifespan state (:data:`READ_DEADLINES`), which
uvicorn hands to every connection, so that each worker process applies its
own settings.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

from comptoir.coalesce import HeadWithBody
from comptoir.shortcut import ShortcutRequests

log = logging.getLogger("comptoir.http")

READ_DEADLINES: Final = "comptoir.read_deadlines"
"""The lifespan state's key of ``(header_timeout_s, body_timeout_s)``."""

DEFAULT_DEADLINES: Final = (10.0, 30.0)
"""Header and body deadlines of a server whose app gave none."""

MAX_HEADER_BYTES: Final = 64 * 1024
"""The most a request line and its headers may weigh."""


def _close_with(transport: asyncio.Transport, status: bytes, message: bytes) -> None:
    """Answer ``status`` with a short text and close (no app has seen the request)."""
    if transport.is_closing():
        return
    transport.write(
        b"HTTP/1.1 "
        + status
        + b"\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: "
        + str(len(message)).encode()
        + b"\r\nconnection: close\r\n\r\n"
        + message
    )
    transport.close()


class ReadDeadlines(ShortcutRequests):
    """uvicorn's httptools protocol (known requests answered at once), with a deadline on each
    request's headers and body."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting_headers = False
        self._header_bytes = 0

    def _deadlines(self) -> tuple[float, float]:
        given = self.app_state.get(READ_DEADLINES)
        return given if given is not None else DEFAULT_DEADLINES

    def _arm(self, seconds: float, *, headers: bool) -> None:
        self._disarm()
        self._awaiting_headers = headers
        self._deadline = self.loop.call_later(seconds, self._expired, headers)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._awaiting_headers = False

    def _expired(self, headers: bool) -> None:
        self._deadline = None
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if headers:
            log.debug("closing a connection whose request headers did not arrive in time")
            _close_with(transport, b"408 Request Timeout", b"request headers too slow")
            return
        if self.flow is not None and self.flow.read_paused:
            # Reading is paused (a pipelined request waits its turn): not the client's delay.
            self._arm(self._deadlines()[1], headers=False)
            return
        log.debug("closing a connection whose request body did not arrive in time")
        transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A new connection: its first request's headers are due."""
        super().connection_made(transport)
        self._header_bytes = 0
        self._arm(self._deadlines()[0], headers=True)

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: nothing is due."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Bytes in; while headers are still due after them, they count toward :data:`MAX_HEADER_BYTES`."""
        super().data_received(data)
        if self._awaiting_headers:
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._disarm()
                _close_with(
                    self.transport, b"431 Request Header Fields Too Large", b"headers too large"
                )

    def request_answered(self) -> None:
        """A known request was answered at once: nothing is due until the next one starts."""
        self._disarm()

    def on_message_begin(self) -> None:
        """A request starts: on a kept-alive connection, its headers are due from now."""
        super().on_message_begin()
        if self._deadline is None:
            self._header_bytes = 0
            self._arm(self._deadlines()[0], headers=True)

    def on_headers_complete(self) -> None:
        """Headers in: the body is due; the response will go out in one write (see :mod:`comptoir.coalesce`)."""
        self._arm(self._deadlines()[1], headers=False)
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and self.transport is not None:
            cycle.transport = HeadWithBody(self.transport)  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        """The whole request is in: nothing is due until the next one starts."""
        self._disarm()
        super().on_message_complete()
