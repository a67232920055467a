"""Serve the reference sources: blocking (``run_source``) or inside the current event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType

import uvicorn
from comptoir.sources.reference.apps import build_reference_app, build_source_app
from comptoir.sources.reference.clock import Clock
from comptoir.sources.reference.storage import SOURCE_NAMES


def run_source(name: str, host: str, port: int, data_dir: Path, token: str | None = None) -> None:
    """Serve source ``name`` (or ``all``: the seven under ``/pim`` … ``/search``) until interrupted.

    For ``all``, ``token`` protects every source.
    """
    if name == "all":
        app = build_reference_app(data_dir, dict.fromkeys(SOURCE_NAMES, token))
    else:
        app = build_source_app(name, data_dir, token)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info")


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its host process."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class EmbeddedSources:
    """The seven reference sources served over loopback HTTP from the current event loop.

    ::

        async with EmbeddedSources(data_dir, tokens) as sources:
            erp_url = sources.base_urls["erp"]  # http://127.0.0.1:<port>/erp

    The server binds 127.0.0.1 on a free port (or ``port``), logs no access
    lines and leaves the host's logging configuration and signal handlers
    alone. Leaving the block shuts it down and closes the databases.
    ``clock`` is the oms's "now" (default: ``COMPTOIR_REFERENCE_NOW`` or wall
    time).
    """

    def __init__(
        self,
        data_dir: Path,
        tokens: Mapping[str, str | None] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.tokens = dict(tokens or {})
        self.host = host
        self.port = port
        self.clock = clock
        self.base_urls: dict[str, str] = {}
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, the root the sources are mounted under."""
        if not self.base_urls:
            raise RuntimeError("the embedded sources are not started")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Bind, start serving and wait until the server accepts connections."""
        app = build_reference_app(self.data_dir, self.tokens, clock=self.clock)
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
        # and without it every keep-alive response waits for a delayed ACK (about 40 ms).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(
            self._server.serve(sockets=[sock]), name="comptoir-reference-sources"
        )
        while not self._server.started:
            if self._task.done():
                sock.close()
                self._task.result()  # raises the startup error
                raise RuntimeError("the embedded sources stopped during startup")
            await asyncio.sleep(0.01)
        self.base_urls = {name: f"http://{self.host}:{self.port}/{name}" for name in SOURCE_NAMES}

    async def stop(self) -> None:
        """Shut the server down and wait for it."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None
        self.base_urls = {}

    async def __aenter__(self) -> EmbeddedSources:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
