"""The embedded default: comptoir's reference sources on demo data, served over loopback HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from comptoir.settings import Settings


def demo_dir(settings: Settings) -> Path:
    """Where the demo data of the reference sources lives."""
    return settings.data_dir / "demo"


def generate_demo(
    settings: Settings, *, small: bool = False, force: bool = False, progress: bool = False
) -> Path:
    """Make sure the demo data exists (generating it, with a progress bar, on first use)."""
    from comptoir.sources.reference.generate import ensure_demo_data, generate
    from comptoir.sources.reference.scale import DemoScale

    scale = DemoScale.small() if small or settings.demo_scale == "small" else DemoScale.full()
    target = demo_dir(settings)
    if force:
        generate(target, scale, progress=progress)
        return target
    ensure_demo_data(target, scale, progress)
    return target


@contextlib.asynccontextmanager
async def start_embedded(settings: Settings) -> AsyncIterator[dict[str, str]]:
    """Start the reference sources in this event loop; yields their base URLs by source name."""
    from comptoir.sources.reference import SOURCE_NAMES
    from comptoir.sources.reference.serve import EmbeddedSources

    data = generate_demo(settings, progress=True)
    tokens = {name: settings.source(name).token for name in SOURCE_NAMES}
    async with EmbeddedSources(data, tokens) as embedded:
        yield dict(embedded.base_urls)


def run_source(settings: Settings, name: str, host: str, port: int, token: str | None) -> None:
    """Run one reference source (or ``all``) in the foreground."""
    from comptoir.sources.reference.serve import run_source as run

    run(name, host, port, generate_demo(settings, progress=True), token)
