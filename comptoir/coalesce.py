"""One socket write per response: a response's head is held until its body.

uvicorn writes a response's status line and headers, then its body, each
with its own ``transport.write``: two ``send`` system calls, and two
segments for the client to read, where one would do. A stored answer is
little more than those two writes, so they are a good part of what it
costs. :class:`HeadWithBody` stands in for the connection's transport in
one request's response cycle: it holds the cycle's first write (the head)
and sends it with the next one (the body) in one call. A head whose body
does not follow at once (a streamed answer) goes out on the next turn of
the loop, and before the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any


class HeadWithBody:
    """A transport for one response cycle: its first write waits for the second."""

    __slots__ = ("_first", "_held", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: bytes | None = None
        self._first = True

    def write(self, data: bytes) -> None:
        """Hold the first write; send it with the next one (or on the next turn of the loop)."""
        if self._first:
            self._first = False
            self._held = bytes(data)
            asyncio.get_running_loop().call_soon(self.flush)
            return
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        """Send what is held, if anything."""
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        """Send what is held, then close the connection."""
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        """Whether the connection is closing."""
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)
