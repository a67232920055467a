"""The outbox: writes that comptoir accepted while their source was down, held until it is back.

A write (an order for the OMS, a new account for the CRM) is committed to a
SQLite file under the data directory before the client is answered with its
provisional id; :class:`OutboxDispatcher` then delivers it, in order and
with backoff, with the write's own ``Idempotency-Key`` so that a repeated
delivery is harmless at the source. Processes sharing the data directory
share the file; a lease keeps them from delivering the same write at once.
"""

from comptoir.sources.outbox.dispatcher import Deliver, OutboxDispatcher, RoundReport
from comptoir.sources.outbox.errors import (
    IdempotencyConflict,
    LeaseLost,
    OutboxError,
    UnknownDependency,
    WriteIdTaken,
)
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
from comptoir.sources.outbox.store import OutboxStore

__all__ = [
    "Deliver",
    "Delivered",
    "DeliveryOutcome",
    "IdempotencyConflict",
    "JSONObject",
    "LeaseLost",
    "OutboxDispatcher",
    "OutboxError",
    "OutboxStats",
    "OutboxStore",
    "OutboxWrite",
    "Rejected",
    "RoundReport",
    "Unavailable",
    "UnknownDependency",
    "WriteIdTaken",
    "WriteStatus",
    "request_hash",
]
