"""Known requests: the same bytes as a request answered from the response cache, answered at once.

Over real sockets, on the protocol ``comptoir serve`` runs: each request is
sent in one write (as a load balancer or a browser sends a small one), so
that it reaches comptoir in one piece.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.cache.counters import LocalCounters
from comptoir.cache.entry import CacheEntry
from comptoir.cache.factory import build_cache
from comptoir.cache.policy import FreshnessPolicy
from comptoir.graph.answers import AnswerCache
from comptoir.graph.budget import CostBudget
from comptoir.graph.hits import KnownRequests
from comptoir.sources.reference import cases

from comptoir.channels import load_channels
from tests.conftest import WEB_KEY, Comptoir, WriteSources
from tests.graph.test_answers import SECRET, _event, _send_event
from tests.graph.test_cost import cost

PRICE_QUERY = "query Price($sku: ID!) { variant(sku: $sku) { sku price { amount { amount } } } }"
PRODUCT = f'{{ product(id: "{cases.PRODUCT_FULL}") {{ id name }} }}'


@dataclass
class Answer:
    """One HTTP response as read off the socket."""

    status: int
    head: list[tuple[str, str]]
    """Every header, names lowercased, in order."""
    body: bytes

    @property
    def headers(self) -> dict[str, str]:
        """The headers by name (the last one of a name)."""
        return dict(self.head)

    def json(self) -> Any:
        return json.loads(self.body)


def request_bytes(
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str = WEB_KEY,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A whole POST /graphql, as one piece of bytes."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    lines = [
        "POST /graphql HTTP/1.1",
        "Host: comptoir",
        "Content-Type: application/json",
        f"X-Channel-Key: {key}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
        f"Content-Length: {len(body)}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection:
    """One kept-alive client connection, written to and read from by hand."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, data: bytes, *, pause_after: int | None = None) -> None:
        """Send ``data`` in one write, or in two with a pause after ``pause_after`` bytes."""
        if pause_after is None:
            self.sock.sendall(data)
            return
        self.sock.sendall(data[:pause_after])
        time.sleep(0.05)
        self.sock.sendall(data[pause_after:])

    def read(self) -> Answer:
        """The next response."""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        pairs = []
        for line in lines:
            name, _, value = line.partition(":")
            pairs.append((name.lower(), value.strip()))
        length = int(dict(pairs).get("content-length", "0"))
        while len(self.buffer) < length:
            self.buffer += self._recv()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Answer(int(status_line.split()[1]), pairs, body)

    def exchange(self, data: bytes, *, pause_after: int | None = None) -> Answer:
        self.send(data, pause_after=pause_after)
        return self.read()

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        assert chunk, "the server closed the connection"
        return chunk

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def connect() -> Iterator[Callable[[Comptoir], Connection]]:
    """Open kept-alive connections to a comptoir (closed after the test)."""
    opened: list[Connection] = []

    def open_to(comptoir: Comptoir) -> Connection:
        connection = Connection(comptoir.server.port)
        opened.append(connection)
        return connection

    yield open_to
    for connection in opened:
        connection.close()


def known_answers(comptoir: Comptoir) -> float:
    """How many answers comptoir sent for known requests' bytes (its /metrics)."""
    for line in httpx.get(f"{comptoir.server.url}/metrics").text.splitlines():
        if line.startswith("comptoir_known_request_answers_total "):
            return float(line.rpartition(" ")[2])
    raise AssertionError("no comptoir_known_request_answers_total")


def _price(answer: Answer) -> str:
    assert answer.status == 200, answer.body
    body = answer.json()
    assert "errors" not in body, body
    return str(body["data"]["variant"]["price"]["amount"]["amount"])


def _without_date(answer: Answer) -> list[tuple[str, str]]:
    return sorted((name, value) for name, value in answer.head if name != "date")


@pytest.mark.parametrize("origin", [None, "https://shop.example"], ids=["plain", "cors"])
def test_known_bytes_are_answered_at_once_as_the_gate_answers_them(
    start_comptoir: Callable[..., Comptoir],
    connect: Callable[[Comptoir], Connection],
    tmp_path: Path,
    origin: str | None,
) -> None:
    channels = tmp_path / "channels.toml"
    channels.write_text(
        f'[channels.web]\nkey = "{WEB_KEY}"\nprice_list = "EUR-WEB"\ncurrency = "EUR"\n'
        'locale = "en"\nallowed_origins = ["https://shop.example"]\n'
    )
    comptoir = start_comptoir(channels=channels)
    connection = connect(comptoir)
    data = request_bytes(PRODUCT, headers={"Origin": origin} if origin else None)
    first = connection.exchange(data)
    assert first.status == 200 and first.headers["x-comptoir-cache"] == "MISS"
    # Split in two writes, the request reaches comptoir in two pieces: the gate answers it.
    before = known_answers(comptoir)
    by_gate = connection.exchange(data, pause_after=40)
    assert known_answers(comptoir) == before

    at_once = [connection.exchange(data) for _ in range(3)]

    assert known_answers(comptoir) == before + 3
    for answer in at_once:
        assert answer.status == 200
        assert answer.body == by_gate.body == first.body
        assert _without_date(answer) == _without_date(by_gate)
        assert answer.headers["x-comptoir-cache"] == "HIT"
    if origin:
        assert ("access-control-allow-origin", origin) in at_once[0].head
        assert ("vary", "Origin") in at_once[0].head


def test_a_change_event_changes_the_next_answer_to_known_bytes(
    write_sources: WriteSources,
    start_comptoir: Callable[..., Comptoir],
    connect: Callable[[Comptoir], Connection],
) -> None:
    comptoir = start_comptoir(**write_sources.urls(), erp_hook_secret=SECRET)
    connection = connect(comptoir)
    data = request_bytes(PRICE_QUERY, {"sku": cases.SKU_FULL})
    before = _price(connection.exchange(data))
    etag = connection.exchange(data).headers["etag"]
    known = known_answers(comptoir)
    conditional = request_bytes(
        PRICE_QUERY, {"sku": cases.SKU_FULL}, headers={"If-None-Match": etag}
    )
    connection.send(conditional)  # the gate's answer: known from now on
    assert connection.read().status == 304
    not_modified = connection.exchange(conditional)
    assert not_modified.status == 304 and not_modified.body == b""
    assert known_answers(comptoir) == known + 1

    write_sources.set_price(cases.SKU_FULL, "EUR-WEB", "77.70")
    _send_event(comptoir.server.url, _event(cases.SKU_FULL))
    changed = connection.exchange(conditional)
    again = connection.exchange(data)

    assert before != "77.70"
    assert changed.status == 200 and _price(changed) == "77.70"
    assert changed.headers["x-comptoir-cache"] == "MISS" and changed.headers["etag"] != etag
    assert _price(again) == "77.70"


def test_a_known_request_takes_from_its_channels_budget(
    start_comptoir: Callable[..., Comptoir],
    connect: Callable[[Comptoir], Connection],
    tmp_path: Path,
) -> None:
    each = cost(PRODUCT)
    channels = tmp_path / "channels.toml"
    channels.write_text(
        f'[channels.web]\nkey = "{WEB_KEY}"\nprice_list = "EUR-WEB"\ncurrency = "EUR"\n'
        f'locale = "en"\nmax_cost = {each}\nrate_limit = {each + 4}\n'
    )
    comptoir = start_comptoir(channels=channels)
    connection = connect(comptoir)
    data = request_bytes(PRODUCT)
    before = known_answers(comptoir)

    statuses = [connection.exchange(data).status for _ in range(8)]

    # The first costs what the document says, each stored answer 1: four more, then 429.
    assert statuses == [200] * 5 + [429] * 3
    assert known_answers(comptoir) == before + 4


def test_a_request_with_a_token_is_never_known(
    start_comptoir: Callable[..., Comptoir], connect: Callable[[Comptoir], Connection]
) -> None:
    comptoir = start_comptoir()
    connection = connect(comptoir)
    public = request_bytes(PRODUCT)
    assert connection.exchange(public).status == 200
    signed = request_bytes(PRODUCT, headers={"Authorization": "Bearer not-a-token"})
    before = known_answers(comptoir)

    answers = [connection.exchange(signed) for _ in range(3)]

    assert [answer.status for answer in answers] == [401] * 3
    assert known_answers(comptoir) == before


def test_two_requests_in_one_piece_are_each_answered(
    start_comptoir: Callable[..., Comptoir], connect: Callable[[Comptoir], Connection]
) -> None:
    comptoir = start_comptoir()
    connection = connect(comptoir)
    first, second = request_bytes(PRODUCT), request_bytes(PRICE_QUERY, {"sku": cases.SKU_FULL})
    before = known_answers(comptoir)

    for _ in range(3):
        connection.send(first + second)
        product, price = connection.read(), connection.read()
        assert product.json()["data"]["product"]["id"] == cases.PRODUCT_FULL
        assert _price(price)

    assert known_answers(comptoir) == before


async def test_the_known_requests_are_bounded_the_oldest_going_first() -> None:
    cache = build_cache(None, memory_max_entries=100)
    answers = AnswerCache(cache, FreshnessPolicy(60), schema_version="v", max_fresh_s=60)
    channel = load_channels(None).channels[0]
    known = KnownRequests(answers, CostBudget(LocalCounters()), max_known=2)
    for name in ("a", "b"):
        entry = CacheEntry(b'"' + b"0" * 32 + b'"' + name.encode() * 4, time.time(), 60)
        await cache.set_many({f"answer-{name}": entry}, 120)
    known.remember(b"request a", "answer-a", channel, None, ())
    known.remember(b"request b", "answer-b", channel, None, ())
    assert known.answer(b"request a") is not None

    known.remember(b"request c", "answer-b", channel, None, ())

    assert known.answer(b"request a") is None
    assert known.answer(b"request b") is not None
    answer = known.answer(b"request c")
    assert answer is not None
    status, _, body = answer
    assert status == 200 and body == b"bbbb"
