"""The values the outbox stores and the outcomes a delivery can have."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

JSONObject = dict[str, Any]


class WriteStatus(StrEnum):
    """Where a write stands: waiting, accepted by its source, or refused by it."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def request_hash(value: Any) -> str:
    """A stable hash of a JSON value: equal for JSON-equal inputs, whatever their key order."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _replace_string(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return new if value == old else value
    if isinstance(value, list):
        return [_replace_string(item, old, new) for item in value]
    if isinstance(value, dict):
        return {key: _replace_string(item, old, new) for key, item in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class OutboxWrite:
    """One write held for a source, as the outbox stores it.

    Times are seconds since the epoch, from the store's clock.
    ``depends_on_remote_id`` is the id the source gave to the write named by
    ``depends_on`` once that write is delivered (``None`` before).
    """

    seq: int
    id: str
    kind: str
    source: str
    path: str
    idempotency_key: str
    body: JSONObject
    request_hash: str
    subject: str | None
    depends_on: str | None
    status: WriteStatus
    attempts: int
    next_attempt_at: float
    created_at: float
    delivered_at: float | None
    result: Any
    remote_id: str | None
    last_error: str | None
    owner: str | None
    lease_until: float | None
    depends_on_remote_id: str | None

    def resolved_body(self) -> JSONObject:
        """The body to send: each string equal to ``depends_on`` becomes the id its source gave.

        A write made for a customer whose account was itself still pending
        carries that account's provisional id; once the account is
        delivered, the same, stable body is sent on every attempt, so that
        the idempotency key never meets a different body.
        """
        if self.depends_on is None or self.depends_on_remote_id is None:
            return self.body
        replaced: JSONObject = _replace_string(
            self.body, self.depends_on, self.depends_on_remote_id
        )
        return replaced


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """The outbox's health, for metrics and ``/readyz``."""

    depth: int
    """Writes still pending."""
    oldest_pending_age_s: float | None
    """Age of the oldest pending write; ``None`` when nothing is pending."""
    failed: int
    """Writes a source refused, kept until an operator retries them."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """The source accepted the write (a ``2xx``); ``remote_id`` is the id it gave, if any."""

    result: Any
    remote_id: str | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """The source refused the write for good (a ``4xx``): it is kept as failed, not retried.

    Which statuses count as a refusal is the deliverer's call: ``408`` and
    ``429`` usually mean "later", that is :class:`Unavailable`.
    """

    status: int
    error: str
    result: Any = None


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The source could not take the write now (``5xx``, timeout, refused, breaker open)."""

    error: str


DeliveryOutcome = Delivered | Rejected | Unavailable
