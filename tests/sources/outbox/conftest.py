"""Fixtures for the outbox suites: one suite, run on each backend, driven by a fake clock.

Each test gets an outbox of its own: a SQLite file under its temporary
folder, or a fresh schema of the session's real PostgreSQL (``postgres``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from comptoir.sources.outbox import Outbox, open_outbox

from tests.cache.fakes import FakeClock
from tests.support.postgres_server import PostgresServer

BACKENDS = ("sqlite", "postgresql")


@dataclass(frozen=True)
class OutboxPlace:
    """Where a test's outbox lives; every handle opened on it shares its writes."""

    backend: str
    url: str | None
    """``COMPTOIR_OUTBOX_URL`` (a PostgreSQL schema of its own), ``None`` for SQLite."""
    data_dir: Path
    """``COMPTOIR_DATA_DIR``: where the SQLite file is."""

    async def open(self, clock: Callable[[], float] = time.time) -> Outbox:
        """A new handle on this outbox, as another process would open it."""
        return await open_outbox(self.url, self.data_dir, clock=clock)

    def argv(self) -> list[str]:
        """The place as a drill worker's arguments: the data directory and the URL (or ``-``)."""
        return [str(self.data_dir), self.url or "-"]


@pytest.fixture(params=BACKENDS)
def place(request: pytest.FixtureRequest, tmp_path: Path) -> OutboxPlace:
    """A fresh outbox on each backend."""
    data_dir = tmp_path / "data"
    if request.param == "sqlite":
        return OutboxPlace("sqlite", None, data_dir)
    server: PostgresServer = request.getfixturevalue("postgres")
    return OutboxPlace("postgresql", server.fresh_schema(), data_dir)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def outbox(place: OutboxPlace, clock: FakeClock) -> AsyncIterator[Outbox]:
    """The test's outbox on a fake clock."""
    opened = await place.open(clock)
    yield opened
    await opened.close()


@pytest.fixture
async def live_outbox(place: OutboxPlace) -> AsyncIterator[Outbox]:
    """The test's outbox on the wall clock, for dispatchers running in the background."""
    opened = await place.open()
    yield opened
    await opened.close()
