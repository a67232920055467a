"""A response's head and body leave in one write, over a real socket."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from comptoir.coalesce import HeadWithBody

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n"


class _Written:
    """The writes a real transport was given (each still made on it)."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.writes: list[bytes] = []
        real_write = transport.write

        def write(data: Any) -> None:
            self.writes.append(bytes(data))
            real_write(data)

        transport.write = write  # type: ignore[method-assign]


@pytest.fixture
async def connection() -> AsyncIterator[tuple[_Written, HeadWithBody, socket.socket]]:
    """A response cycle's transport over a real socket, the writes made on it, and the peer."""
    ours, theirs = socket.socketpair()
    theirs.settimeout(5)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, ours)
    written = _Written(transport)
    yield written, HeadWithBody(transport), theirs
    transport.close()
    theirs.close()


def _read_all(peer: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = peer.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


async def test_the_head_waits_for_the_body_and_both_leave_in_one_write(
    connection: tuple[_Written, HeadWithBody, socket.socket],
) -> None:
    written, cycle, peer = connection

    cycle.write(HEAD)
    assert written.writes == []
    cycle.write(b"answer!")

    assert written.writes == [HEAD + b"answer!"]
    assert _read_all(peer, len(HEAD) + 7) == HEAD + b"answer!"
    await asyncio.sleep(0)  # the turn's flush finds nothing left to send
    assert written.writes == [HEAD + b"answer!"]


async def test_a_head_alone_leaves_on_the_next_turn_and_later_writes_go_straight(
    connection: tuple[_Written, HeadWithBody, socket.socket],
) -> None:
    written, cycle, peer = connection

    cycle.write(HEAD)
    await asyncio.sleep(0)
    assert written.writes == [HEAD]
    cycle.write(b"part 1")
    cycle.write(b"part 2")

    assert written.writes == [HEAD, b"part 1", b"part 2"]
    assert _read_all(peer, len(HEAD) + 12) == HEAD + b"part 1part 2"


async def test_closing_sends_a_held_head_first(
    connection: tuple[_Written, HeadWithBody, socket.socket],
) -> None:
    _, cycle, peer = connection

    cycle.write(HEAD)
    cycle.close()
    await asyncio.sleep(0.05)

    assert cycle.is_closing()
    assert _read_all(peer, len(HEAD) + 1) == HEAD  # then the end of the stream


async def test_comptoir_s_protocol_answers_a_request_in_one_write() -> None:
    """uvicorn's own protocol, as `comptoir serve` runs it: head and body in one write."""
    import uvicorn
    from uvicorn.server import ServerState

    from comptoir.deadlines import ReadDeadlines

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        headers = [(b"content-length", b"7")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"answer!"})

    config = uvicorn.Config(app, http=ReadDeadlines, lifespan="off", access_log=False)
    loop = asyncio.get_running_loop()
    protocol = ReadDeadlines(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    ours, theirs = socket.socketpair()
    theirs.settimeout(5)
    transport, _ = await loop.connect_accepted_socket(lambda: protocol, ours)
    written = _Written(transport)  # the writes the protocol makes on the connection
    try:
        for _ in range(2):  # and again on the kept-alive connection
            theirs.sendall(b"GET / HTTP/1.1\r\nhost: comptoir\r\n\r\n")
            for _ in range(100):
                if written.writes:
                    break
                await asyncio.sleep(0.01)
            assert len(written.writes) == 1
            assert written.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
            assert written.writes[0].endswith(b"\r\n\r\nanswer!")
            assert _read_all(theirs, len(written.writes[0])) == written.writes[0]
            await asyncio.sleep(0.01)
            assert len(written.writes) == 1
            written.writes.clear()
    finally:
        transport.close()
        theirs.close()
