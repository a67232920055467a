"""Where registered documents are kept: a SQLite file under ``COMPTOIR_DATA_DIR``, or PostgreSQL.

A document is registered for one channel under the sha256 of its exact text
(hex), and never changes once registered: the same id always names the same
text, so a process may keep what it has read for as long as it likes. The
store is the only record: the in-process cache in front of it
(:class:`~comptoir.graph.trusted.registry.TrustedDocuments`) may forget
anything, the store forgets nothing.

With ``COMPTOIR_OUTBOX_URL`` set, documents live in that PostgreSQL
(:mod:`comptoir.graph.trusted.postgres`), shared by every instance; else in
``COMPTOIR_DATA_DIR/documents.sqlite``, shared by the processes of one machine.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

DOCUMENTS_FILE: Final = "documents.sqlite"
"""The SQLite store's file under ``COMPTOIR_DATA_DIR``."""

SCHEMA_VERSION: Final = 1

_DDL: Final = """
CREATE TABLE IF NOT EXISTS trusted_documents (
    channel    TEXT NOT NULL,
    id         TEXT NOT NULL,
    body       TEXT NOT NULL,
    operations TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (channel, id)
)
"""


class DocumentStoreUnavailable(Exception):
    """The store could not be reached (PostgreSQL down): nothing can be looked up right now."""


@dataclass(frozen=True, slots=True)
class Document:
    """A document to register: its id (sha256 of ``text``, hex), text and operation names."""

    id: str
    text: str
    operations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Registered:
    """A registered document, as listed."""

    channel: str
    id: str
    operations: tuple[str, ...]
    created_at: float
    size: int


class DocumentStore(Protocol):
    """The durable record of registered documents."""

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        ...

    async def add(self, channel: str, documents: Sequence[Document]) -> int:
        """Register ``documents`` for ``channel``; how many were new (the others stay as they are)."""
        ...

    async def find(self, channel: str, document_id: str) -> str | None:
        """The text registered under ``document_id`` for ``channel``, or ``None``."""
        ...

    async def listed(self, channel: str | None = None) -> list[Registered]:
        """The registered documents (of one channel, or all), by channel then registration."""
        ...

    async def close(self) -> None:
        """Release the connection(s)."""
        ...


def join_operations(operations: Sequence[str]) -> str:
    """Operation names as stored (one column, comma-separated: names never hold commas)."""
    return ",".join(operations)


def split_operations(stored: str) -> tuple[str, ...]:
    """Operation names as read back."""
    return tuple(name for name in stored.split(",") if name)


class SqliteDocumentStore:
    """Documents in a SQLite file; each call runs in a worker thread, under one lock."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if self._conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                    self._conn.execute(_DDL)
                    self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @property
    def backend(self) -> str:
        """Always ``"sqlite"``."""
        return "sqlite"

    @classmethod
    async def open(cls, path: Path) -> SqliteDocumentStore:
        """Open (and create, on first use) the file at ``path``."""
        return await asyncio.to_thread(cls, path)

    def _add(self, channel: str, documents: Sequence[Document]) -> int:
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                added = 0
                for document in documents:
                    cursor = self._conn.execute(
                        "INSERT INTO trusted_documents (channel, id, body, operations, created_at)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, id) DO NOTHING",
                        (
                            channel,
                            document.id,
                            document.text,
                            join_operations(document.operations),
                            now,
                        ),
                    )
                    added += cursor.rowcount
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        return added

    async def add(self, channel: str, documents: Sequence[Document]) -> int:
        """Register ``documents`` for ``channel`` in one transaction; how many were new."""
        return await asyncio.to_thread(self._add, channel, documents)

    def _find(self, channel: str, document_id: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM trusted_documents WHERE channel = ? AND id = ?",
                (channel, document_id),
            ).fetchone()
        return None if row is None else str(row[0])

    async def find(self, channel: str, document_id: str) -> str | None:
        """The text of ``document_id`` on ``channel``, or ``None``."""
        return await asyncio.to_thread(self._find, channel, document_id)

    def _listed(self, channel: str | None) -> list[Registered]:
        sql = "SELECT channel, id, operations, created_at, length(body) FROM trusted_documents"
        params: tuple[str, ...] = ()
        if channel is not None:
            sql += " WHERE channel = ?"
            params = (channel,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY channel, created_at, id", params).fetchall()
        return [
            Registered(row[0], row[1], split_operations(row[2]), float(row[3]), int(row[4]))
            for row in rows
        ]

    async def listed(self, channel: str | None = None) -> list[Registered]:
        """The registered documents, of one channel or all."""
        return await asyncio.to_thread(self._listed, channel)

    async def close(self) -> None:
        """Close the connection; the file keeps everything committed."""
        with self._lock:
            self._conn.close()


async def open_document_store(
    url: str | None, data_dir: Path, *, timeout_s: float = 5.0
) -> DocumentStore:
    """The store in the PostgreSQL at ``url`` (the outbox's), else the SQLite file under ``data_dir``."""
    if url is None:
        return await SqliteDocumentStore.open(data_dir / DOCUMENTS_FILE)
    from comptoir.sources.outbox import is_postgres

    if not is_postgres(url):
        raise ValueError("COMPTOIR_OUTBOX_URL must start with postgresql://")
    # Imported here: a process on SQLite never loads psycopg.
    from comptoir.graph.trusted.postgres import PostgresDocumentStore

    return await PostgresDocumentStore.open(url, timeout_s=timeout_s)
