"""Build the reference sources as ASGI apps: one per source, or all of them under one app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

from comptoir.sources.reference import crm, dam, erp, oms, pim, promo, search
from comptoir.sources.reference.clock import Clock, clock_from_env
from comptoir.sources.reference.db import Database
from comptoir.sources.reference.storage import SOURCE_NAMES
from comptoir.sources.reference.web import EXCEPTION_HANDLERS, BearerAuth, SourceParts, Worker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount

_BUILDERS: dict[str, Callable[[Path, Worker], SourceParts]] = {
    "pim": pim.build,
    "dam": dam.build,
    "erp": erp.build,
    "crm": crm.build,
    "oms": oms.build,
    "promo": promo.build,
    "search": search.build,
}


def _closing(
    databases: list[Database],
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for db in databases:
                db.close()

    return lifespan


def _source_app(
    name: str, data_dir: Path, token: str | None, clock: Clock
) -> tuple[Starlette, list[Database]]:
    if name not in _BUILDERS:
        raise ValueError(f"unknown source {name!r}; expected one of {', '.join(SOURCE_NAMES)}")
    if name == "oms":  # the source whose answers follow the clock (promises, return windows)
        parts = oms.build(Path(data_dir), Worker(), clock)
    else:
        parts = _BUILDERS[name](Path(data_dir), Worker())
    app = Starlette(
        routes=parts.routes,
        middleware=[Middleware(BearerAuth, token=token)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=_closing(parts.databases),
    )
    app.state.databases = parts.databases
    return app, parts.databases


def build_source_app(
    name: str, data_dir: Path, token: str | None = None, *, clock: Clock | None = None
) -> Starlette:
    """The reference source ``name`` (``pim`` … ``search``) over ``<data_dir>/<name>.sqlite``.

    With a ``token``, every request needs ``Authorization: Bearer <token>``.
    ``clock`` is the oms's "now"; without one, ``COMPTOIR_REFERENCE_NOW`` or
    wall time (:func:`~comptoir.sources.reference.clock.clock_from_env`).
    The app's lifespan closes its database connections on shutdown.
    """
    return _source_app(name, data_dir, token, clock or clock_from_env())[0]


def build_reference_app(
    data_dir: Path,
    tokens: Mapping[str, str | None] | None = None,
    *,
    clock: Clock | None = None,
) -> Starlette:
    """Every source, mounted under its name: ``/pim``, ``/dam``, … ``/search``.

    ``tokens`` maps a source name to its bearer token (absent or ``None``:
    no token for that source). A base URL such as ``http://host:port/erp``
    then serves the erp's contract. ``clock`` is the oms's "now" (see
    :func:`build_source_app`).
    """
    clock = clock or clock_from_env()
    tokens = tokens or {}
    unknown = set(tokens) - set(SOURCE_NAMES)
    if unknown:
        raise ValueError(f"tokens for unknown sources: {', '.join(sorted(unknown))}")
    mounts, databases = [], []
    for name in SOURCE_NAMES:
        app, owned = _source_app(name, data_dir, tokens.get(name), clock)
        mounts.append(Mount(f"/{name}", app=app))
        databases += owned
    combined = Starlette(
        routes=mounts, exception_handlers=EXCEPTION_HANDLERS, lifespan=_closing(databases)
    )
    combined.state.databases = databases
    return combined
