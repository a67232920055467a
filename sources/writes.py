"""Writes to the sources: held in the outbox first, sent at once when the source is up.

Every order and new account is committed to the outbox before anything is
sent, under an ``Idempotency-Key`` derived from the caller's own key; the
request that made it then tries to deliver it at once. When the source is
down (or its breaker open), the write stays pending with a provisional id
and the dispatcher delivers it when the source is back — the same body with
the same key, so the source makes one order, however often it is sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from comptoir.sources.crm.models import CUSTOMERS
from comptoir.sources.errors import (
    SourceRejected,
    SourceResponseInvalid,
    SourceUnavailable,
)
from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items
from comptoir.sources.oms.models import ORDERS
from comptoir.sources.outbox import (
    Deliver,
    Delivered,
    DeliveryOutcome,
    OutboxDispatcher,
    OutboxStore,
    OutboxWrite,
    Rejected,
    Unavailable,
    WriteStatus,
)
from pydantic import TypeAdapter

log = logging.getLogger("comptoir.writes")

OUTBOX_FILE = "outbox.sqlite"
"""The outbox's file under ``COMPTOIR_DATA_DIR``; processes sharing the directory share it."""

_LATER = frozenset({408, 425, 429})
"""4xx statuses that mean "not now" rather than "never"."""


@dataclass(frozen=True, slots=True)
class WriteKind:
    """A kind of write: where it goes and what the source answers."""

    name: str
    source: str
    path: str
    collection: str
    answer: TypeAdapter[Any]
    provisional_prefix: str
    """Prefix of the id comptoir gives the write while it is pending."""

    def provisional_id(self) -> str:
        """A fresh provisional id, e.g. ``PENDING-O-3f2a…``."""
        return f"{self.provisional_prefix}{uuid.uuid4().hex[:20].upper()}"


ORDER = WriteKind("order", "oms", "/orders", "orders", ORDERS, "PENDING-O-")
CUSTOMER = WriteKind("customer", "crm", "/customers", "customers", CUSTOMERS, "PENDING-CU-")
KINDS = {kind.name: kind for kind in (ORDER, CUSTOMER)}


def is_provisional(kind: WriteKind, value: str) -> bool:
    """Whether ``value`` is a provisional id of ``kind``."""
    return value.startswith(kind.provisional_prefix)


def idempotency_key(name: str, *scope: str) -> str:
    """The key sent to the source: derived from the channel, the shopper and the caller's key.

    Callers on different channels, or different shoppers, never share a key,
    whatever ``idempotencyKey`` they send.
    """
    digest = hashlib.sha256("\x1f".join((name, *scope)).encode("utf-8")).hexdigest()
    return f"comptoir-{name}-{digest[:48]}"


def deliverer(
    clients: Mapping[str, SourceClient],
    on_delivered: Callable[[OutboxWrite, Any], Any] | None = None,
) -> Deliver:
    """comptoir's delivery: POST the write with its key; map the answer to an outcome."""

    async def deliver(write: OutboxWrite) -> DeliveryOutcome:
        kind = KINDS[write.kind]
        client = clients[write.source]
        try:
            response = await client.post(
                write.path, write.resolved_body(), kind.collection, write.idempotency_key
            )
            doc = validate_items(kind.answer, [response.body], client.name, kind.collection)[0]
        except SourceRejected as exc:
            if exc.status in _LATER:
                return Unavailable(str(exc))
            return Rejected(
                exc.status, exc.error or exc.message, {"error": exc.error, "message": exc.message}
            )
        except (SourceUnavailable, SourceResponseInvalid) as exc:
            # An answer we cannot read is asked for again: the key makes it the same answer.
            return Unavailable(str(exc))
        if on_delivered is not None:
            try:
                await on_delivered(write, doc)
            except Exception:  # the write is delivered whatever a follow-up does
                log.exception("after delivering write %s", write.id)
        return Delivered(result=doc, remote_id=str(doc["id"]))

    return deliver


def owner_name() -> str:
    """This process among those sharing the data directory: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Submitted:
    """What became of a write the caller just submitted."""

    write: OutboxWrite | None
    """The write as held; ``None`` when the source refused it at once (see ``refusal``)."""
    refusal: Rejected | None = None

    @property
    def pending(self) -> bool:
        """Held by comptoir until its source takes it."""
        return self.write is not None and self.write.status is WriteStatus.PENDING


class WriteDesk:
    """Where the write path meets the outbox: submit, look up, resolve provisional ids."""

    def __init__(self, store: OutboxStore, dispatcher: OutboxDispatcher) -> None:
        self.store = store
        self.dispatcher = dispatcher

    async def find(self, kind: WriteKind, key: str) -> OutboxWrite | None:
        """The write held under ``key``, in whatever state."""
        return await asyncio.to_thread(self.store.find_by_key, kind.source, kind.path, key)

    async def get(self, write_id: str) -> OutboxWrite | None:
        """A write by provisional id."""
        return await asyncio.to_thread(self.store.get, write_id)

    async def submit(
        self,
        kind: WriteKind,
        key: str,
        body: dict[str, Any],
        *,
        input_hash: str,
        subject: str | None = None,
        depends_on: str | None = None,
    ) -> Submitted:
        """Commit the write, then try it at once; raises ``IdempotencyConflict`` on a reused key."""
        write = await asyncio.to_thread(
            lambda: self.store.enqueue(
                write_id=kind.provisional_id(),
                kind=kind.name,
                source=kind.source,
                path=kind.path,
                idempotency_key=key,
                body=body,
                input_hash=input_hash,
                subject=subject,
                depends_on=depends_on,
            )
        )
        if write.status is not WriteStatus.PENDING:
            return Submitted(write)
        now, outcome = await self.dispatcher.deliver_now(write.id)
        if now is None:
            return Submitted(None, outcome if isinstance(outcome, Rejected) else None)
        if now.status is WriteStatus.PENDING:
            self.dispatcher.wake()
        return Submitted(now)

    def resolve(self, value: str) -> str:
        """The source's id for a delivered write's provisional id; any other value unchanged."""
        if not any(value.startswith(k.provisional_prefix) for k in KINDS.values()):
            return value
        return self.store.resolve_remote_id(value) or value

    async def pending(self, kind: WriteKind, subjects: list[str]) -> list[OutboxWrite]:
        """The writes of ``kind`` still pending for any of ``subjects``, oldest first."""

        def read() -> list[OutboxWrite]:
            found = [w for s in subjects for w in self.store.pending_for_subject(s, kind.name)]
            return sorted(found, key=lambda w: w.seq)

        return await asyncio.to_thread(read)

    async def aliases(self, customer_id: str) -> list[str]:
        """The customer's id and the provisional id it had while its account was pending."""
        held = await asyncio.to_thread(self.store.by_remote_id, customer_id)
        if held is not None and held.kind == CUSTOMER.name:
            return [customer_id, held.id]
        return [customer_id]
