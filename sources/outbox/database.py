"""One SQLite connection shared by the threads of a process, and its transactions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from comptoir.sources.outbox.models import OutboxWrite
from comptoir.sources.outbox.schema import SELECT_WRITES, connect, row_to_write


class OutboxDatabase:
    """The outbox file, opened once; every statement runs under one lock.

    A single guarded connection is enough: statements take about a
    millisecond, and the lock makes the connection safe to use from the
    event loop and from ``asyncio.to_thread`` workers alike.
    """

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = connect(path, busy_timeout_s)

    def close(self) -> None:
        """Close the connection; the file keeps everything committed."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock before reading, so that a decision
        # made on what was read (a claim, an idempotency check) cannot be
        # raced by another process.
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _fetch_row(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row:
        with self._lock:
            row: sqlite3.Row = self._conn.execute(sql, params).fetchone()
        return row

    def _select(self, where: str, params: Sequence[Any] = ()) -> list[OutboxWrite]:
        with self._lock:
            rows = self._conn.execute(f"{SELECT_WRITES} WHERE {where}", params).fetchall()
        return [row_to_write(row) for row in rows]

    def _one(self, where: str, params: Sequence[Any]) -> OutboxWrite | None:
        found = self._select(where, params)
        return found[0] if found else None


def fetch_write(conn: sqlite3.Connection, write_id: str) -> OutboxWrite | None:
    """The write with this id, read inside an open transaction."""
    row = conn.execute(f"{SELECT_WRITES} WHERE w.id = ?", (write_id,)).fetchone()
    return None if row is None else row_to_write(row)
