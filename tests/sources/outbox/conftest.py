"""Fixtures for the outbox suites: a store on a fresh file, driven by a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from comptoir.sources.outbox import OutboxStore

from tests.cache.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "outbox.sqlite3"


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[OutboxStore]:
    with OutboxStore(db_path, clock=clock) as opened:
        yield opened
