"""What only the PostgreSQL outbox does: migrations, announcements between instances, outages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import psycopg
import pytest
from comptoir.sources.outbox import (
    Outbox,
    OutboxDispatcher,
    OutboxUnavailable,
    WriteStatus,
    open_outbox,
)
from comptoir.sources.outbox.postgres_schema import SCHEMA_VERSION

from tests.sources.outbox.conftest import OutboxPlace
from tests.sources.outbox.sources_double import SwitchableSources
from tests.sources.outbox.writes import hold_order
from tests.support.postgres_server import PostgresServer

# Bounds a wait that should end within a second or two; never a measure.
PATIENCE_S = 15.0
# Far longer than PATIENCE_S: a dispatcher that acts within the patience was woken.
NEVER_POLLS_S = 600.0


@pytest.fixture
def pg_place(postgres: PostgresServer, tmp_path) -> OutboxPlace:
    return OutboxPlace("postgresql", postgres.fresh_schema(), tmp_path)


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of this test's own, which it may stop and start."""
    with PostgresServer() as server:
        yield server


async def until(condition, timeout_s: float = PATIENCE_S) -> None:
    """Poll an async condition until it holds; fails after ``timeout_s``."""
    async with asyncio.timeout(timeout_s):
        while not await condition():  # noqa: ASYNC110 - another process's state, polled
            await asyncio.sleep(0.02)


async def listening(place: OutboxPlace, count: int) -> bool:
    """Whether ``count`` connections listen for announcements on this place's channel."""
    assert place.url is not None
    async with await psycopg.AsyncConnection.connect(place.url, autocommit=True) as conn:
        channel = await (await conn.execute(Q_CHANNEL)).fetchone()
        cursor = await conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query = %s",
            (f'LISTEN "{channel[0]}"',),  # type: ignore[index]
        )
        row = await cursor.fetchone()
    return row is not None and row[0] >= count


def delivered(outbox: Outbox, write_id: str) -> Callable[[], Awaitable[bool]]:
    """A condition: the write is delivered (``False`` while the outbox cannot be reached)."""

    async def check() -> bool:
        try:
            write = await outbox.get(write_id)
        except OutboxUnavailable:
            return False
        return write is not None and write.status is WriteStatus.DELIVERED

    return check


Q_CHANNEL = "SELECT 'comptoir_outbox_' || left(md5(current_schema()), 16)"


@pytest.fixture
async def handles(pg_place: OutboxPlace) -> AsyncIterator[list[Outbox]]:
    """Two instances' handles on one PostgreSQL outbox."""
    opened = [await pg_place.open(), await pg_place.open()]
    yield opened
    for handle in opened:
        await handle.close()


async def test_instances_starting_together_migrate_the_schema_once(pg_place: OutboxPlace) -> None:
    opened = await asyncio.gather(*(pg_place.open() for _ in range(6)))
    try:
        written = await asyncio.gather(
            *(hold_order(handle, f"k{n}", customer=f"CU-{n}") for n, handle in enumerate(opened))
        )
    finally:
        for handle in opened:
            await handle.close()

    assert len(written) == 6
    assert pg_place.url is not None
    with psycopg.connect(pg_place.url) as conn:
        versions = conn.execute("SELECT version FROM outbox_schema ORDER BY version").fetchall()
    assert [row[0] for row in versions] == list(range(1, SCHEMA_VERSION + 1))
    again = await pg_place.open()
    assert (await again.stats()).depth == 6
    await again.close()


async def test_an_announcement_reaches_the_other_instances_and_not_its_sender(
    handles: list[Outbox], pg_place: OutboxPlace
) -> None:
    heard: dict[int, list[str | None]] = {0: [], 1: []}
    for n, handle in enumerate(handles):
        handle.watch(heard[n].append)
    await until(lambda: listening(pg_place, 2))

    await handles[0].announce("oms")
    await handles[0].announce()

    async def heard_both() -> bool:
        return len(heard[1]) >= 3

    await until(heard_both)
    # Each heard None once on connecting (announcements may have been missed before).
    assert heard[1] == [None, "oms", None]
    assert heard[0] == [None]


async def test_a_write_held_for_later_in_one_instance_wakes_the_dispatcher_of_another(
    handles: list[Outbox], pg_place: OutboxPlace
) -> None:
    sources = SwitchableSources()
    idle = OutboxDispatcher(handles[1], sources, owner="B", poll_s=NEVER_POLLS_S)
    idle.start()
    try:
        await until(lambda: listening(pg_place, 1))  # it found nothing to do, and waits
        held = await hold_order(handles[0], "k1")
        OutboxDispatcher(handles[0], sources, owner="A").wake()
        await until(delivered(handles[0], held.id))
    finally:
        await idle.stop()
    assert sources.sent_ids == [held.id]


async def test_a_source_back_in_one_instance_ends_the_backoff_in_every_instance(
    handles: list[Outbox], pg_place: OutboxPlace
) -> None:
    sources = SwitchableSources()
    sources.down.add("oms")
    held = await hold_order(handles[1], "k1")
    waiting = OutboxDispatcher(
        handles[1],
        sources,
        owner="B",
        poll_s=NEVER_POLLS_S,
        base_backoff_s=NEVER_POLLS_S,
        max_backoff_s=NEVER_POLLS_S,
        jitter=False,
    )
    waiting.start()
    try:
        await until(lambda: listening(pg_place, 1))

        async def tried() -> bool:
            write = await handles[1].get(held.id)
            return write is not None and write.attempts == 1

        await until(tried)
        sources.down.clear()
        OutboxDispatcher(handles[0], sources, owner="A").wake("oms")
        await until(delivered(handles[1], held.id))
    finally:
        await waiting.stop()
    assert sources.sent_ids == [held.id, held.id]


async def test_a_provisional_id_resolves_without_awaiting_on_every_instance(
    handles: list[Outbox],
) -> None:
    held = await hold_order(handles[0], "k1")
    assert handles[1].resolve_now(held.id) is None
    (claimed,) = await handles[0].claim_due("A", lease_s=30)
    await handles[0].mark_delivered(claimed.id, "A", result={"id": "O-7"}, remote_id="O-7")

    assert handles[1].resolve_now(held.id) == "O-7"
    assert handles[1].resolve_now("PENDING-O-nobody") is None


async def test_postgresql_down_refuses_at_once_and_what_was_held_is_delivered_once_it_is_back(
    own_postgres: PostgresServer, tmp_path
) -> None:
    url = own_postgres.fresh_schema()
    outbox = await open_outbox(url, tmp_path, timeout_s=1.0)
    sources = SwitchableSources()
    # It never polls within the test: only being told the outbox is back delivers.
    dispatcher = OutboxDispatcher(outbox, sources, owner="A", poll_s=NEVER_POLLS_S)
    try:
        held = await hold_order(outbox, "before")
        own_postgres.stop()

        with pytest.raises(OutboxUnavailable) as refused:
            await hold_order(outbox, "during")
        assert refused.value.code == "OUTBOX_UNAVAILABLE"
        with pytest.raises(OutboxUnavailable):
            await outbox.stats()  # refused at once: the server was just found down
        assert outbox.resolve_now(held.id) is None
        dispatcher.start()  # its first round finds the outbox down, and waits

        own_postgres.start()
        await until(delivered(outbox, held.id))
        assert await outbox.get("PENDING-O-during") is None  # refused, never half-kept
    finally:
        await dispatcher.stop()
        await outbox.close()
    assert sources.sent_ids == [held.id]


async def test_an_instance_started_while_postgresql_is_down_creates_the_schema_when_it_is_back(
    own_postgres: PostgresServer, tmp_path
) -> None:
    url = own_postgres.fresh_schema()
    own_postgres.stop()
    outbox = await open_outbox(url, tmp_path, timeout_s=1.0)
    try:
        with pytest.raises(OutboxUnavailable):
            await outbox.stats()
        own_postgres.start()

        async def answers() -> bool:
            try:
                return (await outbox.stats()).depth == 0
            except OutboxUnavailable:
                return False

        await until(answers)
        held = await hold_order(outbox, "k1")
        assert (await outbox.get(held.id)) == held
    finally:
        await outbox.close()


async def test_a_silent_postgresql_is_unavailable_after_a_bounded_wait_then_answers_again(
    own_postgres: PostgresServer, tmp_path
) -> None:
    url = own_postgres.fresh_schema()
    outbox = await open_outbox(url, tmp_path, timeout_s=1.0)
    try:
        held = await hold_order(outbox, "k1")
        assert outbox.resolve_now(held.id) is None  # its connection is open, the write pending
        own_postgres.pause()  # as a network cut: the connections stay, nothing answers
        try:
            # Without bounds of their own these would wait for TCP keepalives, longer than this.
            async with asyncio.timeout(PATIENCE_S):
                found = await asyncio.to_thread(outbox.resolve_now, held.id)
                with pytest.raises(OutboxUnavailable):
                    await hold_order(outbox, "k2")
        finally:
            own_postgres.resume()
        assert found is None

        async def answers() -> bool:
            try:
                return (await outbox.stats()).depth == 1
            except OutboxUnavailable:
                return False

        await until(answers)
        assert await outbox.get("PENDING-O-k2") is None
    finally:
        await outbox.close()
