"""Fixtures of the tests of comptoir's shared parts (settings, breaker)."""

from __future__ import annotations

import pytest

from tests.cache.fakes import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when a test says so."""
    return FakeClock()
