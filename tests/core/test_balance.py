"""The workers of `comptoir serve --workers N` share the client connections evenly."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from pathlib import Path

import httpx
import pytest
from comptoir.sources.registry import SOURCES

from comptoir.balance import ConnectionShares, NoFreeSlot, create_shares
from comptoir.settings import DEMO_JWT_SECRET
from tests.conftest import ReferenceSources
from tests.graph.test_answers import Workers
from tests.support.processes import wait_for

CONNECTIONS = 16


def _held_per_worker(metrics: str) -> list[float]:
    """Each worker's open client connections, as ``/metrics`` shows them."""
    return [
        float(value)
        for value in re.findall(r'^comptoir_client_connections\{pid="\d+"\} (\S+)$', metrics, re.M)
    ]


def _every_worker_accepts(url: str, workers: int) -> bool:
    """Whether each worker holds a connection while a few are held open.

    A worker shows in ``/metrics`` from its start, before it listens: what
    tells that it accepts is a connection it holds.
    """
    with contextlib.ExitStack() as stack:
        for _ in range(workers * 2):
            client = stack.enter_context(httpx.Client())  # one keep-alive connection each
            client.get(f"{url}/healthz")
        held = _held_per_worker(httpx.get(f"{url}/metrics", headers={"Connection": "close"}).text)
    return len(held) == workers and all(count >= 1 for count in held)


def test_each_worker_claims_its_own_slot_and_frees_it(tmp_path: Path) -> None:
    create_shares(tmp_path, 2)
    first, second = ConnectionShares(tmp_path), ConnectionShares(tmp_path)
    assert {first.slot, second.slot} == {0, 1}
    with pytest.raises(NoFreeSlot):
        ConnectionShares(tmp_path)
    for _ in range(2):
        first.opened()
    assert first.over_share() and not second.over_share()
    second.opened()
    assert not first.over_share()  # one over the other is a fair share
    first.close()
    replacement = ConnectionShares(tmp_path)  # a worker replacing a dead one takes its slot
    assert replacement.slot == first.slot
    assert second.over_share() is False and not replacement.over_share()
    second.close()
    replacement.close()


async def _open_at_once(url: str) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """``CONNECTIONS`` keep-alive connections opened together, each having had one answer."""
    host, port = url.removeprefix("http://").split(":")
    pairs = await asyncio.gather(
        *(asyncio.open_connection(host, int(port)) for _ in range(CONNECTIONS))
    )
    for _, writer in pairs:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: comptoir\r\n\r\n")
    for reader, _ in pairs:
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
        assert await reader.readexactly(2) == b"ok"
    return pairs


def test_connections_opened_at_once_are_shared_by_the_workers(
    reference: ReferenceSources, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPTOIR_")}
    env |= {f"COMPTOIR_{name.upper()}_URL": reference.url(name) for name in SOURCES.names()}
    env |= {"COMPTOIR_JWT_SECRET": DEMO_JWT_SECRET, "COMPTOIR_DATA_DIR": str(tmp_path / "state")}
    with Workers(env) as workers:
        wait_for(lambda: _every_worker_accepts(workers.url, 2), timeout_s=60)

        async def held_while_counted() -> str:
            pairs = await _open_at_once(workers.url)
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{workers.url}/metrics")).text
            finally:
                for _, writer in pairs:
                    writer.close()

        metrics = asyncio.run(held_while_counted())
    counts = _held_per_worker(metrics)
    assert len(counts) == 2, metrics
    # 16 connections and the one asking for the metrics: 8 or 9 each, give or take one.
    assert min(counts) >= CONNECTIONS // 2 - 2, counts
