"""The outbox's tables in PostgreSQL, created and migrated when comptoir first reaches the server.

Migrations are numbered and applied in order, each once, under a
transaction-scoped advisory lock: several instances starting together wait
for one another, and whoever comes second finds the work done. PostgreSQL's
DDL is transactional, so a migration is applied whole or not at all. A new
version is appended to :data:`MIGRATIONS`, never edited once released.
"""

from __future__ import annotations

import logging
from typing import Any

from psycopg import AsyncConnection

log = logging.getLogger("comptoir.outbox")

# 'comptoir' in ASCII: one advisory lock key for the outbox's migrations.
MIGRATION_LOCK = 0x636F6D70746F6972

# The columns mean what they mean in the SQLite file (schema.py), so that
# both backends share their statements (queries.py); times are seconds since
# the epoch, bodies and results the exact JSON text that was held.
# Partial indexes keep the claim and the figures cheap however many delivered
# writes the retention keeps.
_V1 = """
CREATE TABLE outbox_writes (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    source          TEXT NOT NULL,
    path            TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    body            TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    subject         TEXT,
    depends_on      TEXT,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    created_at      DOUBLE PRECISION NOT NULL,
    delivered_at    DOUBLE PRECISION,
    result          TEXT,
    remote_id       TEXT,
    last_error      TEXT,
    owner           TEXT,
    lease_until     DOUBLE PRECISION,
    UNIQUE (source, path, idempotency_key)
);
CREATE INDEX outbox_writes_due ON outbox_writes (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_writes_pending_subject
    ON outbox_writes (source, subject, seq) WHERE status = 'pending';
CREATE INDEX outbox_writes_failed ON outbox_writes (seq) WHERE status = 'failed';
CREATE INDEX outbox_writes_delivered_at
    ON outbox_writes (delivered_at) WHERE status = 'delivered';
CREATE INDEX outbox_writes_subject ON outbox_writes (subject, kind, status);
CREATE INDEX outbox_writes_depends_on ON outbox_writes (depends_on);
CREATE INDEX outbox_writes_remote_id ON outbox_writes (remote_id);
"""

MIGRATIONS: tuple[str, ...] = (_V1,)
"""Migration ``n`` (from 1) is ``MIGRATIONS[n - 1]``."""

SCHEMA_VERSION = len(MIGRATIONS)

_VERSIONS = """
CREATE TABLE IF NOT EXISTS outbox_schema (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


async def migrate(conn: AsyncConnection[Any]) -> int:
    """Bring the schema of ``conn``'s search path to :data:`SCHEMA_VERSION`; the version found.

    ``conn`` is in autocommit mode; the migration runs in a transaction of its own.
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute(_VERSIONS)
        cursor = await conn.execute("SELECT COALESCE(MAX(version), 0) FROM outbox_schema")
        row = await cursor.fetchone()
        found = int(_first(row))
        if found > SCHEMA_VERSION:
            # A newer comptoir migrated it during a rolling upgrade; migrations
            # only add, so this one keeps working with what it knows.
            log.warning(
                "outbox: schema version %d is newer than this comptoir's %d", found, SCHEMA_VERSION
            )
        for version in range(found + 1, SCHEMA_VERSION + 1):
            await conn.execute(MIGRATIONS[version - 1])
            await conn.execute("INSERT INTO outbox_schema (version) VALUES (%s)", (version,))
            log.info("outbox: PostgreSQL schema migrated to version %d", version)
    return found


def _first(row: Any) -> Any:
    # Rows are tuples or dicts depending on the connection's row factory.
    return next(iter(row.values())) if isinstance(row, dict) else row[0]
