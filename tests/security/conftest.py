"""Fixtures of the security tests: comptoir on a private copy of the sources (writes change it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from comptoir.settings import DEMO_JWT_SECRET, Settings
from tests.conftest import Comptoir, WriteSources


@pytest.fixture
def writable(
    write_sources: WriteSources, tmp_path: Path, start_comptoir: Callable[..., Comptoir]
) -> Callable[..., Comptoir]:
    """Start comptoir servers on the private sources (settings overridable)."""

    def start(**overrides: Any) -> Comptoir:
        settings: dict[str, Any] = {
            "data_dir": tmp_path / "state",
            "jwt_secret": DEMO_JWT_SECRET,
            **write_sources.urls(),
        }
        return start_comptoir(Settings(**{**settings, **overrides}))

    return start
