"""The promise cache's rules, on a fake clock: the question as a key, lapsed never served."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from comptoir.cache.memory import MemoryCache
from comptoir.cache.policy import FreshnessPolicy
from comptoir.sources.collection import CachedCollection
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.errors import SourceUnavailable
from comptoir.sources.oms.client import lapses_in
from comptoir.sources.oms.loaders import PROMISES
from comptoir.sources.oms.promises import PromiseQuestion

from tests.cache.fakes import FakeClock


def test_a_question_adds_up_lines_sorts_skus_and_rounds_to_its_cell() -> None:
    one = PromiseQuestion.of(
        "web", [("B", 1), ("A", 2), ("B", 2)], "fr", "19100", (45.1612, 1.5334)
    )
    other = PromiseQuestion.of("web", [("A", 2), ("B", 3)], "FR", "19100", (45.1589, 1.5251))
    assert one == other and one.key() == other.key()
    assert one.lines == (("A", 2), ("B", 3)) and one.cell == (45.16, 1.53)
    assert PromiseQuestion.from_key(one.key()) == one
    assert one.body() == {
        "channel": "web",
        "lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 3}],
        "destination": {
            "country": "FR",
            "postal_code": "19100",
            "latitude": 45.16,
            "longitude": 1.53,
        },
    }
    assert PromiseQuestion.of("app", [("A", 2), ("B", 3)], "FR", "19100", (45.16, 1.53)) != one
    no_point = PromiseQuestion.of("web", [("A", 1)], "FR", "75009", None)
    assert no_point.body()["destination"] == {"country": "FR", "postal_code": "75009"}


def test_a_promise_lapses_at_its_first_cut_off_ahead() -> None:
    def option(order_before: str | None) -> dict[str, Any]:
        return {"order_before": order_before}

    now = datetime.fromisoformat("2026-11-02T10:00:00+00:00").timestamp()
    promise: Any = {
        "options": [option("2026-11-02T14:00:00+01:00"), option(None)],
        "unavailable": [],
    }
    assert lapses_in(promise, now) == 3 * 3600
    assert lapses_in(promise, now + 4 * 3600) is None  # past it: the configured time rules
    assert lapses_in({"options": [option(None)], "unavailable": []}, now) is None


def test_a_lapsed_promise_is_never_served_even_when_the_oms_fails() -> None:
    clock = FakeClock()
    answers: dict[str, Any] = {"q": {"options": [], "unavailable": []}}
    failure: list[Exception] = []
    asked: list[list[str]] = []

    async def fetch(ids: list[str]) -> tuple[Mapping[str, Any], float | None]:
        asked.append(ids)
        if failure:
            raise failure[0]
        return {i: answers[i] for i in ids}, 60.0

    async def scenario() -> None:
        promises = CachedCollection(
            PROMISES, fetch, MemoryCache(clock=clock), FreshnessPolicy(86400.0), clock=clock
        )
        report = DegradedReport()
        assert await promises.load_many(["q"], report) == [answers["q"]]
        assert await promises.load_many(["q"], report) == [answers["q"]]
        assert len(asked) == 1  # fresh: from the cache
        clock.advance(61)
        failure.append(SourceUnavailable("oms", "down"))
        (found,) = await promises.load_many(["q"], report)
        assert isinstance(found, SourceUnavailable)  # not the lapsed answer
        assert "stale" not in {e["mode"] for e in report.entries()}

    asyncio.run(scenario())
