"""The circuit breaker's states, on a fake clock."""

from __future__ import annotations

from comptoir.breaker import BreakerState, CircuitBreaker
from tests.cache.fakes import FakeClock


def state(breaker: CircuitBreaker) -> BreakerState:
    # Read through a function: a type checker would otherwise keep the value
    # an earlier assert narrowed the property to.
    return breaker.state


def test_opens_after_consecutive_failures_only(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failures=3, reset_s=5.0, clock=clock)

    assert breaker.allow() and not breaker.failure()
    assert breaker.allow() and not breaker.failure()
    assert breaker.allow() and not breaker.success()  # a success resets the count
    assert breaker.allow() and not breaker.failure()
    assert breaker.allow() and not breaker.failure()
    assert breaker.allow() and breaker.failure()

    assert state(breaker) == "open"
    assert breaker.opens == 1
    assert not breaker.allow()


def test_lets_one_probe_through_after_the_reset_window(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failures=1, reset_s=5.0, clock=clock)
    breaker.failure()

    clock.advance(4.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.allow()
    assert state(breaker) == "half_open"
    assert not breaker.allow()  # one probe at a time

    assert breaker.success()
    assert state(breaker) == "closed"
    assert breaker.allow()


def test_a_failed_probe_opens_it_for_another_window(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failures=1, reset_s=5.0, clock=clock)
    breaker.failure()
    clock.advance(5.0)
    assert breaker.allow()

    assert not breaker.failure()  # re-opening is not a new opening

    assert state(breaker) == "open"
    assert breaker.opens == 1
    clock.advance(4.9)
    assert not breaker.allow()
    clock.advance(0.1)
    assert breaker.allow()


def test_an_abandoned_probe_lets_the_next_call_probe(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failures=1, reset_s=5.0, clock=clock)
    breaker.failure()
    clock.advance(5.0)
    assert breaker.allow()

    breaker.abandon()

    assert state(breaker) == "open"
    assert breaker.allow()


def test_a_success_after_failures_reports_the_recovery_once(clock: FakeClock) -> None:
    recoveries: list[str] = []
    breaker = CircuitBreaker(failures=3, reset_s=5.0, clock=clock)
    breaker.on_recovery = lambda: recoveries.append("back")

    breaker.success()
    assert recoveries == []  # nothing had failed
    breaker.failure()
    breaker.success()  # still closed: what waited for the remote may go all the same
    assert recoveries == ["back"]
    breaker.success()
    assert recoveries == ["back"]


def test_a_failure_while_open_does_not_extend_the_wait(clock: FakeClock) -> None:
    breaker = CircuitBreaker(failures=1, reset_s=5.0, clock=clock)
    breaker.failure()
    clock.advance(4.0)
    breaker.failure()  # a call let through before the breaker opened, failing late
    clock.advance(1.0)
    assert breaker.allow()
    assert state(breaker) == "half_open"
