"""Registered documents in the PostgreSQL of ``COMPTOIR_OUTBOX_URL``, shared by every instance.

The table is created the way the outbox's are (:mod:`comptoir.sources.outbox.postgres_schema`):
numbered migrations, each applied once, under a transaction-scoped advisory
lock, on the first connection that works. A server that does not answer is
:class:`~comptoir.graph.trusted.store.DocumentStoreUnavailable`, never a
hang: every operation is bounded by ``timeout_s``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar

import psycopg
from comptoir.graph.trusted.store import (
    Document,
    DocumentStoreUnavailable,
    Registered,
    join_operations,
    split_operations,
)
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

T = TypeVar("T")
Connection = AsyncConnection[DictRow]

# 'trusted' in ASCII: the advisory lock of these migrations (the outbox has its own).
MIGRATION_LOCK: Final = 0x74727573746564

_V1: Final = """
CREATE TABLE trusted_documents (
    channel    TEXT NOT NULL,
    id         TEXT NOT NULL,
    body       TEXT NOT NULL,
    operations TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (channel, id)
)
"""

MIGRATIONS: Final[tuple[str, ...]] = (_V1,)
"""Migration ``n`` (from 1) is ``MIGRATIONS[n - 1]``; append, never edit a released one."""

_VERSIONS: Final = """
CREATE TABLE IF NOT EXISTS trusted_documents_schema (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""

_UNREACHABLE = (psycopg.OperationalError, psycopg.InterfaceError, TimeoutError, OSError)


async def migrate(conn: Connection) -> None:
    """Bring the documents' table of ``conn``'s search path to the latest version."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute(_VERSIONS)
        cursor = await conn.execute(
            "SELECT COALESCE(MAX(version), 0) AS version FROM trusted_documents_schema"
        )
        row = await cursor.fetchone()
        found = int(row["version"]) if row is not None else 0
        for version in range(found + 1, len(MIGRATIONS) + 1):
            await conn.execute(MIGRATIONS[version - 1])
            await conn.execute(
                "INSERT INTO trusted_documents_schema (version) VALUES (%s)", (version,)
            )


class PostgresDocumentStore:
    """Documents in PostgreSQL, on a small pool of their own."""

    def __init__(self, url: str, *, timeout_s: float = 5.0, pool_size: int = 2) -> None:
        self.timeout_s = timeout_s
        self._pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
            url,
            connection_class=AsyncConnection[DictRow],
            kwargs={
                "autocommit": True,
                "row_factory": dict_row,
                "connect_timeout": max(2, math.ceil(timeout_s)),
                "application_name": "comptoir-documents",
            },
            min_size=1,
            max_size=pool_size,
            timeout=timeout_s,
            reconnect_timeout=5.0,
            check=AsyncConnectionPool.check_connection,
            open=False,
            name="comptoir-documents",
        )
        self._migrated = False
        self._migrating = asyncio.Lock()

    @property
    def backend(self) -> str:
        """Always ``"postgresql"``."""
        return "postgresql"

    @classmethod
    async def open(cls, url: str, *, timeout_s: float = 5.0) -> PostgresDocumentStore:
        """Start the pool; the table is created on the first operation that reaches the server."""
        store = cls(url, timeout_s=timeout_s)
        await store._pool.open(wait=False)
        return store

    async def _run(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        async def borrowed() -> T:
            async with self._pool.connection() as conn:
                if not self._migrated:
                    async with self._migrating:
                        if not self._migrated:
                            await migrate(conn)
                            self._migrated = True
                return await work(conn)

        try:
            return await asyncio.wait_for(borrowed(), self.timeout_s)
        except _UNREACHABLE as exc:  # psycopg_pool's PoolTimeout is an OperationalError
            raise DocumentStoreUnavailable(f"PostgreSQL could not be reached: {exc}") from exc

    async def add(self, channel: str, documents: Sequence[Document]) -> int:
        """Register ``documents`` for ``channel`` in one transaction; how many were new."""

        async def insert(conn: Connection) -> int:
            added = 0
            async with conn.transaction():
                for document in documents:
                    cursor = await conn.execute(
                        "INSERT INTO trusted_documents (channel, id, body, operations, created_at)"
                        " VALUES (%s, %s, %s, %s, extract(epoch from clock_timestamp()))"
                        " ON CONFLICT (channel, id) DO NOTHING",
                        (channel, document.id, document.text, join_operations(document.operations)),
                    )
                    added += cursor.rowcount
            return added

        return await self._run(insert)

    async def find(self, channel: str, document_id: str) -> str | None:
        """The text of ``document_id`` on ``channel``, or ``None``."""

        async def select(conn: Connection) -> str | None:
            cursor = await conn.execute(
                "SELECT body FROM trusted_documents WHERE channel = %s AND id = %s",
                (channel, document_id),
            )
            row = await cursor.fetchone()
            return None if row is None else str(row["body"])

        return await self._run(select)

    async def listed(self, channel: str | None = None) -> list[Registered]:
        """The registered documents, of one channel or all."""

        async def select(conn: Connection) -> list[dict[str, Any]]:
            sql = (
                "SELECT channel, id, operations, created_at, length(body) AS size"
                " FROM trusted_documents"
            )
            params: tuple[str, ...] = ()
            if channel is not None:
                sql += " WHERE channel = %s"
                params = (channel,)
            cursor = await conn.execute(sql + " ORDER BY channel, created_at, id", params)
            return list(await cursor.fetchall())

        rows = await self._run(select)
        return [
            Registered(
                row["channel"],
                row["id"],
                split_operations(row["operations"]),
                float(row["created_at"]),
                int(row["size"]),
            )
            for row in rows
        ]

    async def close(self) -> None:
        """Close the pool."""
        await self._pool.close()
