"""What can go wrong with the outbox of writes awaiting a source.

::

    OutboxError
    ├── IdempotencyConflict    same (source, path, idempotency key), different input
    ├── WriteIdTaken           the provisional id is already used by another write
    ├── UnknownDependency      ``depends_on`` names no write in the outbox
    ├── LeaseLost              the write is no longer claimed by this owner
    └── OutboxUnavailable      the outbox cannot be reached (PostgreSQL down): nothing was
                               committed; also a ``SourceUnavailable`` of the source "outbox",
                               so that a read needing it gets a readable error

A source being unavailable is not an error here: it is an
:class:`~comptoir.sources.outbox.models.Unavailable` outcome, and the write
waits for a later attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from comptoir.sources.errors import SourceUnavailable

if TYPE_CHECKING:
    from comptoir.sources.outbox.models import OutboxWrite


class OutboxError(Exception):
    """Base class of every error the outbox raises."""


class IdempotencyConflict(OutboxError):
    """The idempotency key was already used, for the same source and path, with a different input.

    ``existing`` is the write held under that key, so that the caller can
    report which request the key belongs to.
    """

    def __init__(self, existing: OutboxWrite) -> None:
        super().__init__(
            f"idempotency key {existing.idempotency_key!r} on {existing.source} "
            f"{existing.path} was used with a different input (write {existing.id})"
        )
        self.existing = existing


class WriteIdTaken(OutboxError):
    """Another write, under another idempotency key, already has this provisional id."""

    def __init__(self, write_id: str) -> None:
        super().__init__(f"write id {write_id!r} is already taken")
        self.write_id = write_id


class UnknownDependency(OutboxError):
    """``depends_on`` names a write that the outbox does not hold."""

    def __init__(self, write_id: str) -> None:
        super().__init__(f"depends on unknown write {write_id!r}")
        self.write_id = write_id


class LeaseLost(OutboxError):
    """The write is no longer pending under this owner's claim.

    Its lease expired and another owner claimed it, or its fate was already
    recorded. Nothing is lost: the write's state stays whatever the other
    owner records, and a repeated delivery is harmless thanks to the
    idempotency key.
    """

    def __init__(self, write_id: str, owner: str) -> None:
        super().__init__(f"write {write_id!r} is no longer claimed by {owner!r}")
        self.write_id = write_id
        self.owner = owner


class OutboxUnavailable(OutboxError, SourceUnavailable):
    """The outbox's database cannot be reached, or did not answer in time.

    Whatever was asked was not done (or, for a commit whose answer was lost,
    is found again under the same idempotency key). A write that must be
    held is refused with ``OUTBOX_UNAVAILABLE`` rather than accepted and lost.
    """

    code = "OUTBOX_UNAVAILABLE"

    def __init__(self, message: str) -> None:
        SourceUnavailable.__init__(self, "outbox", message)
