"""App factory for the benchmark: comptoir configured from ``COMPTOIR_*`` variables, run by uvicorn."""

from __future__ import annotations

from comptoir.graph.app import create_app
from starlette.applications import Starlette

from comptoir.settings import Settings


def create() -> Starlette:
    """A comptoir app whose settings come from the environment."""
    return create_app(Settings())
