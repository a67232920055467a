"""The embedded backend: the SQLite :class:`OutboxStore` behind the async :class:`Outbox` interface.

Each call runs the synchronous store in a worker thread, so that a busy
file (another process holding the write lock) never stalls the event loop.
Processes sharing the file have no way to tell each other about due writes:
their dispatchers poll, so :meth:`SqliteOutbox.announce` and
:meth:`SqliteOutbox.watch` do nothing.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from comptoir.sources.outbox.backend import Announced, BackendName
from comptoir.sources.outbox.models import JSONObject, OutboxStats, OutboxWrite, WriteStatus
from comptoir.sources.outbox.store import OutboxStore

P = ParamSpec("P")
T = TypeVar("T")


class SqliteOutbox:
    """An outbox in a SQLite file of one machine (:class:`OutboxStore`), for its processes."""

    backend: BackendName = "sqlite"

    def __init__(self, store: OutboxStore) -> None:
        self.store = store
        self.clock: Callable[[], float] = store.clock

    @classmethod
    async def open(
        cls, path: Path, *, clock: Callable[[], float] = time.time, busy_timeout_s: float = 5.0
    ) -> SqliteOutbox:
        """Open (and create, on first use) the outbox file at ``path``."""
        store = await asyncio.to_thread(
            functools.partial(OutboxStore, path, clock=clock, busy_timeout_s=busy_timeout_s)
        )
        return cls(store)

    @staticmethod
    async def _run(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(call, *args, **kwargs)

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
        """See :meth:`Outbox.enqueue`; committed to disk (``synchronous=FULL``) when it returns."""
        return await self._run(
            self.store.enqueue,
            write_id=write_id,
            kind=kind,
            source=source,
            path=path,
            idempotency_key=idempotency_key,
            body=body,
            input_hash=input_hash,
            subject=subject,
            depends_on=depends_on,
        )

    async def get(self, write_id: str) -> OutboxWrite | None:
        """See :meth:`Outbox.get`."""
        return await self._run(self.store.get, write_id)

    async def find_by_key(self, source: str, path: str, idempotency_key: str) -> OutboxWrite | None:
        """See :meth:`Outbox.find_by_key`."""
        return await self._run(self.store.find_by_key, source, path, idempotency_key)

    async def by_remote_id(self, remote_id: str) -> OutboxWrite | None:
        """See :meth:`Outbox.by_remote_id`."""
        return await self._run(self.store.by_remote_id, remote_id)

    async def resolve_remote_id(self, provisional_id: str) -> str | None:
        """See :meth:`Outbox.resolve_remote_id`."""
        return await self._run(self.store.resolve_remote_id, provisional_id)

    def resolve_now(self, provisional_id: str) -> str | None:
        """See :meth:`Outbox.resolve_now`: a local read of about a millisecond."""
        return self.store.resolve_remote_id(provisional_id)

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
        return await self._run(
            self.store.list_writes,
            status=status,
            subject=subject,
            kind=kind,
            source=source,
            limit=limit,
        )

    async def pending_for_subject(self, subject: str, kind: str | None = None) -> list[OutboxWrite]:
        """See :meth:`Outbox.pending_for_subject`."""
        return await self._run(self.store.pending_for_subject, subject, kind)

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
        """See :meth:`Outbox.claim_due`; the file's write lock keeps claims apart."""
        return await self._run(
            self.store.claim_due,
            owner,
            lease_s=lease_s,
            limit=limit,
            now=now,
            exclude_sources=exclude_sources,
            fresh_s=fresh_s,
        )

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
        return await self._run(
            self.store.claim,
            write_id,
            owner,
            lease_s=lease_s,
            now=now,
            exclude_sources=exclude_sources,
        )

    async def renew(
        self, write_id: str, owner: str, *, lease_s: float, now: float | None = None
    ) -> None:
        """See :meth:`Outbox.renew`."""
        await self._run(self.store.renew, write_id, owner, lease_s=lease_s, now=now)

    async def release(self, owner: str, write_ids: Collection[str] | None = None) -> int:
        """See :meth:`Outbox.release`."""
        return await self._run(self.store.release, owner, write_ids)

    async def mark_delivered(
        self, write_id: str, owner: str, *, result: Any, remote_id: str | None
    ) -> OutboxWrite:
        """See :meth:`Outbox.mark_delivered`."""
        return await self._run(
            self.store.mark_delivered, write_id, owner, result=result, remote_id=remote_id
        )

    async def mark_retry(
        self, write_id: str, owner: str, *, error: str, next_attempt_at: float
    ) -> OutboxWrite:
        """See :meth:`Outbox.mark_retry`."""
        return await self._run(
            self.store.mark_retry, write_id, owner, error=error, next_attempt_at=next_attempt_at
        )

    async def mark_failed(
        self, write_id: str, owner: str, *, error: str, result: Any = None
    ) -> OutboxWrite:
        """See :meth:`Outbox.mark_failed`."""
        return await self._run(self.store.mark_failed, write_id, owner, error=error, result=result)

    async def discard(self, write_id: str, owner: str) -> bool:
        """See :meth:`Outbox.discard`."""
        return await self._run(self.store.discard, write_id, owner)

    async def retry(
        self, write_ids: Collection[str] | None = None, *, all_failed: bool = False
    ) -> list[str]:
        """See :meth:`Outbox.retry`."""
        return await self._run(self.store.retry, write_ids, all_failed=all_failed)

    async def make_due(self, source: str | None = None) -> int:
        """See :meth:`Outbox.make_due`."""
        return await self._run(self.store.make_due, source)

    async def next_wakeup(self, now: float | None = None) -> float | None:
        """See :meth:`Outbox.next_wakeup`."""
        return await self._run(self.store.next_wakeup, now)

    async def stats(self) -> OutboxStats:
        """See :meth:`Outbox.stats`."""
        return await self._run(self.store.stats)

    async def purge_delivered(self, older_than_s: float) -> int:
        """See :meth:`Outbox.purge_delivered`."""
        return await self._run(self.store.purge_delivered, older_than_s)

    async def announce(self, source: str | None = None) -> None:
        """Nothing: processes sharing a file poll it."""

    def watch(self, announced: Announced | None) -> None:
        """Nothing: processes sharing a file poll it."""

    async def close(self) -> None:
        """Close the file's connection."""
        await self._run(self.store.close)
