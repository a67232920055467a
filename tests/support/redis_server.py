"""A real ``redis-server`` for tests: started on a free local port, killable, restartable."""

from __future__ import annotations

import atexit
import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

_STARTED: weakref.WeakSet[RedisServer] = weakref.WeakSet()


class RedisServerError(RuntimeError):
    """``redis-server`` is missing or did not come up."""


class RedisServer:
    """One ``redis-server`` process on ``127.0.0.1``, with no persistence.

    The port is picked once, so :meth:`start` after :meth:`stop` or
    :meth:`kill` brings the server back where clients expect it (an empty
    server: nothing is persisted). Usable as a context manager; any server
    still running when the interpreter exits is killed.
    """

    def __init__(
        self,
        *,
        start_timeout_s: float = 10.0,
        args: Sequence[str] = (),
        config: str | None = None,
    ) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerError(
                "redis-server is not on PATH: the cache tests need a real Redis "
                "(install the redis-server package)"
            )
        self._binary = binary
        self._start_timeout_s = start_timeout_s
        self._dir = tempfile.TemporaryDirectory(prefix="comptoir-redis-")
        self.port = _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._started_once = False
        self._log: Path = Path(self._dir.name) / "redis.log"
        # Extra arguments (a cluster node's, a Sentinel's), and a configuration
        # file's text (a Sentinel needs one it can rewrite).
        self._args = list(args)
        self._config: list[str] = []
        if config is not None:
            path = Path(self._dir.name) / "redis.conf"
            path.write_text(config)
            self._config = [str(path)]
        _STARTED.add(self)

    @property
    def directory(self) -> Path:
        """The server's working folder (its log, a cluster node's ``nodes.conf``)."""
        return Path(self._dir.name)

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        """Start the server (again, on the same port) and wait until it answers ``PING``."""
        if self.running:
            return self
        if not self._started_once:
            # The free port may be taken between picking and binding: pick
            # again, but only before the first start (restarts keep the port).
            for _ in range(3):
                try:
                    self._spawn()
                    break
                except RedisServerError:
                    if "in use" not in self._log_tail():
                        raise
                    self.port = _free_port()
                    self._args = _with_free_cluster_port(self._args)
            else:
                self._spawn()
            self._started_once = True
        else:
            self._spawn()
        return self

    def _spawn(self) -> None:
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - fixed arguments, binary from PATH
                [
                    self._binary,
                    *self._config,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    self._dir.name,
                    *self._args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def stop(self) -> None:
        """Stop the server cleanly (``SIGTERM``) and wait for it to exit."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the server (``SIGKILL``): clients see their connections drop at once."""
        self._signal(signal.SIGKILL)

    def pause(self) -> None:
        """Freeze the server (``SIGSTOP``): connections open but nothing answers, as in a hang."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again (``SIGCONT``)."""
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def close(self) -> None:
        """Kill the server if it runs and remove its directory."""
        self.kill()
        self._dir.cleanup()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _signal(self, signum: signal.Signals) -> None:
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            # A paused server would not act on SIGTERM until it runs again.
            process.send_signal(signal.SIGCONT)
            process.send_signal(signum)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._process = None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self._start_timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RedisServerError(
                    f"redis-server exited with {self._process.returncode} on port "
                    f"{self.port}:\n{self._log_tail()}"
                )
            if _answers_ping(self.port):
                return
            time.sleep(0.01)
        self.kill()
        raise RedisServerError(
            f"redis-server did not answer PING on port {self.port} within "
            f"{self._start_timeout_s}s:\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"


def _with_free_cluster_port(args: list[str]) -> list[str]:
    """``args`` with a cluster node's bus port (``--cluster-port``) picked free again, if any.

    A port free when the node was made may be taken by the time it starts
    (a client's ephemeral port, say): the bus port then has to move too.
    """
    if "--cluster-port" not in args:
        return args
    index = args.index("--cluster-port") + 1
    return [*args[:index], str(_free_port()), *args[index + 1 :]]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@atexit.register
def _kill_leftovers() -> None:
    for server in list(_STARTED):
        with contextlib.suppress(Exception):
            server.close()
