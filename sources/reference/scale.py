"""How much demo data to generate, and the fixed clock the generator writes against."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

GENERATOR_VERSION = 3
"""Bumped whenever the generator's output changes, so that stale demo data is regenerated."""

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
"""The generator's fixed "today": orders, customers and updates are dated before it."""


@dataclass(frozen=True)
class DemoScale:
    """How many products, customers and orders the demo data holds.

    The default is the full demo (5,000 products, about 30,000 variants,
    20,000 customers, 100,000 orders); :meth:`small` is the scale the tests
    use. Every scale contains every case listed in
    :mod:`comptoir.sources.reference.cases`.
    """

    products: int = 5_000
    customers: int = 20_000
    orders: int = 100_000

    def __post_init__(self) -> None:
        if self.products < 40 or self.customers < 20 or self.orders < 100:
            raise ValueError("a demo needs at least 40 products, 20 customers and 100 orders")

    @classmethod
    def full(cls) -> DemoScale:
        """The full demo scale."""
        return cls()

    @classmethod
    def small(cls) -> DemoScale:
        """A small scale for tests: fast to generate, still holding every case."""
        return cls(products=80, customers=60, orders=300)

    def as_dict(self) -> dict[str, Any]:
        """The scale as a JSON-compatible mapping."""
        return asdict(self)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC, with offset and whole seconds: ``2026-11-20T09:12:00+00:00``."""
    if moment.tzinfo is not UTC:  # the generator's moments are UTC already: skip the work
        moment = moment.astimezone(UTC)
    if moment.microsecond:
        moment = moment.replace(microsecond=0)
    return moment.isoformat()


def days_before_anchor(days: float) -> datetime:
    """The moment ``days`` days before :data:`ANCHOR`."""
    return ANCHOR - timedelta(days=days)


def utc_now_iso() -> str:
    """The current time as ISO 8601 with offset, whole seconds."""
    return iso(datetime.now(UTC))
