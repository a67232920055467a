"""The outbox: writes that comptoir accepted while their source was down, held until it is back.

A write (an order for the OMS, a new account for the CRM) is committed to the
outbox before the client is answered with its provisional id;
:class:`OutboxDispatcher` then delivers it, in order and with backoff, with
the write's own ``Idempotency-Key`` so that a repeated delivery is harmless
at the source. A lease keeps two processes from delivering the same write at
once, and lets another take over the writes of one that died.

Two backends keep one interface (:class:`Outbox`), chosen by
:func:`open_outbox`: a SQLite file under the data directory (the embedded
default: the processes of one machine), or PostgreSQL
(``COMPTOIR_OUTBOX_URL``: any number of instances on any number of machines,
``postgres.PostgresOutbox``).
"""

from comptoir.sources.outbox.backend import Announced, BackendName, Outbox
from comptoir.sources.outbox.dispatcher import Deliver, OutboxDispatcher, RoundReport
from comptoir.sources.outbox.errors import (
    IdempotencyConflict,
    LeaseLost,
    OutboxError,
    OutboxUnavailable,
    UnknownDependency,
    WriteIdTaken,
)
from comptoir.sources.outbox.factory import OUTBOX_FILE, describe, is_postgres, open_outbox
from comptoir.sources.outbox.models import (
    Delivered,
    DeliveryOutcome,
    JSONObject,
    OutboxStats,
    OutboxWrite,
    Rejected,
    Unavailable,
    WriteStatus,
    request_hash,
)
from comptoir.sources.outbox.sqlite import SqliteOutbox
from comptoir.sources.outbox.store import OutboxStore

__all__ = [
    "OUTBOX_FILE",
    "Announced",
    "BackendName",
    "Deliver",
    "Delivered",
    "DeliveryOutcome",
    "IdempotencyConflict",
    "JSONObject",
    "LeaseLost",
    "Outbox",
    "OutboxDispatcher",
    "OutboxError",
    "OutboxStats",
    "OutboxStore",
    "OutboxUnavailable",
    "OutboxWrite",
    "Rejected",
    "RoundReport",
    "SqliteOutbox",
    "Unavailable",
    "UnknownDependency",
    "WriteIdTaken",
    "WriteStatus",
    "describe",
    "is_postgres",
    "open_outbox",
    "request_hash",
]
