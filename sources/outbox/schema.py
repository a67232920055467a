"""The outbox's SQLite table, how a connection is opened, and how a row becomes a value."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from comptoir.sources.outbox.models import OutboxWrite, WriteStatus

SCHEMA_VERSION = 1

# `depends_on` is checked when a write is enqueued rather than by a foreign
# key, so that delivered parents can be purged once their children are
# delivered too.
# `seq` orders writes: created_at can tie, and clocks of two processes can
# disagree, an autoincrement never does (AUTOINCREMENT also never reuses the
# seq of a purged row, so the order of the survivors is kept).
DDL = """
CREATE TABLE IF NOT EXISTS outbox_writes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    subject         TEXT,
    depends_on      TEXT,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL    NOT NULL,
    created_at      REAL    NOT NULL,
    delivered_at    REAL,
    result          TEXT,
    remote_id       TEXT,
    last_error      TEXT,
    owner           TEXT,
    lease_until     REAL,
    UNIQUE (source, path, idempotency_key)
);
CREATE INDEX IF NOT EXISTS outbox_writes_due ON outbox_writes (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_writes_subject ON outbox_writes (subject, kind, status);
CREATE INDEX IF NOT EXISTS outbox_writes_source_subject
    ON outbox_writes (source, subject, status, seq);
CREATE INDEX IF NOT EXISTS outbox_writes_depends_on ON outbox_writes (depends_on);
CREATE INDEX IF NOT EXISTS outbox_writes_remote_id ON outbox_writes (remote_id);
"""

# Every read goes through this select so that a write always carries the id
# its parent got, which is what a deliverer needs to rewrite its body.
SELECT_WRITES = """
SELECT w.*, p.remote_id AS depends_on_remote_id
FROM outbox_writes AS w
LEFT JOIN outbox_writes AS p ON p.id = w.depends_on AND p.status = 'delivered'
"""


def connect(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """Open (and create, on first use) the outbox database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: the store opens its own transactions, so that a
    # read-then-write takes the write lock up front (BEGIN IMMEDIATE) instead
    # of failing to upgrade a read snapshot under another process's write.
    conn = sqlite3.connect(
        path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
    _use_wal(conn, busy_timeout_s)
    # FULL: a commit is on disk before the client is answered, so that not
    # even a power cut loses a write that was acknowledged.
    conn.execute("PRAGMA synchronous = FULL")
    _migrate(conn)
    return conn


def _use_wal(conn: sqlite3.Connection, busy_timeout_s: float) -> None:
    # WAL lets readers and the one writer proceed together. Switching a new
    # file to it needs the file to itself, and SQLite does not wait on its
    # busy handler for that: two processes opening a new file at once retry.
    deadline = time.monotonic() + busy_timeout_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _migrate(conn: sqlite3.Connection) -> None:
    # Under the write lock, so that two processes opening a new file at once
    # do not both create it; executescript() would commit early, hence one
    # statement at a time.
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            for statement in DDL.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def row_to_write(row: Mapping[str, Any] | sqlite3.Row) -> OutboxWrite:
    """The value of one row read with :data:`SELECT_WRITES`, from either backend."""
    result = row["result"]
    return OutboxWrite(
        seq=row["seq"],
        id=row["id"],
        kind=row["kind"],
        source=row["source"],
        path=row["path"],
        idempotency_key=row["idempotency_key"],
        body=json.loads(row["body"]),
        request_hash=row["request_hash"],
        subject=row["subject"],
        depends_on=row["depends_on"],
        status=WriteStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        result=None if result is None else json.loads(result),
        remote_id=row["remote_id"],
        last_error=row["last_error"],
        owner=row["owner"],
        lease_until=row["lease_until"],
        depends_on_remote_id=row["depends_on_remote_id"],
    )
