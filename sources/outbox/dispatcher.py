"""Delivers the outbox's writes to their sources, in the background of a comptoir process.

``deliver`` is comptoir's: it POSTs ``write.resolved_body()`` to
``write.path`` of ``write.source`` with ``Idempotency-Key:
write.idempotency_key`` and maps the answer to an outcome — ``2xx``
:class:`Delivered` (with the id the source gave), ``4xx`` :class:`Rejected`,
anything else (``5xx``, timeout, refused connection, open breaker)
:class:`Unavailable`. ``resolved_body()`` already puts the delivered parent's
id where a write carried its parent's provisional id, so ``deliver`` needs
no look-up for ``depends_on``.

The dispatcher works the same on either backend (:class:`Outbox`). With
PostgreSQL, the instances sharing the outbox tell one another when writes
are held for later or a source is back (:meth:`OutboxDispatcher.wake`), so
that every dispatcher starts a round at once; while the outbox itself cannot
be reached, rounds wait for it and resume when it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from comptoir.sources.outbox.backend import Outbox
from comptoir.sources.outbox.errors import LeaseLost, OutboxUnavailable
from comptoir.sources.outbox.models import (
    Delivered,
    DeliveryOutcome,
    OutboxWrite,
    Rejected,
    Unavailable,
)
from comptoir.sources.retry import backoff_delay

logger = logging.getLogger(__name__)

Deliver = Callable[[OutboxWrite], Awaitable[DeliveryOutcome]]


@dataclass
class RoundReport:
    """What one delivery round did."""

    claimed: int = 0
    delivered: int = 0
    rejected: int = 0
    retried: int = 0
    released: int = 0
    """Claimed but given back untried: their source failed earlier in the round, or a stop."""
    lost: int = 0
    """Whose lease passed to another owner before their outcome was recorded."""


class OutboxDispatcher:
    """Claims due writes and delivers them, one at a time per source, oldest first.

    When a source is unavailable, the write is retried after an exponential,
    jittered backoff, and the source gets nothing more from this dispatcher
    until then, so that its writes keep their order. ``deliver`` may raise:
    the exception is logged and counts as :class:`Unavailable`. Each
    delivery must end within ``deliver_timeout_s`` (half the lease by
    default), after which it is abandoned as unavailable — so that a write is
    never still being delivered when its lease runs out and another owner
    may claim it.

    ``owner`` names this dispatcher among every process sharing the outbox
    (host, pid and a random part, say): claims are held in its name.

    A write held less than ``fresh_s`` ago and never tried is not taken by a
    round: the request that held it is about to try it (:meth:`deliver_now`)
    and tell its caller the outcome. Without that grace, a round running at
    that moment (woken by another write, or polling) would take it first and
    the caller would hear "pending" from a source that is up.
    """

    def __init__(
        self,
        store: Outbox,
        deliver: Deliver,
        *,
        owner: str,
        lease_s: float = 30.0,
        base_backoff_s: float = 0.5,
        max_backoff_s: float = 60.0,
        jitter: bool = True,
        clock: Callable[[], float] | None = None,
        rand: Callable[[], float] = random.random,
        batch_size: int = 20,
        poll_s: float = 1.0,
        deliver_timeout_s: float | None = None,
        fresh_s: float = 0.0,
    ) -> None:
        self._deliver_timeout_s = lease_s / 2 if deliver_timeout_s is None else deliver_timeout_s
        if not 0 < self._deliver_timeout_s < lease_s:
            raise ValueError("deliver_timeout_s must be positive and shorter than lease_s")
        self.owner = owner
        self._store = store
        self._deliver = deliver
        self._lease_s = lease_s
        self._base_backoff_s = base_backoff_s
        self._max_backoff_s = max_backoff_s
        self._jitter = jitter
        # The store's clock by default: leases and due times must agree with it.
        self._clock = store.clock if clock is None else clock
        self._rand = rand
        self._batch_size = batch_size
        self._fresh_s = fresh_s
        # Other processes enqueue and deliver without telling this one: poll.
        self._poll_s = poll_s
        self._paused_until: dict[str, float] = {}
        self._woken_sources: set[str] = set()
        self._wakeup = asyncio.Event()
        self._round_done = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._announcing: set[asyncio.Task[None]] = set()
        self._outbox_down = False

    def start(self) -> None:
        """Run the delivery loop as a background task of the running event loop."""
        if self._task is not None:
            raise RuntimeError("the dispatcher is already running")
        self._stopping = False
        self._store.watch(self._wake_here)
        self._task = asyncio.create_task(self._run(), name=f"outbox-dispatcher-{self.owner}")

    async def stop(self) -> None:
        """Finish the deliveries under way, give back the other claims, and end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._store.watch(None)
        self._stopping = True
        self._wakeup.set()
        await task
        if self._announcing:
            await asyncio.gather(*self._announcing, return_exceptions=True)

    def wake(self, source: str | None = None) -> None:
        """Start a round now, here and in every process sharing the outbox.

        After a write is held for later, or, naming it, when ``source`` is
        known to be back: that ends the backoff of its writes. Never blocks.
        """
        self._wake_here(source)
        if source is None and self._announcing:
            return  # one under way already tells the others to start a round
        announcing = asyncio.create_task(self._store.announce(source))
        self._announcing.add(announcing)
        announcing.add_done_callback(self._announcing.discard)

    def _wake_here(self, source: str | None = None) -> None:
        if source is not None:
            self._woken_sources.add(source)
        self._wakeup.set()

    async def drain(self) -> None:
        """Wait until no write is pending: each one delivered or failed.

        Bound the wait with ``asyncio.timeout``. The outbox is checked after
        each round of the loop, never on a timer of its own, and whichever
        process delivered the last write, the next round sees it.
        """
        if self._task is None:
            raise RuntimeError("the dispatcher is not running")
        self.wake()
        while True:
            round_done = self._round_done
            if (await self._store.stats()).depth == 0:
                return
            if self._task is None or self._task.done():
                raise RuntimeError("the dispatcher stopped before the outbox drained")
            await round_done.wait()

    async def deliver_now(
        self, write_id: str, *, discard_rejected: bool = True
    ) -> tuple[OutboxWrite | None, DeliveryOutcome | None]:
        """Try to deliver one write at once; the write as it now stands, and the outcome if tried.

        For the request that just enqueued it: when its source is up, the
        caller learns the outcome without waiting for a round. A write that
        is not claimable now (its source paused after a failure, leased by
        another owner, waiting for its parent or an earlier write of its
        subject) is left to the rounds. A refusal the caller hears now is
        discarded rather than kept as failed (``discard_rejected``): the
        caller, not an operator, acts on it.
        """
        now = self._clock()
        paused = [source for source, until in self._paused_until.items() if until > now]
        claimed = await self._store.claim(
            write_id, self.owner, lease_s=self._lease_s, now=now, exclude_sources=paused
        )
        if claimed is None:
            return await self._store.get(write_id), None
        # Claimed this instant: its lease covers the delivery without a renewal.
        outcome = await self._attempt(claimed, renew=False)
        if outcome is None:
            return await self._store.get(write_id), None
        rejected = isinstance(outcome, Rejected) and discard_rejected
        if rejected and await self._store.discard(write_id, self.owner):
            return None, outcome
        recorded = await self._record(claimed, outcome, RoundReport(claimed=1))
        return recorded or await self._store.get(write_id), outcome

    async def run_once(self) -> RoundReport:
        """One round: claim the due writes and deliver them, each source in turn."""
        try:
            return await self._round()
        finally:
            done, self._round_done = self._round_done, asyncio.Event()
            done.set()

    async def _round(self) -> RoundReport:
        for source in self._take_woken():
            self._paused_until.pop(source, None)
            await self._store.make_due(source)
        now = self._clock()
        self._paused_until = {s: t for s, t in self._paused_until.items() if t > now}
        claimed = await self._store.claim_due(
            self.owner,
            lease_s=self._lease_s,
            limit=self._batch_size,
            now=now,
            exclude_sources=tuple(self._paused_until),
            fresh_s=self._fresh_s,
        )
        report = RoundReport(claimed=len(claimed))
        by_source: dict[str, list[OutboxWrite]] = {}
        for write in claimed:
            by_source.setdefault(write.source, []).append(write)
        # Sources are independent: one that times out must not hold up another.
        results = await asyncio.gather(
            *(self._deliver_in_turn(writes, report) for writes in by_source.values()),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, OutboxUnavailable):
                # The writes under way stay claimed until their lease runs out.
                raise result
            if isinstance(result, BaseException):
                logger.error("outbox: a delivery round failed", exc_info=result)
        return report

    def _take_woken(self) -> set[str]:
        woken, self._woken_sources = self._woken_sources, set()
        return woken

    async def _deliver_in_turn(self, writes: list[OutboxWrite], report: RoundReport) -> None:
        for index, write in enumerate(writes):
            if self._stopping:
                await self._release(writes[index:], report)
                return
            outcome = await self._attempt(write)
            if outcome is None:
                report.lost += 1
                continue
            await self._record(write, outcome, report)
            if isinstance(outcome, Unavailable):
                await self._release(writes[index + 1 :], report)
                return

    async def _release(self, writes: list[OutboxWrite], report: RoundReport) -> None:
        if writes:
            ids = [write.id for write in writes]
            report.released += await self._store.release(self.owner, ids)

    async def _attempt(self, write: OutboxWrite, *, renew: bool = True) -> DeliveryOutcome | None:
        try:
            # The claim may be old by now (earlier writes of the batch took
            # their time): the lease must cover this whole delivery.
            if renew:
                await self._store.renew(write.id, self.owner, lease_s=self._lease_s)
        except LeaseLost:
            logger.warning("outbox: write %s was claimed by another owner", write.id)
            return None
        try:
            outcome = await asyncio.wait_for(self._deliver(write), self._deliver_timeout_s)
        except Exception as exc:
            logger.exception("outbox: delivering write %s to %s failed", write.id, write.source)
            return Unavailable(f"{type(exc).__name__}: {exc}")
        if not isinstance(outcome, Delivered | Rejected | Unavailable):
            logger.error("outbox: deliver returned %r for write %s", outcome, write.id)
            return Unavailable(f"deliver returned {type(outcome).__name__}")
        return outcome

    async def _record(
        self, write: OutboxWrite, outcome: DeliveryOutcome, report: RoundReport
    ) -> OutboxWrite | None:
        """Record the outcome; the write as recorded, ``None`` if it changed hands first."""
        store, owner = self._store, self.owner
        try:
            match outcome:
                case Delivered(result=result, remote_id=remote_id):
                    recorded = await store.mark_delivered(
                        write.id, owner, result=result, remote_id=remote_id
                    )
                    report.delivered += 1
                case Rejected(status=status, error=error, result=result):
                    logger.warning("outbox: %s refused write %s: %s", write.source, write.id, error)
                    recorded = await store.mark_failed(
                        write.id, owner, error=f"{status} {error}", result=result
                    )
                    report.rejected += 1
                case Unavailable(error=error):
                    at = self._clock() + self._backoff(write.attempts + 1)
                    logger.info(
                        "outbox: %s unavailable for write %s: %s", write.source, write.id, error
                    )
                    self._paused_until[write.source] = at
                    recorded = await store.mark_retry(
                        write.id, owner, error=error, next_attempt_at=at
                    )
                    report.retried += 1
        except LeaseLost:
            logger.warning(
                "outbox: write %s changed hands before its outcome was recorded", write.id
            )
            report.lost += 1
            return None
        return recorded

    def _backoff(self, attempts: int) -> float:
        return backoff_delay(
            attempts,
            base_s=self._base_backoff_s,
            max_s=self._max_backoff_s,
            jitter=self._jitter,
            rand=self._rand,
        )

    async def _run(self) -> None:
        try:
            while not self._stopping:
                self._wakeup.clear()
                try:
                    report = await self.run_once()
                    self._outbox_back()
                    if report.claimed and not self._stopping:
                        continue  # more may be due, or unblocked by what was just delivered
                    pause = await self._idle_time()
                except OutboxUnavailable as exc:
                    # Expected while PostgreSQL is down: said once, not every round.
                    if not self._outbox_down:
                        logger.warning("outbox: unavailable, deliveries wait for it: %s", exc)
                    self._outbox_down = True
                    pause = self._poll_s
                except Exception:
                    logger.exception("outbox: delivery round failed; trying again")
                    pause = self._poll_s
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), pause)
        finally:
            # Also on cancellation: claims given back are retried at once by
            # whoever comes next instead of waiting out their lease.
            with contextlib.suppress(Exception):
                await self._store.release(self.owner)

    def _outbox_back(self) -> None:
        if self._outbox_down:
            logger.warning("outbox: available again, deliveries resume")
        self._outbox_down = False

    async def _idle_time(self) -> float:
        # Writes already due but not claimed are blocked (parent or an earlier
        # write of their subject pending): only a delivery, a future due time,
        # a lease running out or another process can change that.
        now = self._clock()
        next_at = await self._store.next_wakeup(now)
        moments = [*self._paused_until.values(), *([next_at] if next_at is not None else [])]
        return max(0.0, min([self._poll_s, *(moment - now for moment in moments)]))
