"""The executor's awaitable check: the same answers as strawberry's, types remembered only when sound."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Generator
from decimal import Decimal
from typing import Any

from comptoir.graph import executor
from comptoir.graph.executor import is_awaitable
from strawberry.execution import optimized_is_awaitable


class _Plain:
    """A resolver's usual result: an object of a class with nothing to await."""


class _SometimesAwaitable:
    """A class that answers attribute lookups itself: one instance may look awaitable, another not."""

    def __init__(self, awaitable: bool) -> None:
        self.awaitable = awaitable

    def __getattr__(self, name: str) -> Any:
        if name == "__await__" and self.awaitable:
            return lambda: iter(())
        raise AttributeError(name)


def _generator() -> Generator[int, None, None]:
    yield 1


def test_answers_as_strawberry_does() -> None:
    async def coroutine() -> int:
        return 1

    loop = asyncio.new_event_loop()
    try:
        values: list[Any] = [
            None, 1, "a", [1], {"a": 1}, Decimal("1.5"), _Plain(), _generator(),
            coroutine(), loop.create_future(),
        ]  # fmt: skip
        for value in values:
            assert is_awaitable(value) is optimized_is_awaitable(value), value
            assert is_awaitable(value) is optimized_is_awaitable(value), value  # once remembered
        values[8].close()
    finally:
        loop.close()


def test_a_plain_type_is_remembered() -> None:
    assert not is_awaitable(_Plain())
    assert _Plain in executor._NOT_AWAITABLE
    assert _Plain in executor._PLAIN_OBJECTS  # a list's items of it run their plan at once


class _Failure(Exception):
    """An exception a resolver returns as a value (graphql-core reports it as an error)."""


def test_an_exception_is_never_a_plain_object() -> None:
    assert not is_awaitable(_Failure())
    assert _Failure not in executor._PLAIN_OBJECTS  # a list's item of it is reported, not run


def test_a_type_answering_lookups_itself_is_checked_every_time() -> None:
    assert not is_awaitable(_SometimesAwaitable(False))
    assert _SometimesAwaitable not in executor._NOT_AWAITABLE
    assert is_awaitable(_SometimesAwaitable(True))


def test_a_generator_is_checked_every_time() -> None:
    assert not is_awaitable(_generator())
    assert type(_generator()) not in executor._NOT_AWAITABLE


class _Colour(enum.Enum):
    """An enum: its class has its metaclass's ``__getattr__``, its members the usual lookup."""

    RED = "red"


class _Amount(Decimal):
    """A Decimal subclass: C's generic lookup, inherited."""


def test_enum_members_and_decimals_are_remembered() -> None:
    for value in (_Colour.RED, Decimal("1.5"), _Amount("2")):
        assert not is_awaitable(value)
        assert type(value) in executor._PLAIN_OBJECTS, value


class _Forwarding:
    """A class answering every lookup from elsewhere: never remembered."""

    def __init__(self, target: Any) -> None:
        self.target = target

    def __getattribute__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "target"), name)


class _ForwardingAmount(_Forwarding, Decimal):
    """A Decimal whose lookups are not Decimal's."""


def test_a_type_with_its_own_lookup_is_checked_every_time_even_below_decimal() -> None:
    assert not is_awaitable(_ForwardingAmount("1"))
    assert _ForwardingAmount not in executor._NOT_AWAITABLE
