"""`comptoir serve`: one process, or N worker processes on one port.

With ``--workers N`` the command runs a supervisor (uvicorn's) and N workers
that share the listening socket. What must exist once per machine is
started once, before the workers: the embedded reference sources (for every
source without a URL) run in one child process that every worker calls
over loopback HTTP; without Redis, the workers tell each other what they
invalidate through Unix datagram sockets in a folder of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Final

from comptoir.settings import Settings

log = logging.getLogger("comptoir")

SOURCES_START_TIMEOUT_S: Final = 120.0

LOOP: Final = "asyncio"
"""The event loop comptoir serves on, one process or several.

asyncio's, not uvloop's: workers need a loop that asks the shared listener
for each connection (:mod:`comptoir.balance`; uvloop accepts in C), and a
cold page took 1 to 2 ms less on it (two rounds of 50 ms upstream: medians
115.9 and 117.9 ms against 116.9 and 118.6 on uvloop, runs alternating). A
stored answer costs about a tenth more CPU on it (9,200 to 9,500 answers a
second against 10,500).
"""


def serve(settings: Settings, host: str, port: int, log_level: str, workers: int) -> None:
    """Serve comptoir until interrupted.

    Refuses to start (:class:`~comptoir.auth.MissingSecret`) when sources are
    configured without ``COMPTOIR_JWT_SECRET``. Each connection runs under
    read deadlines (``comptoir/deadlines.py``): a client that sends its
    headers or body too slowly is closed.
    """
    import uvicorn

    from comptoir.auth import shopper_tokens
    from comptoir.balance import BalancedConnections, shared_listener
    from comptoir.sources.registry import SOURCES

    shopper_tokens(settings, SOURCES.names())  # before anything starts: MissingSecret
    if workers <= 1:
        from comptoir.graph.app import create_app

        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            http=BalancedConnections,
            loop=LOOP,
        )
        return
    with _shared_by_workers(settings, workers):
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(
            "comptoir.graph.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            http=BalancedConnections,
            loop=LOOP,
        )
        # What uvicorn.run does for workers, with the socket shared as a SharedListener.
        Multiprocess(config, sockets=[shared_listener(config.bind_socket())]).run()


@contextlib.contextmanager
def _shared_by_workers(settings: Settings, workers: int) -> Iterator[None]:
    """Start what the workers share, and say where it is through their environment."""
    from comptoir.balance import create_shares
    from comptoir.sources.reference import SOURCE_NAMES as REFERENCE_NAMES
    from comptoir.sources.registry import SOURCES

    with contextlib.ExitStack() as stack:
        missing = [name for name in SOURCES.names() if not settings.source(name).url]
        unserved = [name for name in missing if name not in REFERENCE_NAMES]
        if unserved:
            variables = ", ".join(f"COMPTOIR_{name.upper()}_URL" for name in unserved)
            raise RuntimeError(f"{variables} must be set: no reference source stands in for them")
        if missing:
            base_url = stack.enter_context(_embedded_sources(settings))
            for name in missing:
                os.environ[f"COMPTOIR_{name.upper()}_URL"] = f"{base_url}/{name}"
            if settings.jwt_secret is None:
                # The URLs just set are the embedded demo's own: the workers run the
                # demo as this process would have (its secret was checked in serve).
                os.environ["COMPTOIR_DEMO"] = "true"
            log.info("reference sources for %s at %s, shared by every worker", missing, base_url)
        run = settings.data_dir.resolve() / "run"
        if not settings.redis_url:
            os.environ["COMPTOIR_WORKERS_DIR"] = str(
                stack.enter_context(_folder(run / f"workers-{os.getpid()}"))
            )
        shares = stack.enter_context(_folder(run / f"connections-{os.getpid()}"))
        create_shares(shares, workers)
        os.environ["COMPTOIR_CONNECTION_SHARES_DIR"] = str(shares)
        # Every worker's metrics, added up by whichever worker answers /metrics.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(
            stack.enter_context(_folder(run / f"metrics-{os.getpid()}"))
        )
        yield


@contextlib.contextmanager
def _folder(path: Path) -> Iterator[Path]:
    """An empty folder of this supervisor's, removed when it stops."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _embedded_sources(settings: Settings) -> Iterator[str]:
    """The reference sources in one child process; yields their root URL."""
    from comptoir.embedded import generate_demo
    from comptoir.sources.reference import SOURCE_NAMES as REFERENCE_NAMES

    data = generate_demo(settings, progress=True)
    tokens = {name: settings.source(name).token for name in REFERENCE_NAMES}
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(
        target=_run_sources, args=(data, tokens, child), name="comptoir-sources", daemon=True
    )
    process.start()
    child.close()
    try:
        if not parent.poll(SOURCES_START_TIMEOUT_S):
            raise RuntimeError("the reference sources did not start")
        base_url: str = parent.recv()
        yield base_url
    finally:
        process.terminate()
        process.join(10)


def _run_sources(data: Path, tokens: dict[str, str | None], ready: Connection) -> None:
    """The child process: serve the reference sources until terminated."""
    from comptoir.sources.reference.serve import EmbeddedSources

    async def main() -> None:
        async with EmbeddedSources(data, tokens) as sources:
            ready.send(sources.base_url)
            ready.close()
            await asyncio.Event().wait()

    asyncio.run(main())
