"""The durable outbox: writes held in SQLite until their source takes them.

The store is synchronous on purpose: a local commit takes about a
millisecond, so a request handler may call :meth:`OutboxStore.enqueue`
directly (or through ``asyncio.to_thread`` if it prefers never to block the
loop on a busy file). The dispatcher, which may wait on another process's
write lock for up to the busy timeout, calls the store through
``asyncio.to_thread``. Processes sharing the file are kept apart by SQLite's
locking and by leases (see :meth:`OutboxStore.claim_due`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

from comptoir.sources.outbox import queries
from comptoir.sources.outbox.database import OutboxDatabase, fetch_write
from comptoir.sources.outbox.errors import (
    IdempotencyConflict,
    LeaseLost,
    UnknownDependency,
    WriteIdTaken,
)
from comptoir.sources.outbox.models import (
    JSONObject,
    OutboxStats,
    OutboxWrite,
    WriteStatus,
    request_hash,
)
from comptoir.sources.outbox.schema import SELECT_WRITES, row_to_write


def _marks(values: Collection[Any]) -> str:
    return ", ".join("?" for _ in values)


class OutboxStore(OutboxDatabase):
    """Writes awaiting their source, in a SQLite file that several processes may share.

    Times come from ``clock`` (seconds since the epoch), which the dispatcher
    uses too; processes sharing a file must share a clock, which the wall
    clock of one machine is.
    """

    def __init__(
        self, path: Path, *, clock: Callable[[], float] = time.time, busy_timeout_s: float = 5.0
    ) -> None:
        super().__init__(path, busy_timeout_s=busy_timeout_s)
        self.clock = clock

    def enqueue(
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
        """Hold a write for ``source`` and return it once it is committed to disk.

        Idempotent on (``source``, ``path``, ``idempotency_key``): the same key
        with the same ``input_hash`` (by default the hash of ``body``) returns
        the write already held — under its own id, which the caller must
        answer with — while a different one raises :class:`IdempotencyConflict`.
        ``depends_on`` names a write that must be delivered first; ``subject``
        (a shopper) orders writes: a source gets a subject's writes in turn.
        """
        digest = input_hash if input_hash is not None else request_hash(body)
        now = self.clock()
        with self._transaction() as conn:
            held = conn.execute(
                f"{SELECT_WRITES} WHERE w.source = ? AND w.path = ? AND w.idempotency_key = ?",
                (source, path, idempotency_key),
            ).fetchone()
            if held is not None:
                if held["request_hash"] != digest:
                    raise IdempotencyConflict(row_to_write(held))
                return row_to_write(held)
            if fetch_write(conn, write_id) is not None:
                raise WriteIdTaken(write_id)
            if depends_on is not None and fetch_write(conn, depends_on) is None:
                raise UnknownDependency(depends_on)
            values = (
                write_id,
                kind,
                source,
                path,
                idempotency_key,
                json.dumps(body),
                digest,
                subject,
                depends_on,
                now,
                now,
            )
            conn.execute(queries.INSERT, values)
            created = fetch_write(conn, write_id)
        assert created is not None  # inserted in this very transaction
        return created

    def get(self, write_id: str) -> OutboxWrite | None:
        """The write with this provisional id, in whatever state."""
        return self._one("w.id = ?", (write_id,))

    def find_by_key(self, source: str, path: str, idempotency_key: str) -> OutboxWrite | None:
        """The write held under this idempotency key."""
        where = "w.source = ? AND w.path = ? AND w.idempotency_key = ?"
        return self._one(where, (source, path, idempotency_key))

    def by_remote_id(self, remote_id: str) -> OutboxWrite | None:
        """The delivered write that its source knows by ``remote_id``."""
        return self._one("w.remote_id = ? AND w.status = 'delivered'", (remote_id,))

    def resolve_remote_id(self, provisional_id: str) -> str | None:
        """The id the source gave to a delivered write; ``None`` while it is not delivered."""
        write = self.get(provisional_id)
        return write.remote_id if write and write.status is WriteStatus.DELIVERED else None

    def list_writes(
        self,
        *,
        status: WriteStatus | None = None,
        subject: str | None = None,
        kind: str | None = None,
        source: str | None = None,
        limit: int = 100,
    ) -> list[OutboxWrite]:
        """Writes matching every filter given, oldest first (``limit=-1``: all)."""
        filters = {"status": status, "subject": subject, "kind": kind, "source": source}
        given = {column: str(value) for column, value in filters.items() if value is not None}
        where = " AND ".join([f"w.{column} = ?" for column in given] or ["1 = 1"])
        return self._select(f"{where} ORDER BY w.seq LIMIT ?", [*given.values(), limit])

    def pending_for_subject(self, subject: str, kind: str | None = None) -> list[OutboxWrite]:
        """The writes still pending for a subject (a shopper's held orders), oldest first."""
        return self.list_writes(status=WriteStatus.PENDING, subject=subject, kind=kind, limit=-1)

    def claim_due(
        self,
        owner: str,
        *,
        lease_s: float,
        limit: int = 50,
        now: float | None = None,
        exclude_sources: Collection[str] = (),
        fresh_s: float = 0.0,
    ) -> list[OutboxWrite]:
        """Claim for ``owner``, for ``lease_s`` seconds, the writes deliverable now, in order.

        A pending write is claimable when it is due, not under an unexpired
        lease, its ``depends_on`` write (if any) is delivered, and no earlier
        write of the same source and subject is pending (whoever holds it).
        A write held less than ``fresh_s`` ago and never tried is left to
        the request that held it (:meth:`claim`). The claim happens under the
        file's write lock, so two owners never hold the same write at once.
        The result is in ``seq`` order.
        """
        return self._claim(owner, lease_s, now, fresh_s, exclude_sources, (), limit)

    def claim(
        self,
        write_id: str,
        owner: str,
        *,
        lease_s: float,
        now: float | None = None,
        exclude_sources: Collection[str] = (),
    ) -> OutboxWrite | None:
        """Claim one write for ``owner`` if it is claimable now (the rules of :meth:`claim_due`).

        ``None`` when it is not: leased by another owner, not due, waiting for
        its parent or for an earlier write of its subject, its source
        excluded, or no longer pending.
        """
        claimed = self._claim(owner, lease_s, now, 0.0, exclude_sources, (write_id,), 1)
        return claimed[0] if claimed else None

    def _claim(
        self,
        owner: str,
        lease_s: float,
        now: float | None,
        fresh_s: float,
        exclude_sources: Collection[str],
        only: Collection[str],
        limit: int,
    ) -> list[OutboxWrite]:
        now = self.clock() if now is None else now
        excluded = f"AND w.source NOT IN ({_marks(exclude_sources)})" if exclude_sources else ""
        if only:
            excluded += f" AND w.id IN ({_marks(only)})"
        with self._transaction() as conn:
            rows = conn.execute(
                f"{SELECT_WRITES} {queries.CLAIMABLE.format(excluded=excluded)}",
                (now, now, now - fresh_s, *exclude_sources, *only, limit),
            ).fetchall()
            lease_until = now + lease_s
            conn.executemany(
                "UPDATE outbox_writes SET owner = ?, lease_until = ? WHERE seq = ?",
                [(owner, lease_until, row["seq"]) for row in rows],
            )
        return [replace(row_to_write(row), owner=owner, lease_until=lease_until) for row in rows]

    def renew(self, write_id: str, owner: str, *, lease_s: float, now: float | None = None) -> None:
        """Extend ``owner``'s lease on a write; :class:`LeaseLost` if it no longer holds it."""
        until = (self.clock() if now is None else now) + lease_s
        with self._transaction() as conn:
            if not conn.execute(queries.RENEW, (until, write_id, owner)).rowcount:
                raise LeaseLost(write_id, owner)

    def release(self, owner: str, write_ids: Collection[str] | None = None) -> int:
        """Give back ``owner``'s claims (all by default) without counting an attempt."""
        only = f"AND id IN ({_marks(write_ids)})" if write_ids is not None else ""
        with self._transaction() as conn:
            return conn.execute(f"{queries.RELEASE} {only}", (owner, *(write_ids or ()))).rowcount

    def mark_delivered(
        self, write_id: str, owner: str, *, result: Any, remote_id: str | None
    ) -> OutboxWrite:
        """Record the source's acceptance; the write is done.

        Recorded even if the lease passed to another owner: an acceptance is
        a fact whoever learns it, and thanks to the idempotency key the other
        owner gets the same answer. A delivered write keeps its first result;
        a failed one raises :class:`LeaseLost`.
        """
        values = (self.clock(), json.dumps(result), remote_id, write_id)
        with self._transaction() as conn:
            conn.execute(queries.MARK_DELIVERED, values)
            write = fetch_write(conn, write_id)
        if write is None or write.status is not WriteStatus.DELIVERED:
            raise LeaseLost(write_id, owner)
        return write

    def mark_retry(
        self, write_id: str, owner: str, *, error: str, next_attempt_at: float
    ) -> OutboxWrite:
        """Count a failed attempt; the write waits until ``next_attempt_at``."""
        with self._transaction() as conn:
            return self._settle(conn, queries.MARK_RETRY, (error, next_attempt_at), write_id, owner)

    def mark_failed(
        self, write_id: str, owner: str, *, error: str, result: Any = None
    ) -> OutboxWrite:
        """Record a refusal by the source: the write is kept, visible, and not retried.

        The writes that depend on it, directly or not, can no longer be
        delivered: they fail with it (and come back with it on :meth:`retry`).
        """
        values = (error, json.dumps(result))
        with self._transaction() as conn:
            failed = self._settle(conn, queries.MARK_FAILED, values, write_id, owner)
            conn.execute(queries.FAIL_DEPENDENTS, (write_id, f"depends on failed write {write_id}"))
        return failed

    @staticmethod
    def _settle(
        conn: sqlite3.Connection, statement: str, values: tuple[Any, ...], write_id: str, owner: str
    ) -> OutboxWrite:
        updated = conn.execute(statement, (*values, write_id, owner)).rowcount
        write = fetch_write(conn, write_id)
        if not updated or write is None:
            raise LeaseLost(write_id, owner)
        return write

    def discard(self, write_id: str, owner: str) -> bool:
        """Forget a write ``owner`` holds and nothing depends on: refused while its caller waited.

        A refusal the caller hears at once (an email already taken) is the
        caller's to act on, not an operator's: it is not kept as failed.
        """
        with self._transaction() as conn:
            return bool(conn.execute(queries.DISCARD, (write_id, owner, write_id)).rowcount)

    def retry(
        self, write_ids: Collection[str] | None = None, *, all_failed: bool = False
    ) -> list[str]:
        """Put failed writes back to pending, due now (an operator's action).

        Give the ids, or ``all_failed=True``. The writes that failed because
        one of these failed come back too. Returns the ids put back, oldest first.
        """
        if (write_ids is None) != all_failed:
            raise ValueError("give either write_ids or all_failed=True")
        ids = tuple(write_ids or ())
        chosen = "1 = 1" if all_failed else f"id IN ({_marks(ids)})"
        with self._transaction() as conn:
            found = conn.execute(queries.FAILED_WITH_DEPENDENTS.format(chosen=chosen), ids)
            back = [row["id"] for row in found.fetchall()]
            conn.execute(f"{queries.REPEND} WHERE id IN ({_marks(back)})", (self.clock(), *back))
        return back

    def make_due(self, source: str | None = None) -> int:
        """End the backoff of the pending writes of ``source`` (or all): it is known to be back."""
        now = self.clock()
        with self._transaction() as conn:
            return conn.execute(queries.MAKE_DUE, (now, now, source, source)).rowcount

    def next_wakeup(self, now: float | None = None) -> float | None:
        """The first time after ``now`` when a pending write becomes due or a lease runs out."""
        now = self.clock() if now is None else now
        value = self._fetch_row(queries.NEXT_WAKEUP, (now, now))[0]
        return None if value is None else float(value)

    def stats(self) -> OutboxStats:
        """How many writes are pending, since when, and how many failed."""
        row = self._fetch_row(queries.STATS)
        oldest = row["oldest"]
        age = None if oldest is None else max(0.0, self.clock() - oldest)
        return OutboxStats(depth=row["pending"], oldest_pending_age_s=age, failed=row["failed"])

    def purge_delivered(self, older_than_s: float) -> int:
        """Forget writes delivered over ``older_than_s`` ago; their provisional ids stop resolving.

        A delivered write that a write still to deliver depends on is kept.
        """
        with self._transaction() as conn:
            return conn.execute(queries.PURGE, (self.clock() - older_than_s,)).rowcount
