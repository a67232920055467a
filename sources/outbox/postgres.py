"""The shared backend: the outbox in PostgreSQL, for instances on as many machines as needed.

Every instance reads and claims the same table. Claims lock the rows they
choose and skip those another instance is locking (``FOR UPDATE SKIP
LOCKED``), and each claim is a lease, so that an instance that dies holds
its writes only until the lease runs out. An instance that holds a write
for later, or learns that a source is back, announces it (``NOTIFY``), and
every other instance's dispatcher starts a round at once rather than at its
next poll. The statements are those of the SQLite backend where the two
dialects agree (``queries.py``).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Any

import psycopg
from comptoir.sources.outbox import postgres_queries as q
from comptoir.sources.outbox import queries
from comptoir.sources.outbox.backend import Announced, BackendName
from comptoir.sources.outbox.errors import (
    IdempotencyConflict,
    LeaseLost,
    OutboxUnavailable,
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
from comptoir.sources.outbox.postgres_link import Connection, PostgresLink
from comptoir.sources.outbox.schema import SELECT_WRITES, row_to_write
from psycopg.rows import DictRow

log = logging.getLogger("comptoir.outbox")

pg = queries.postgres

# A delivered write's remote id never changes: resolutions are kept, a bounded few.
_RESOLVED_KEPT = 10_000
_PURGE_BATCH = 1000


class PostgresOutbox:
    """An outbox in PostgreSQL that any number of comptoir instances share."""

    backend: BackendName = "postgresql"

    def __init__(self, link: PostgresLink, *, clock: Callable[[], float] = time.time) -> None:
        self.link = link
        self.clock = clock
        # Tells this instance's announcements from the others' when they come back.
        self._origin = uuid.uuid4().hex
        self._announced: Announced | None = None
        self._resolved: OrderedDict[str, str] = OrderedDict()

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        clock: Callable[[], float] = time.time,
        pool_size: int = 8,
        timeout_s: float = 5.0,
    ) -> PostgresOutbox:
        """Connect to ``url`` (``postgresql://…``) and migrate its schema if the server answers.

        A server that does not answer yet is not an error: the outbox is
        unavailable until it does (see :class:`PostgresLink`).
        """
        link = PostgresLink(url, pool_size=pool_size, timeout_s=timeout_s)
        await link.open()
        return cls(link, clock=clock)

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
        """See :meth:`Outbox.enqueue`; returns once PostgreSQL has committed the write."""
        digest = input_hash if input_hash is not None else request_hash(body)
        key = (source, path, idempotency_key)
        now = self.clock()

        async def hold(conn: Connection) -> OutboxWrite:
            held = await _one(conn, q.BY_KEY, key)
            if held is None:
                if depends_on is not None and await _one_row(conn, q.PARENT, (depends_on,)) is None:
                    raise UnknownDependency(depends_on)
                text = json.dumps(body)
                values = (write_id, kind, *key, text, digest, subject, depends_on, now, now)
                try:
                    created = await _one(conn, q.INSERT, values)
                except psycopg.errors.UniqueViolation as exc:
                    raise WriteIdTaken(write_id) from exc
                if created is not None:
                    return created
                # Nothing inserted: another instance held the same key meanwhile.
                held = await _one(conn, q.BY_KEY, key)
            assert held is not None  # found, or the reason nothing was inserted
            if held.request_hash != digest:
                raise IdempotencyConflict(held)
            return held

        return await self.link.run(hold, transaction=True)

    async def get(self, write_id: str) -> OutboxWrite | None:
        """See :meth:`Outbox.get`."""
        return _write(await self.link.fetch_one(q.BY_ID, (write_id,)))

    async def find_by_key(self, source: str, path: str, idempotency_key: str) -> OutboxWrite | None:
        """See :meth:`Outbox.find_by_key`."""
        return _write(await self.link.fetch_one(q.BY_KEY, (source, path, idempotency_key)))

    async def by_remote_id(self, remote_id: str) -> OutboxWrite | None:
        """See :meth:`Outbox.by_remote_id`."""
        where = "WHERE w.remote_id = %s AND w.status = 'delivered'"
        return _write(await self.link.fetch_one(f"{SELECT_WRITES} {where}", (remote_id,)))

    async def resolve_remote_id(self, provisional_id: str) -> str | None:
        """See :meth:`Outbox.resolve_remote_id`."""
        row = await self.link.fetch_one(q.RESOLVE, (provisional_id,))
        return None if row is None else str(row["remote_id"])

    def resolve_now(self, provisional_id: str) -> str | None:
        """See :meth:`Outbox.resolve_now`: remembered once delivered, else one indexed read.

        ``None`` while PostgreSQL is known to be down, without trying it.
        """
        if provisional_id in self._resolved:
            self._resolved.move_to_end(provisional_id)
            return self._resolved[provisional_id]
        try:
            row = self.link.fetch_now(q.RESOLVE, (provisional_id,))
        except OutboxUnavailable:
            return None
        if row is None:
            return None
        remote_id = str(row[0])
        self._resolved[provisional_id] = remote_id
        if len(self._resolved) > _RESOLVED_KEPT:
            self._resolved.popitem(last=False)
        return remote_id

    async def list_writes(
        self,
        *,
        status: WriteStatus | None = None,
        subject: str | None = None,
        kind: str | None = None,
        source: str | None = None,
        limit: int = 100,
    ) -> list[OutboxWrite]:
        """See :meth:`Outbox.list_writes`."""
        filters = {"status": status, "subject": subject, "kind": kind, "source": source}
        given = {column: str(value) for column, value in filters.items() if value is not None}
        where = " AND ".join([f"w.{column} = %s" for column in given] or ["TRUE"])
        statement = f"{SELECT_WRITES} WHERE {where} ORDER BY w.seq LIMIT %s"
        params = (*given.values(), None if limit < 0 else limit)
        return [row_to_write(row) for row in await self.link.fetch_all(statement, params)]

    async def pending_for_subject(self, subject: str, kind: str | None = None) -> list[OutboxWrite]:
        """See :meth:`Outbox.pending_for_subject`."""
        return await self.list_writes(
            status=WriteStatus.PENDING, subject=subject, kind=kind, limit=-1
        )

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
        """See :meth:`Outbox.claim_due`: one statement that skips what others are claiming."""
        params = {"excluded": list(exclude_sources), "limit": limit}
        return await self._claim(owner, lease_s, now, fresh_s, params, only="")

    async def claim(
        self,
        write_id: str,
        owner: str,
        *,
        lease_s: float,
        now: float | None = None,
        exclude_sources: Collection[str] = (),
    ) -> OutboxWrite | None:
        """See :meth:`Outbox.claim`."""
        params = {"excluded": list(exclude_sources), "limit": 1, "id": write_id}
        claimed = await self._claim(owner, lease_s, now, 0.0, params, only=q.CLAIM_ONE)
        return claimed[0] if claimed else None

    async def _claim(
        self,
        owner: str,
        lease_s: float,
        now: float | None,
        fresh_s: float,
        params: dict[str, Any],
        only: str,
    ) -> list[OutboxWrite]:
        now = self.clock() if now is None else now
        params |= {"now": now, "fresh_before": now - fresh_s, "owner": owner}
        params["until"] = now + lease_s
        rows = await self.link.fetch_all(q.CLAIM.format(only=only), params)
        return [row_to_write(row) for row in rows]

    async def renew(
        self, write_id: str, owner: str, *, lease_s: float, now: float | None = None
    ) -> None:
        """See :meth:`Outbox.renew`."""
        until = (self.clock() if now is None else now) + lease_s
        if not await self.link.execute(pg(queries.RENEW), (until, write_id, owner)):
            raise LeaseLost(write_id, owner)

    async def release(self, owner: str, write_ids: Collection[str] | None = None) -> int:
        """See :meth:`Outbox.release`."""
        if write_ids is None:
            return await self.link.execute(pg(queries.RELEASE), (owner,))
        return await self.link.execute(q.RELEASE_SOME, (owner, list(write_ids)))

    async def mark_delivered(
        self, write_id: str, owner: str, *, result: Any, remote_id: str | None
    ) -> OutboxWrite:
        """See :meth:`Outbox.mark_delivered`."""
        values = (self.clock(), json.dumps(result), remote_id, write_id)
        write = _write(await self.link.fetch_one(q.MARK_DELIVERED, values))
        if write is None:  # delivered already (its first result stays), or failed
            write = await self.get(write_id)
        if write is None or write.status is not WriteStatus.DELIVERED:
            raise LeaseLost(write_id, owner)
        if remote_id is not None:
            self._resolved[write_id] = remote_id
        return write

    async def mark_retry(
        self, write_id: str, owner: str, *, error: str, next_attempt_at: float
    ) -> OutboxWrite:
        """See :meth:`Outbox.mark_retry`."""
        values = (error, next_attempt_at, write_id, owner)
        return _settled(await self.link.fetch_one(q.MARK_RETRY, values), write_id, owner)

    async def mark_failed(
        self, write_id: str, owner: str, *, error: str, result: Any = None
    ) -> OutboxWrite:
        """See :meth:`Outbox.mark_failed`."""
        values = (error, json.dumps(result), write_id, owner)
        doomed = (write_id, f"depends on failed write {write_id}")

        async def fail(conn: Connection) -> OutboxWrite:
            failed = _settled(await _one_row(conn, q.MARK_FAILED, values), write_id, owner)
            await conn.execute(pg(queries.FAIL_DEPENDENTS), doomed)
            return failed

        return await self.link.run(fail, transaction=True)

    async def discard(self, write_id: str, owner: str) -> bool:
        """See :meth:`Outbox.discard`."""
        return bool(await self.link.execute(pg(queries.DISCARD), (write_id, owner, write_id)))

    async def retry(
        self, write_ids: Collection[str] | None = None, *, all_failed: bool = False
    ) -> list[str]:
        """See :meth:`Outbox.retry`."""
        if (write_ids is None) != all_failed:
            raise ValueError("give either write_ids or all_failed=True")
        chosen = list(write_ids or ())

        async def put_back(conn: Connection) -> list[str]:
            if all_failed:
                found = await conn.execute(q.ALL_FAILED_WITH_DEPENDENTS)
            else:
                found = await conn.execute(q.FAILED_WITH_DEPENDENTS, (chosen,))
            back = [str(row["id"]) for row in await found.fetchall()]
            if back:
                await conn.execute(q.REPEND, (self.clock(), back))
            return back

        return await self.link.run(put_back, transaction=True)

    async def make_due(self, source: str | None = None) -> int:
        """See :meth:`Outbox.make_due`."""
        now = self.clock()
        return await self.link.execute(pg(queries.MAKE_DUE), (now, now, source, source))

    async def next_wakeup(self, now: float | None = None) -> float | None:
        """See :meth:`Outbox.next_wakeup`."""
        now = self.clock() if now is None else now
        row = await self.link.fetch_one(pg(queries.NEXT_WAKEUP), (now, now))
        value = None if row is None else row["next_at"]
        return None if value is None else float(value)

    async def stats(self) -> OutboxStats:
        """See :meth:`Outbox.stats`."""
        row = await self.link.fetch_one(queries.STATS)
        assert row is not None  # aggregates always give one row
        oldest = row["oldest"]
        age = None if oldest is None else max(0.0, self.clock() - oldest)
        return OutboxStats(depth=row["pending"], oldest_pending_age_s=age, failed=row["failed"])

    async def purge_delivered(self, older_than_s: float) -> int:
        """See :meth:`Outbox.purge_delivered`; in batches, so that no statement runs long."""
        before, purged = self.clock() - older_than_s, 0
        while True:
            count = await self.link.execute(q.PURGE_SOME, (before, _PURGE_BATCH))
            purged += count
            if count < _PURGE_BATCH:
                return purged

    async def announce(self, source: str | None = None) -> None:
        """See :meth:`Outbox.announce`: a ``NOTIFY`` every instance's listener receives."""
        payload = json.dumps({"origin": self._origin, "source": source})
        try:
            await self.link.execute(q.NOTIFY, (payload,))
        except OutboxUnavailable as exc:
            log.debug("outbox: announcement not sent: %s", exc)

    def watch(self, announced: Announced | None) -> None:
        """See :meth:`Outbox.watch`."""
        self._announced = announced
        self.link.listen(None if announced is None else self._heard)

    def _heard(self, payload: str | None) -> None:
        if self._announced is None:
            return
        if payload is None:  # (re)connected: something may have been missed
            self._announced(None)
            return
        try:
            notice = json.loads(payload)
            origin, source = notice["origin"], notice["source"]
        except (ValueError, KeyError, TypeError):
            log.warning("outbox: ignored an announcement it cannot read: %r", payload[:200])
            return
        if origin != self._origin:
            self._announced(source if isinstance(source, str) else None)

    async def close(self) -> None:
        """See :meth:`Outbox.close`."""
        self._announced = None
        await self.link.close()


def _write(row: DictRow | None) -> OutboxWrite | None:
    return None if row is None else row_to_write(row)


def _settled(row: DictRow | None, write_id: str, owner: str) -> OutboxWrite:
    """The write an update under ``owner``'s claim returned; :class:`LeaseLost` if none."""
    if row is None:
        raise LeaseLost(write_id, owner)
    return row_to_write(row)


async def _one_row(conn: Connection, statement: str, params: Any) -> DictRow | None:
    return await (await conn.execute(statement, params)).fetchone()


async def _one(conn: Connection, statement: str, params: Any) -> OutboxWrite | None:
    return _write(await _one_row(conn, statement, params))
