"""How the PostgreSQL outbox reaches its server: a pool, one listening connection, and health.

- Each operation borrows a connection from a psycopg async pool and is
  bounded by a timeout (:meth:`PostgresLink.run`). A server that cannot be
  reached or does not answer opens a circuit breaker, so that for the next
  moment callers are refused at once (:class:`OutboxUnavailable`) instead of
  each waiting out the timeout. One call then probes; when it succeeds, the
  watcher is told (writes may have waited meanwhile).
- A provisional id is resolved without awaiting, for the callers that
  cannot await, on a connection of its own in a thread, waited for briefly.
- One connection outside the pool ``LISTEN``\\ s for the other instances'
  announcements, reconnecting with backoff; after each reconnection the
  watcher is told too, since announcements may have been missed.
- The schema is migrated on the first connection that works, so that an
  instance started while PostgreSQL is down starts anyway and catches up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import math
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from comptoir.sources.outbox import postgres_queries as q
from comptoir.sources.outbox.errors import OutboxUnavailable
from comptoir.sources.outbox.postgres_schema import migrate
from psycopg import AsyncConnection, sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool

from comptoir.breaker import CircuitBreaker

log = logging.getLogger("comptoir.outbox")

Connection = AsyncConnection[DictRow]
T = TypeVar("T")
Work = Callable[[Connection], Awaitable[T]]
"""What is done on one borrowed connection."""

# What says "the server cannot be reached", as opposed to an error of ours
# (a constraint, a bad statement), which must surface as what it is.
_UNREACHABLE = (psycopg.OperationalError, psycopg.InterfaceError, TimeoutError, OSError)

# The pool's own reconnection backs off exponentially until it gives up on a
# connection slot after this long; a short value bounds how long a recovered
# server waits for the pool's next attempt (the next request starts one anew).
_POOL_RECONNECT_S = 5.0
_LISTEN_BACKOFF_S = (0.1, 2.0)
_FETCH_NOW_WAIT_S = 0.5


class PostgresLink:
    """The connections of one PostgreSQL outbox and what is known of the server's health."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 8,
        timeout_s: float = 5.0,
        retry_after_s: float = 1.0,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        given = conninfo_to_dict(url)
        defaults: dict[str, Any] = {
            "connect_timeout": max(2, math.ceil(timeout_s)),
            # A server that vanished without closing its connections (a
            # host lost) is noticed by the listener within seconds.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
            "application_name": "comptoir-outbox",
        }
        self._connect_kwargs = {k: v for k, v in defaults.items() if k not in given}
        self._pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
            url,
            connection_class=AsyncConnection[DictRow],
            kwargs={"autocommit": True, "row_factory": dict_row, **self._connect_kwargs},
            min_size=min(2, pool_size),
            max_size=pool_size,
            timeout=timeout_s,
            reconnect_timeout=_POOL_RECONNECT_S,
            # A connection broken by a server restart is found out here and
            # replaced, not handed to a statement that would then fail.
            check=AsyncConnectionPool.check_connection,
            open=False,
            name="comptoir-outbox",
        )
        self._health = CircuitBreaker(failures=1, reset_s=retry_after_s)
        self._health.on_recovery = self._recovered
        self._schema_ready = False
        self._schema_lock = asyncio.Lock()
        self._abandoned: set[asyncio.Task[Any]] = set()
        self._on_notice: Callable[[str | None], None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._sync: psycopg.Connection[tuple[Any, ...]] | None = None
        self._sync_lock = threading.Lock()
        self._fetcher = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="comptoir-outbox-fetch"
        )

    async def open(self) -> None:
        """Start the pool and try the server once; an unreachable server is not an error here."""
        await self._pool.open(wait=False)
        with contextlib.suppress(OutboxUnavailable):
            await self.execute("SELECT 1")

    @property
    def up(self) -> bool:
        """Whether the last contact with the server worked."""
        return self._health.state == "closed"

    async def run(self, work: Work[T], *, transaction: bool = False) -> T:
        """``work`` on a pooled connection (autocommit, dict rows), in a transaction if asked.

        The caller waits :attr:`timeout_s` at most. Past it, or when the
        server cannot be reached, :class:`OutboxUnavailable`. ``work`` is
        then cancelled, so that it commits nothing later, but not waited for:
        psycopg takes seconds more to give up on a query to a silent server.
        (A commit already sent when the time ran out may still land: the
        caller finds it again under its idempotency key.)
        """
        if not self._health.allow():
            raise OutboxUnavailable("PostgreSQL could not be reached a moment ago")
        running = asyncio.create_task(self._work(work, transaction))
        try:
            result = await asyncio.wait_for(asyncio.shield(running), self.timeout_s)
        except TimeoutError as exc:
            self._health.failure()
            running.cancel()
            self._abandon(running)
            raise OutboxUnavailable(f"PostgreSQL did not answer in {self.timeout_s:g} s") from exc
        except _UNREACHABLE as exc:
            self._health.failure()
            raise OutboxUnavailable(f"PostgreSQL: {type(exc).__name__}: {exc}") from exc
        except asyncio.CancelledError:
            running.cancel()
            self._health.abandon()
            raise
        except BaseException:
            self._health.success()  # the server answered; the error is the caller's
            raise
        self._health.success()
        return result

    async def _work(self, work: Work[T], transaction: bool) -> T:
        async with self._pool.connection() as conn:
            if not self._schema_ready:
                await self._migrate(conn)
            if not transaction:
                return await work(conn)
            async with conn.transaction():
                return await work(conn)

    def _abandon(self, running: asyncio.Task[Any]) -> None:
        # Kept until it ends, so that its cancellation is not cut short.
        self._abandoned.add(running)
        running.add_done_callback(self._forget)

    def _forget(self, running: asyncio.Task[Any]) -> None:
        self._abandoned.discard(running)
        if not running.cancelled() and running.exception() is not None:
            log.debug("outbox: a cancelled operation ended with %r", running.exception())

    async def fetch_one(self, statement: str, params: Any = ()) -> DictRow | None:
        """The first row of one statement."""

        async def work(conn: Connection) -> DictRow | None:
            return await (await conn.execute(statement, params)).fetchone()

        return await self.run(work)

    async def fetch_all(self, statement: str, params: Any = ()) -> list[DictRow]:
        """Every row of one statement."""

        async def work(conn: Connection) -> list[DictRow]:
            return await (await conn.execute(statement, params)).fetchall()

        return await self.run(work)

    async def execute(self, statement: str, params: Any = ()) -> int:
        """Run one statement; the number of rows it changed."""

        async def work(conn: Connection) -> int:
            return (await conn.execute(statement, params)).rowcount

        return await self.run(work)

    async def _migrate(self, conn: Connection) -> None:
        async with self._schema_lock:
            if not self._schema_ready:
                await migrate(conn)
                self._schema_ready = True

    def _recovered(self) -> None:
        log.warning("outbox: PostgreSQL answers again")
        if self._on_notice is not None:
            self._on_notice(None)

    def fetch_now(self, statement: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """One row, read without awaiting (on a connection of its own); raises when unreachable.

        Refused at once while the server is known to be down. The read runs
        in a thread of its own and is waited for :data:`_FETCH_NOW_WAIT_S` at
        most, so that a server that stops answering (a network cut) holds
        the caller's event loop that long, not until TCP gives up.
        """
        if not self.up:
            raise OutboxUnavailable("PostgreSQL could not be reached a moment ago")
        reading = self._fetcher.submit(self._fetch, statement, params)
        try:
            return reading.result(timeout=_FETCH_NOW_WAIT_S)
        except concurrent.futures.TimeoutError as exc:
            raise OutboxUnavailable("PostgreSQL did not answer in time") from exc

    def _fetch(self, statement: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._sync_lock:
            try:
                if self._sync is None or self._sync.closed:
                    self._sync = psycopg.connect(self.url, autocommit=True, **self._connect_kwargs)
                    timeout_ms = int(self.timeout_s * 1000)
                    self._sync.execute(f"SET statement_timeout = {timeout_ms}")
                return self._sync.execute(statement, params).fetchone()
            except psycopg.Error as exc:
                if self._sync is not None:
                    self._sync.close()
                self._sync = None
                raise OutboxUnavailable(f"PostgreSQL: {exc}") from exc

    def listen(self, on_notice: Callable[[str | None], None] | None) -> None:
        """Call ``on_notice`` with each notification's payload, ``None`` after (re)connecting.

        ``None`` as the callback stops the calls; the connection stays until :meth:`close`.
        """
        self._on_notice = on_notice
        if on_notice is not None and self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="comptoir-outbox-listen")

    async def _listen(self) -> None:
        delay, ceiling = _LISTEN_BACKOFF_S
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, **self._connect_kwargs
                )
                async with conn:
                    row = await (await conn.execute(q.CHANNEL)).fetchone()
                    assert row is not None  # a SELECT of a value has one row
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(row[0])))
                    delay = _LISTEN_BACKOFF_S[0]
                    self._notice(None)
                    async for notice in conn.notifies():
                        self._notice(notice.payload)
            except (psycopg.Error, OSError) as exc:
                log.debug("outbox: listening for other instances failed: %s", exc)
            await asyncio.sleep(delay)
            delay = min(ceiling, delay * 2)

    def _notice(self, payload: str | None) -> None:
        if self._on_notice is not None:
            try:
                self._on_notice(payload)
            except Exception:  # a watcher's fault must not end the listening
                log.exception("outbox: handling an announcement failed")

    async def close(self) -> None:
        """Stop listening and close every connection."""
        self._on_notice = None
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        await self._pool.close()
        for running in list(self._abandoned):
            running.cancel()
        self._fetcher.shutdown(wait=False, cancel_futures=True)
        # A read stuck on a silent server keeps its connection until TCP gives up.
        if self._sync_lock.acquire(timeout=_FETCH_NOW_WAIT_S):
            try:
                if self._sync is not None:
                    self._sync.close()
                    self._sync = None
            finally:
                self._sync_lock.release()
