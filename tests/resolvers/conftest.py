"""Resolvers under test: plain functions over a request scope, sources faked in memory."""

from __future__ import annotations

import pytest

from tests.resolvers.fakes import FakeSources


@pytest.fixture
def fake() -> FakeSources:
    """Empty fake sources; a test adds what it needs."""
    return FakeSources()
