"""A real PostgreSQL for tests: ``initdb`` into a temporary folder, ``pg_ctl`` on a free port.

PostgreSQL refuses to run as root: when the tests run as root, every
PostgreSQL command runs as the ``postgres`` user (``runuser``), in a folder
that user owns. The machine's own PostgreSQL service, if any, is never used.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import weakref
from pathlib import Path
from types import TracebackType

import psycopg

from tests.support.servers import free_port

_STARTED: weakref.WeakSet[PostgresServer] = weakref.WeakSet()
_SUPERUSER = "comptoir"
DATABASE = "comptoir"


class PostgresServerError(RuntimeError):
    """PostgreSQL is not installed, or did not come up."""


def _binaries() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: the newest ``/usr/lib/postgresql/*/bin``, else PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path is None:
        raise PostgresServerError(
            "PostgreSQL is not installed: the outbox tests need a real server "
            "(install the postgresql package)"
        )
    return Path(on_path).parent


class PostgresServer:
    """One PostgreSQL cluster of its own on ``127.0.0.1``, stoppable and restartable.

    The port is picked once, so :meth:`start` after :meth:`stop` or
    :meth:`kill` brings the server back where clients expect it, with its
    data. ``fsync=False`` (the default) trades crash safety of the *server*
    for speed, which tests that kill comptoir, not PostgreSQL, can afford.
    Usable as a context manager; a server still running when the
    interpreter exits is stopped.
    """

    def __init__(self, *, fsync: bool = False, start_timeout_s: float = 60.0) -> None:
        self._bin = _binaries()
        self._fsync = fsync
        self._start_timeout_s = start_timeout_s
        # Not pytest's tmp_path: the postgres user must be able to enter it.
        self._dir = Path(tempfile.mkdtemp(prefix="comptoir-pg-"))
        self._data = self._dir / "data"
        self._log = self._dir / "postgres.log"
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None
        if self._run_as is not None:
            user = pwd.getpwnam(self._run_as)
            os.chown(self._dir, user.pw_uid, user.pw_gid)
        self.port = free_port()
        self._initialised = False
        _STARTED.add(self)

    @property
    def url(self) -> str:
        """The URL of the test database (``postgresql://comptoir@127.0.0.1:<port>/comptoir``)."""
        return self.url_of(DATABASE)

    def url_of(self, database: str) -> str:
        """The URL of one database of this server."""
        return f"postgresql://{_SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _command(self, *args: str) -> list[str]:
        if self._run_as is None:
            return list(args)
        return ["runuser", "-u", self._run_as, "--", *args]

    def _run(self, *args: str) -> None:
        done = subprocess.run(  # noqa: S603 - fixed arguments, binaries of the installed PostgreSQL
            self._command(*args), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise PostgresServerError(
                f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}\n"
                f"{self._log_tail()}"
            )

    def start(self) -> PostgresServer:
        """Start the server (again, on the same port, with its data) and wait until it answers."""
        if self.running:
            return self
        if not self._initialised:
            self._run(
                str(self._bin / "initdb"),
                "-D",
                str(self._data),
                "-U",
                _SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-instructions",
            )
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self._dir}",
                "-c max_connections=200",
                f"-c fsync={'on' if self._fsync else 'off'}",
                f"-c synchronous_commit={'on' if self._fsync else 'off'}",
                f"-c full_page_writes={'on' if self._fsync else 'off'}",
            ]
        )
        self._run(
            str(self._bin / "pg_ctl"),
            "-D",
            str(self._data),
            "-l",
            str(self._log),
            "-o",
            options,
            "-w",
            "-t",
            str(int(self._start_timeout_s)),
            "start",
        )
        self._wait_ready()
        if not self._initialised:
            with psycopg.connect(self.url_of("postgres"), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
            self._initialised = True
        return self

    @property
    def running(self) -> bool:
        """Whether the server's postmaster is alive."""
        pid_file = self._data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        """Stop the server (fast shutdown: clients are disconnected at once) and wait for it."""
        if self.running:
            self._run(str(self._bin / "pg_ctl"), "-D", str(self._data), "-m", "fast", "-w", "stop")

    def kill(self) -> None:
        """Stop the server without a clean shutdown (``immediate``), as in a crash."""
        if self.running:
            self._run(
                str(self._bin / "pg_ctl"), "-D", str(self._data), "-m", "immediate", "-w", "stop"
            )

    def pause(self) -> None:
        """Freeze the server and its backends (``SIGSTOP``): connections stay open, nothing answers.

        As a network cut looks to a client.
        """
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again (``SIGCONT``)."""
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def _pids(self) -> list[int]:
        """The postmaster and its children (its backends and workers)."""
        postmaster = int((self._data / "postmaster.pid").read_text().splitlines()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        return [postmaster, *(int(child) for child in children)]

    def fresh_schema(self) -> str:
        """A new, empty schema in the test database; the URL that makes it the outbox's own.

        Each test gets its own tables without the cost of a database per test.
        """
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        return f"{self.url}?options=-csearch_path%3D{schema}"

    def close(self) -> None:
        """Stop the server if it runs and remove its folder."""
        with contextlib.suppress(PostgresServerError, OSError):
            self.resume()  # a paused server would not act on the stop
        with contextlib.suppress(PostgresServerError):
            self.kill()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self._start_timeout_s
        while True:
            try:
                with psycopg.connect(self.url_of("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise PostgresServerError(
                        f"PostgreSQL did not answer on port {self.port} within "
                        f"{self._start_timeout_s}s:\n{self._log_tail()}"
                    ) from None
                time.sleep(0.05)

    def _log_tail(self) -> str:
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_STARTED):
        with contextlib.suppress(Exception):
            server.close()
