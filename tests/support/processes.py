"""Processes of their own (comptoir, a reference source) that a test can SIGKILL, and polling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import httpx

from tests.support.servers import free_port


def wait_for(condition: Callable[[], bool], timeout_s: float = 15.0) -> float:
    """Seconds until ``condition`` held; fails after ``timeout_s``."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, "condition not met in time"
        time.sleep(0.05)
    return time.monotonic() - started


class ComptoirProcess:
    """comptoir (or a reference source) in a process of its own, so that a test can SIGKILL it."""

    COMPTOIR = (
        "-m",
        "uvicorn",
        "--factory",
        "comptoir.graph.app:create_app",
        "--log-level",
        "warning",
    )

    def __init__(
        self, env: dict[str, str], args: tuple[str, ...] = COMPTOIR, probe: str = "/healthz"
    ) -> None:
        self.port = free_port()
        self.env = env
        self.args = args
        self.probe = probe
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ComptoirProcess:
        command = [sys.executable, *self.args, "--port", str(self.port)]
        self.process = subprocess.Popen(command, env={**os.environ, **self.env})  # noqa: S603
        wait_for(self._up, timeout_s=30)
        return self

    def _up(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "the process exited"
        try:
            httpx.get(f"{self.url}{self.probe}", timeout=1)
        except httpx.TransportError:
            return False
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
