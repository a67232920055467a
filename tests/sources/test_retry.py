"""The retry budget and the one backoff, on a fake clock and fixed draws."""

from __future__ import annotations

from comptoir.sources.retry import RetryBudget, backoff_delay

from tests.cache.fakes import FakeClock


def test_backoff_doubles_from_its_base_up_to_its_ceiling() -> None:
    def ceiling(attempts: int) -> float:
        return backoff_delay(attempts, base_s=0.5, max_s=4.0, jitter=False)

    assert [ceiling(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_jittered_backoff_is_drawn_below_the_ceiling() -> None:
    def delay(attempts: int, draw: float) -> float:
        return backoff_delay(attempts, base_s=0.5, max_s=60, rand=lambda: draw)

    assert delay(1, 0.0) == 0.0
    assert delay(3, 1.0) == 2.0
    assert delay(3, 0.25) == 0.5
    assert delay(10_000, 1.0) == 60.0  # no overflow after days of attempts


def test_the_budget_allows_retries_worth_a_share_of_requests() -> None:
    clock = FakeClock()
    budget = RetryBudget(ratio=0.5, min_per_s=0.0, cap=2.0, clock=clock)
    # Starts half full (1 token): one retry, then none until requests deposit more.
    assert budget.try_spend()
    assert not budget.try_spend()
    budget.deposit()
    assert not budget.try_spend()  # half a token
    budget.deposit()
    assert budget.try_spend()


def test_the_budget_refills_with_time_up_to_its_cap() -> None:
    clock = FakeClock()
    budget = RetryBudget(ratio=0.0, min_per_s=1.0, cap=3.0, clock=clock)
    while budget.try_spend():
        pass
    clock.advance(10.0)
    spent = 0
    while budget.try_spend():
        spent += 1
    assert spent == 3
