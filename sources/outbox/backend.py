"""The outbox's one interface, which the SQLite and the PostgreSQL backends both keep.

Every method that reads or writes is a coroutine: the PostgreSQL backend
awaits its server, the SQLite one runs its synchronous store in a thread.
The promises are the same on both:

- :meth:`Outbox.enqueue` returns once the write is committed, so that a
  client is never answered about a write that could still be lost;
- one idempotency key holds one write (the same input gets the same write
  back, another input :class:`~comptoir.sources.outbox.errors.IdempotencyConflict`);
- a subject's writes reach a source in the order they were held, and a write
  naming ``depends_on`` waits for that write and is sent with its remote id;
- a claim is a lease: two owners never hold a write at once, and the claims
  of an owner that died are taken over when its lease runs out.

When the backend cannot be reached (PostgreSQL down), its methods raise
:class:`~comptoir.sources.outbox.errors.OutboxUnavailable` at once rather
than wait: nothing is accepted that is not committed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Literal, Protocol

from comptoir.sources.outbox.models import JSONObject, OutboxStats, OutboxWrite, WriteStatus

BackendName = Literal["sqlite", "postgresql"]

Announced = Callable[[str | None], None]
"""Called when another process announces due writes; with a source's name when it is back."""


class Outbox(Protocol):
    """Writes awaiting their source, shared by every process that opens the same outbox.

    Times are seconds since the epoch from :attr:`clock`; processes sharing an
    outbox must share a clock (one machine's, or machines kept in step by NTP).
    """

    backend: BackendName
    clock: Callable[[], float]

    async def enqueue(
        self,
        *,
        write_id: str,
        kind: str,
        source: str,
        path: str,
        idempotency_key: str,
        body: JSONObject,
        input_hash: str | None = None,
        subject: str | None = None,
        depends_on: str | None = None,
    ) -> OutboxWrite:
        """Hold a write for ``source``; the write already held under the key if there is one.

        ``input_hash`` (by default the hash of ``body``) decides whether a
        repeated key is the same input; ``depends_on`` names a write that must
        be delivered first; ``subject`` (a shopper) orders writes.
        """
        ...

    async def get(self, write_id: str) -> OutboxWrite | None:
        """The write with this provisional id, in whatever state."""
        ...

    async def find_by_key(self, source: str, path: str, idempotency_key: str) -> OutboxWrite | None:
        """The write held under this idempotency key."""
        ...

    async def by_remote_id(self, remote_id: str) -> OutboxWrite | None:
        """The delivered write that its source knows by ``remote_id``."""
        ...

    async def resolve_remote_id(self, provisional_id: str) -> str | None:
        """The id the source gave to a delivered write; ``None`` while it is not delivered."""
        ...

    def resolve_now(self, provisional_id: str) -> str | None:
        """:meth:`resolve_remote_id` for a caller that cannot await; ``None`` when unreachable.

        For the few places that learn a provisional id as a request starts
        (the subject of a shopper token): a short look-up by primary key.
        """
        ...

    async def list_writes(
        self,
        *,
        status: WriteStatus | None = None,
        subject: str | None = None,
        kind: str | None = None,
        source: str | None = None,
        limit: int = 100,
    ) -> list[OutboxWrite]:
        """Writes matching every filter given, oldest first (``limit=-1``: all)."""
        ...

    async def pending_for_subject(self, subject: str, kind: str | None = None) -> list[OutboxWrite]:
        """The writes still pending for a subject, oldest first."""
        ...

    async def claim_due(
        self,
        owner: str,
        *,
        lease_s: float,
        limit: int = 50,
        now: float | None = None,
        exclude_sources: Collection[str] = (),
        fresh_s: float = 0.0,
    ) -> list[OutboxWrite]:
        """Claim for ``owner`` the writes deliverable now, in order, for ``lease_s`` seconds.

        Deliverable: pending, due, not under another unexpired lease, its
        ``depends_on`` delivered, and no earlier write of its source and
        subject pending (whoever holds it). A write held less than
        ``fresh_s`` ago and never tried is left to the request that held it,
        which tries it at once (:meth:`claim`).
        """
        ...

    async def claim(
        self,
        write_id: str,
        owner: str,
        *,
        lease_s: float,
        now: float | None = None,
        exclude_sources: Collection[str] = (),
    ) -> OutboxWrite | None:
        """Claim one write if deliverable now (the rules of :meth:`claim_due`), else ``None``."""
        ...

    async def renew(
        self, write_id: str, owner: str, *, lease_s: float, now: float | None = None
    ) -> None:
        """Extend ``owner``'s lease; :class:`~comptoir.sources.outbox.errors.LeaseLost` if gone."""
        ...

    async def release(self, owner: str, write_ids: Collection[str] | None = None) -> int:
        """Give back ``owner``'s claims (all by default) without counting an attempt."""
        ...

    async def mark_delivered(
        self, write_id: str, owner: str, *, result: Any, remote_id: str | None
    ) -> OutboxWrite:
        """Record the source's acceptance, whoever holds the lease now (it is a fact)."""
        ...

    async def mark_retry(
        self, write_id: str, owner: str, *, error: str, next_attempt_at: float
    ) -> OutboxWrite:
        """Count a failed attempt; the write waits until ``next_attempt_at``."""
        ...

    async def mark_failed(
        self, write_id: str, owner: str, *, error: str, result: Any = None
    ) -> OutboxWrite:
        """Record a refusal by the source; the writes depending on it fail with it."""
        ...

    async def discard(self, write_id: str, owner: str) -> bool:
        """Forget a write ``owner`` holds and nothing depends on (its caller heard the refusal)."""
        ...

    async def retry(
        self, write_ids: Collection[str] | None = None, *, all_failed: bool = False
    ) -> list[str]:
        """Put failed writes (and those that failed with them) back to pending, due now."""
        ...

    async def make_due(self, source: str | None = None) -> int:
        """End the backoff of the pending writes of ``source`` (or all): it is known to be back."""
        ...

    async def next_wakeup(self, now: float | None = None) -> float | None:
        """The first time after ``now`` when a pending write becomes due or a lease runs out."""
        ...

    async def stats(self) -> OutboxStats:
        """How many writes are pending, since when, and how many failed."""
        ...

    async def purge_delivered(self, older_than_s: float) -> int:
        """Forget writes delivered over ``older_than_s`` ago, except a pending write's parent."""
        ...

    async def announce(self, source: str | None = None) -> None:
        """Tell the other processes sharing the outbox that writes are due (``source``: it is back).

        Never raises: an announcement that cannot be sent is made up for by
        the other processes' polling.
        """
        ...

    def watch(self, announced: Announced | None) -> None:
        """Have ``announced`` called for each announcement of another process (``None``: stop).

        Also called with ``None`` when the backend is reachable again after an
        outage, since announcements may have been missed meanwhile.
        """
        ...

    async def close(self) -> None:
        """Release connections and files; everything committed stays."""
        ...
