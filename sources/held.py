"""Held writes: how comptoir holds an order or a new account, sends it, and answers for it.

Every order and new account is committed to the outbox before anything is
sent, under an ``Idempotency-Key`` derived from the caller's own key; the
request that made it then tries to deliver it at once. When the source is
down (or its breaker open), the write stays pending under a provisional id
and the dispatcher delivers it when the source is back — the same body with
the same key, so the source makes one order, however often it is sent.
Until then comptoir answers for it: a held order is shown from its body, a
held account from its registration, and a provisional id resolves to the
source's id once the write is delivered.

The resolvers call :class:`HeldWrites`; the lifespan opens it with
:func:`open_held_writes`, on the outbox of ``COMPTOIR_OUTBOX_URL``
(PostgreSQL, shared by every instance) or a SQLite file under the data
directory; the OMS's and the CRM's POSTs are their clients'
``create_order``, ``create_return`` and ``create_customer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from comptoir.sources.crm.client import create_customer
from comptoir.sources.crm.models import CustomerDoc
from comptoir.sources.errors import (
    SourceRejected,
    SourceRequestInvalid,
    SourceResponseInvalid,
    SourceUnavailable,
)
from comptoir.sources.http import SourceClient
from comptoir.sources.models import money_string
from comptoir.sources.oms.client import create_order, create_return
from comptoir.sources.oms.loaders import CUSTOMER_ORDERS, ORDERS
from comptoir.sources.oms.models import OrderDoc, ReturnDoc
from comptoir.sources.outbox import (
    Deliver,
    Delivered,
    DeliveryOutcome,
    Outbox,
    OutboxDispatcher,
    OutboxUnavailable,
    OutboxWrite,
    Rejected,
    Unavailable,
    WriteStatus,
    open_outbox,
)
from comptoir.sources.registry import SourceSet

log = logging.getLogger("comptoir.writes")

MAX_BACKOFF_S = 10.0
"""The longest wait between two delivery attempts of a held write."""

PURGE_EVERY_S = 3600.0
"""How often delivered writes past their retention are forgotten."""

FRESH_S = 2.0
"""How long a new write is left to the request that holds it before any dispatcher takes it."""

ESTIMATED_VAT_RATE = Decimal("0.20")
"""Tax shown on a held order (VAT included in the price) until the OMS gives its own."""

_LATER = frozenset({408, 425, 429})
"""4xx statuses that mean "not now" rather than "never"."""

Send = Callable[[SourceClient, Mapping[str, Any], str], Awaitable[Mapping[str, Any]]]
"""A source client's POST of one write with its idempotency key; the source's document."""

AfterDelivery = Callable[[SourceSet, Mapping[str, Any], Mapping[str, Any]], Awaitable[None]]
"""What must follow a delivery (dropping cached reads that now miss the new document): called
with the source's document and the body that was sent."""


async def _order_listed(
    sources: SourceSet, doc: Mapping[str, Any], body: Mapping[str, Any]
) -> None:
    # The shopper's order list now holds it: the next read asks the OMS again.
    collection = sources.collection(CUSTOMER_ORDERS.source, CUSTOMER_ORDERS.name)
    await collection.invalidate([doc["customer_id"]])


async def _return_recorded(
    sources: SourceSet, doc: Mapping[str, Any], body: Mapping[str, Any]
) -> None:
    # The order now lists the return and less to return: the next read asks the OMS again.
    await sources.collection(ORDERS.source, ORDERS.name).invalidate([body["order_id"]])


@dataclass(frozen=True, slots=True)
class WriteKind:
    """A kind of write: its source, how it is sent, and its provisional ids."""

    name: str
    source: str
    path: str
    send: Send
    provisional_prefix: str
    """Prefix of the id comptoir gives the write while it is pending."""
    after_delivery: AfterDelivery | None = None

    def provisional_id(self) -> str:
        """A fresh provisional id, e.g. ``PENDING-O-3f2a…``."""
        return f"{self.provisional_prefix}{uuid.uuid4().hex[:20].upper()}"

    def holds(self, value: str) -> bool:
        """Whether ``value`` is a provisional id of this kind."""
        return value.startswith(self.provisional_prefix)


ORDER = WriteKind("order", "oms", "/orders", create_order, "PENDING-O-", _order_listed)
CUSTOMER = WriteKind("customer", "crm", "/customers", create_customer, "PENDING-CU-")
RETURN = WriteKind("return", "oms", "/returns", create_return, "PENDING-R-", _return_recorded)
KINDS = {kind.name: kind for kind in (ORDER, CUSTOMER, RETURN)}


def idempotency_key(name: str, *scope: str) -> str:
    """The key sent to the source: derived from the channel, the shopper and the caller's key.

    Callers on different channels, or different shoppers, never share a key,
    whatever ``idempotencyKey`` they send.
    """
    digest = hashlib.sha256("\x1f".join((name, *scope)).encode("utf-8")).hexdigest()
    return f"comptoir-{name}-{digest[:48]}"


def deliverer(sources: SourceSet) -> Deliver:
    """comptoir's delivery: the source client's POST with the write's key, mapped to an outcome."""

    async def deliver(write: OutboxWrite) -> DeliveryOutcome:
        kind = KINDS[write.kind]
        client = sources.clients[write.source]
        try:
            doc = await kind.send(client, write.resolved_body(), write.idempotency_key)
        except SourceRejected as exc:
            if exc.status in _LATER:
                return Unavailable(str(exc))
            return Rejected(
                exc.status, exc.error or exc.message, {"error": exc.error, "message": exc.message}
            )
        except SourceRequestInvalid as exc:  # it could never be sent: refused, not retried
            return Rejected(
                400, "request_not_sent", {"error": "request_not_sent", "message": exc.message}
            )
        except (SourceUnavailable, SourceResponseInvalid) as exc:
            # An answer we cannot read is asked for again: the key makes it the same answer.
            return Unavailable(str(exc))
        if kind.after_delivery is not None:
            try:
                await kind.after_delivery(sources, doc, write.resolved_body())
            except Exception:  # the write is delivered whatever a follow-up does
                log.exception("after delivering write %s", write.id)
        return Delivered(result=doc, remote_id=str(doc["id"]))

    return deliver


def held_order(write: OutboxWrite, customer_id: str | None = None) -> OrderDoc:
    """A held order as an OMS-shaped document under its provisional id.

    Its lines and promotions are those of the body sent to the OMS; its tax
    is an estimate until the OMS gives its own.
    """
    body = write.body
    lines = []
    subtotal = Decimal("0")
    for index, line in enumerate(body["lines"], start=1):
        total = Decimal(line["unit_price"]) * line["quantity"]
        subtotal += total
        lines.append(
            {
                "id": str(index),
                "sku": line["sku"],
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "discount": "0.00",
                "total": money_string(total),
            }
        )
    discount = sum((Decimal(p["amount"]) for p in body.get("promotions") or ()), Decimal("0"))
    grand = subtotal - discount
    tax = grand - grand / (1 + ESTIMATED_VAT_RATE)
    delivery = body["delivery"]
    doc: dict[str, Any] = {
        "id": write.id,
        "customer_id": customer_id or body["customer_id"],
        "channel": body["channel"],
        "location_id": delivery.get("location_id"),
        "status": "placed",
        "placed_at": datetime.fromtimestamp(write.created_at, UTC).isoformat(),
        "currency": body["currency"],
        "lines": lines,
        "totals": {
            "subtotal": money_string(subtotal),
            "discount": money_string(discount),
            "shipping": "0.00",
            "tax": money_string(tax),
            "grand_total": money_string(grand),
        },
        "delivery": {
            "mode": delivery["mode"],
            "location_id": delivery.get("location_id"),
            "address": delivery.get("address"),
        },
        "shipments": [],
        "returns": [],
    }
    return cast(OrderDoc, doc)


def held_return(write: OutboxWrite) -> ReturnDoc:
    """A held return as an OMS-shaped return under its provisional id, status ``requested``."""
    body = write.body
    doc: dict[str, Any] = {
        "id": write.id,
        "status": "requested",
        "method": body["method"],
        "location_id": body.get("location_id"),
        "lines": [dict(line) for line in body["lines"]],
        "refund": None,
        "created_at": datetime.fromtimestamp(write.created_at, UTC).isoformat(),
    }
    return cast(ReturnDoc, doc)


def held_customer(write: OutboxWrite) -> CustomerDoc:
    """A held account as a CRM-shaped customer under its provisional id."""
    body = write.body
    doc: dict[str, Any] = {
        "id": write.id,
        "email": body["email"],
        "first_name": body.get("first_name"),
        "last_name": body.get("last_name"),
        "phone": body.get("phone"),
        "identities": [],
    }
    return cast(CustomerDoc, doc)


@dataclass(frozen=True, slots=True)
class Submitted:
    """What became of a write the caller just submitted."""

    write: OutboxWrite | None
    """The write as held; ``None`` when the source refused it at once (see ``refusal``)."""
    refusal: Rejected | None = None


class HeldWrites:
    """The outbox as the resolvers use it: submit, look up, resolve provisional ids."""

    def __init__(self, store: Outbox, dispatcher: OutboxDispatcher) -> None:
        self.store = store
        self.dispatcher = dispatcher

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
        """Commit the write, then try it at once.

        Raises ``IdempotencyConflict`` on a reused key, ``OutboxUnavailable``
        when the write cannot be committed (nothing is then held).
        """
        write = await self.store.enqueue(
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
        if write.status is not WriteStatus.PENDING:
            return Submitted(write)
        try:
            now, outcome = await self.dispatcher.deliver_now(write.id)
        except OutboxUnavailable:  # committed before the outbox went away: delivered later
            return Submitted(write)
        if now is None:
            return Submitted(None, outcome if isinstance(outcome, Rejected) else None)
        if now.status is WriteStatus.PENDING:
            self.dispatcher.wake()
        return Submitted(now)

    async def get(self, write_id: str) -> OutboxWrite | None:
        """A write by provisional id, in whatever state."""
        return await self.store.get(write_id)

    async def under_key(
        self, kind: WriteKind, channel: str, customer_id: str, key: str
    ) -> OutboxWrite | None:
        """The write a customer made under the caller's key, whatever id they had then.

        A shopper who ordered with a held account's provisional id and retries
        once the CRM has made it must get the same order, not a second one.
        """
        for alias in await self.aliases(customer_id):
            digest = idempotency_key(kind.name, channel, alias, key)
            found = await self.store.find_by_key(kind.source, kind.path, digest)
            if found is not None:
                return found
        return None

    def resolve(self, value: str) -> str:
        """The source's id for a delivered write's provisional id; any other value unchanged.

        Unchanged too while the outbox cannot be reached.
        """
        if not any(kind.holds(value) for kind in KINDS.values()):
            return value
        return self.store.resolve_now(value) or value

    async def aliases(self, customer_id: str) -> list[str]:
        """The customer's id and the provisional id it had while its account was held."""
        held = await self.store.by_remote_id(customer_id)
        if held is not None and held.kind == CUSTOMER.name:
            return [customer_id, held.id]
        return [customer_id]

    async def returns_of(self, customer_id: str, order_id: str) -> list[OutboxWrite]:
        """The returns of one of the customer's orders still held for the OMS, oldest first."""
        found: list[OutboxWrite] = []
        for subject in await self.aliases(customer_id):
            found += await self.store.pending_for_subject(subject, RETURN.name)
        found.sort(key=lambda w: w.seq)
        return [w for w in found if w.body.get("order_id") == order_id]

    async def orders_of(self, customer_id: str) -> list[OrderDoc]:
        """The customer's orders held for the OMS, newest first (under any of their ids)."""
        found: list[OutboxWrite] = []
        for subject in await self.aliases(customer_id):
            found += await self.store.pending_for_subject(subject, ORDER.name)
        found.sort(key=lambda w: w.seq, reverse=True)
        return [held_order(w, customer_id) for w in found]


def owner_name() -> str:
    """This process among those sharing the outbox: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class OutboxPlace:
    """Where the outbox is and how it is used (``COMPTOIR_OUTBOX_*``, ``COMPTOIR_DATA_DIR``)."""

    data_dir: Path
    url: str | None = None
    """``postgresql://…``: shared by every instance; ``None``: a SQLite file under ``data_dir``."""
    retention_s: float = 7 * 86400.0
    pool_size: int = 8
    timeout_s: float = 5.0
    lease_s: float = 30.0


@contextlib.asynccontextmanager
async def open_held_writes(place: OutboxPlace, sources: SourceSet) -> AsyncIterator[HeldWrites]:
    """The outbox and its dispatcher, running for the app's life.

    A source answering again (to a read or a probe) ends the wait of its held
    writes, in every instance sharing the outbox; delivered writes are
    forgotten ``retention_s`` after delivery.
    """
    store = await open_outbox(
        place.url, place.data_dir, pool_size=place.pool_size, timeout_s=place.timeout_s
    )
    dispatcher = OutboxDispatcher(
        store,
        deliverer(sources),
        owner=owner_name(),
        lease_s=place.lease_s,
        max_backoff_s=MAX_BACKOFF_S,
        fresh_s=FRESH_S,
    )
    for name, client in sources.clients.items():
        client.breaker.on_recovery = functools.partial(dispatcher.wake, name)
    dispatcher.start()
    purging = asyncio.create_task(_purge_delivered(store, place.retention_s))
    try:
        yield HeldWrites(store, dispatcher)
    finally:
        purging.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purging
        await dispatcher.stop()
        await store.close()


async def _purge_delivered(store: Outbox, retention_s: float) -> None:
    """Forget, once an hour, the writes delivered more than ``retention_s`` ago."""
    while True:
        try:
            purged = await store.purge_delivered(retention_s)
            if purged:
                log.info("outbox: forgot %d writes delivered over %.0f s ago", purged, retention_s)
        except Exception:  # a busy file or an unreachable server: tried again next time
            log.exception("outbox: purging delivered writes failed")
        await asyncio.sleep(PURGE_EVERY_S)
