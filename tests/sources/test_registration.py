"""A new source is one package plus one registration: a toy source from the tests alone.

The toy package (``tests/support/toy``) is laid out like ``sources/<system>/``
and registered here; nothing in comptoir names it. Its settings
(``COMPTOIR_TOY_URL``, ``_TOKEN``, ``_HOOK_SECRET``), client, breaker,
cached collection, typed loader, ``/hooks/toy`` and ``/readyz`` line follow.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from comptoir.graph.app import create_app
from comptoir.graph.hooks import signature_of
from comptoir.graph.state import AppState
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.loaders import Loaders
from comptoir.sources.registry import SOURCES

from comptoir.settings import Settings
from tests.conftest import ReferenceSources, reference_settings
from tests.support import toy
from tests.support.servers import ServerThread
from tests.support.toy.loaders import SOURCE as TOY
from tests.support.toy.loaders import WidgetByIdLoader
from tests.support.toy.upstream import ToyUpstream

TOKEN = "toy-token"  # noqa: S105  # the toy source's own, in this test only
SECRET = "toy-hook-secret"  # noqa: S105  # likewise


@pytest.fixture
def upstream() -> Iterator[tuple[ToyUpstream, str]]:
    """The toy source over real HTTP."""
    toy_source = ToyUpstream(TOKEN)
    with ServerThread(toy_source.app()) as server:
        yield toy_source, server.url


@pytest.fixture
def settings(reference: ReferenceSources, tmp_path: Path) -> Iterator[Settings]:
    """Settings for the six shipped sources, made before the toy is registered; then the toy."""
    made = reference_settings(reference, tmp_path)
    SOURCES.register(TOY)
    yield made
    SOURCES.unregister(TOY.name)


@pytest.fixture
async def running(
    settings: Settings, upstream: tuple[ToyUpstream, str], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[AppState, httpx.AsyncClient]]:
    """comptoir in this event loop, the toy configured only through its environment."""
    monkeypatch.setenv("COMPTOIR_TOY_URL", upstream[1])
    monkeypatch.setenv("COMPTOIR_TOY_TOKEN", TOKEN)
    monkeypatch.setenv("COMPTOIR_TOY_HOOK_SECRET", SECRET)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://comptoir") as client:
            yield app.state.comptoir, client


def widgets(state: AppState) -> WidgetByIdLoader:
    """A fresh request's loader of widgets."""
    return Loaders(state.sources, DegradedReport()).get(WidgetByIdLoader)


async def test_a_registered_source_is_read_through_the_cache_with_its_token(
    running: tuple[AppState, httpx.AsyncClient], upstream: tuple[ToyUpstream, str]
) -> None:
    state, _ = running
    assert toy.__doc__  # the package is the tests' own
    found = await widgets(state).load_many(["W-1", "W-2", "W-404"])
    assert found == [{"id": "W-1", "label": "widget 1"}, {"id": "W-2", "label": "widget 2"}, None]
    assert upstream[0].requests() == [["W-1", "W-2", "W-404"]]  # one batch, with the token

    again = await widgets(state).load_many(["W-2", "W-1"])
    assert [w and w["id"] for w in again] == ["W-2", "W-1"]
    assert len(upstream[0].requests()) == 1  # fresh in the cache


async def test_a_registered_source_has_its_signed_hook_and_its_readiness(
    running: tuple[AppState, httpx.AsyncClient], upstream: tuple[ToyUpstream, str]
) -> None:
    state, client = running
    await widgets(state).load_many(["W-1", "W-2"])
    body = json.dumps({"events": [{"collection": "widgets", "ids": ["W-1"]}]}).encode()

    refused = await client.post(
        "/hooks/toy", content=body, headers={"X-Comptoir-Signature": signature_of("wrong", body)}
    )
    assert refused.status_code == 401
    accepted = await client.post(
        "/hooks/toy", content=body, headers={"X-Comptoir-Signature": signature_of(SECRET, body)}
    )
    assert (accepted.status_code, accepted.json()) == (202, {"invalidated": 1})

    await widgets(state).load_many(["W-1", "W-2"])
    assert upstream[0].requests()[1:] == [["W-1"]]  # the event dropped W-1 only

    ready = (await client.get("/readyz")).json()
    assert ready["sources"]["toy"]["state"] == "closed"


async def test_a_registered_source_without_url_or_reference_stops_the_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPTOIR_TOY_URL", raising=False)
    app = create_app(settings)
    with pytest.raises(RuntimeError, match="COMPTOIR_TOY_URL must be set"):
        async with app.router.lifespan_context(app):
            pass
