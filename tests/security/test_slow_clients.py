"""Slow clients over real sockets: a request's headers and body are due in time, or the connection closes.

`comptoir serve` runs in its own process with 1-second deadlines; a hundred
connections trickle their headers (one line every 200 ms, forever), others
send nothing or trickle a body. Each is closed by the server within a bound,
while `/healthz` keeps answering on new connections.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from comptoir.sources.registry import SOURCES

from comptoir.deadlines import MAX_HEADER_BYTES
from comptoir.settings import DEMO_JWT_SECRET
from tests.conftest import WEB_KEY, ReferenceSources
from tests.support.processes import wait_for
from tests.support.servers import free_port

DEADLINE_S = 1.0
BOUND_S = 15.0
"""How long a slow connection may live here: far above the deadline, far below "forever"."""


@pytest.fixture
def served(reference: ReferenceSources, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """`comptoir serve` on the reference sources, with 1-second read deadlines."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    env |= {f"COMPTOIR_{name.upper()}_URL": reference.url(name) for name in SOURCES.names()}
    env |= {
        "COMPTOIR_JWT_SECRET": DEMO_JWT_SECRET,
        "COMPTOIR_DATA_DIR": str(tmp_path / "state"),
        "COMPTOIR_HEADER_TIMEOUT_S": str(DEADLINE_S),
        "COMPTOIR_BODY_TIMEOUT_S": str(DEADLINE_S),
    }
    command = ["serve", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen([sys.executable, "-m", "comptoir.cli", *command], env=env)  # noqa: S603
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, "comptoir serve exited"
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, timeout_s=60)
        yield "127.0.0.1", port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


async def _until_closed(
    host: str, port: int, first: bytes, trickle: bytes | None, every_s: float = 0.2
) -> bytes:
    """Send ``first``, then ``trickle`` every ``every_s`` until the server closes; what it sent back."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(first)
    received = asyncio.ensure_future(reader.read())
    try:
        while not received.done():
            await asyncio.wait([received], timeout=every_s)
            if trickle and not received.done():
                try:
                    writer.write(trickle)
                    await writer.drain()
                except ConnectionError:
                    break
        return await received
    except ConnectionError:
        return b""
    finally:
        writer.close()


async def _healthz_while(host: str, port: int, attack: asyncio.Future[list[bytes]]) -> list[int]:
    statuses = []
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=5) as client:
        while not attack.done():
            statuses.append(
                (await client.get("/healthz", headers={"Connection": "close"})).status_code
            )
            await asyncio.sleep(0.1)
    return statuses


def test_slow_headers_are_closed_while_healthz_answers(served: tuple[str, int]) -> None:
    host, port = served

    async def attack() -> tuple[list[bytes], list[int]]:
        slow = asyncio.gather(
            *(
                _until_closed(host, port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n", b"X-Slow: 1\r\n")
                for _ in range(100)
            ),
            *(_until_closed(host, port, b"", None) for _ in range(20)),  # say nothing at all
        )
        health = await _healthz_while(host, port, slow)
        return await asyncio.wait_for(slow, BOUND_S), health

    answers, health = asyncio.run(asyncio.wait_for(attack(), BOUND_S + 5))
    assert len(answers) == 120
    assert all(a.startswith(b"HTTP/1.1 408") for a in answers[:100]), set(answers)
    assert health and set(health) == {200}


def test_a_slow_body_is_closed(served: tuple[str, int]) -> None:
    host, port = served
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"X-Channel-Key: " + WEB_KEY.encode() + b"\r\nContent-Length: 100000\r\n\r\n{"
    )

    async def attack() -> list[bytes]:
        return await asyncio.gather(*(_until_closed(host, port, head, b" ") for _ in range(20)))

    answers = asyncio.run(asyncio.wait_for(attack(), BOUND_S))
    assert len(answers) == 20 and not any(a.startswith(b"HTTP/1.1 200") for a in answers)


def test_headers_too_large_are_431(served: tuple[str, int]) -> None:
    host, port = served
    huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * (MAX_HEADER_BYTES + 1000)

    answer = asyncio.run(asyncio.wait_for(_until_closed(host, port, huge, None), BOUND_S))
    assert answer.startswith(b"HTTP/1.1 431")


def test_a_client_within_the_deadlines_is_served_on_a_kept_alive_connection(
    served: tuple[str, int],
) -> None:
    host, port = served

    async def two_requests() -> list[bytes]:
        reader, writer = await asyncio.open_connection(host, port)
        answers = []
        for _ in range(2):
            for line in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
                writer.write(line)
                await asyncio.sleep(DEADLINE_S / 5)  # slow, but within the deadline
            answers.append(await reader.readuntil(b"\r\n\r\n"))
            await reader.read(2)  # the body: "ok"
        writer.close()
        return answers

    answers = asyncio.run(asyncio.wait_for(two_requests(), BOUND_S))
    assert [a.split(b"\r\n")[0] for a in answers] == [b"HTTP/1.1 200 OK"] * 2
