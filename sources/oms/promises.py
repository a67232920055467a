"""A delivery promise as comptoir asks it, and the key it is cached under.

``POST /promises`` is a pure computation, so its answer may be reused for
the same question: the same skus and quantities, the same channel, and a
destination in the same **cell** — coordinates rounded to
:data:`CELL_DEGREES` (about 1 km), the postal code and the country as
given. The OMS is asked about the cell's centre, so that every shopper of
a cell gets the answer computed for that one point, never one computed for
a neighbour's. The cache key is the question itself (canonical JSON), so
that the cached collection can send it again when the entry lapses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

CELL_DEGREES = 0.01
"""The side of a destination cell, in degrees of latitude and longitude (about 1.1 km by 0.8 km
in France)."""

_CELL_PLACES = 2
"""Decimal places of a cell's coordinates (``CELL_DEGREES`` is 10 ** -2)."""


def cell_of(latitude: float, longitude: float) -> tuple[float, float]:
    """The centre of the cell holding a point (its coordinates rounded)."""
    return round(latitude, _CELL_PLACES), round(longitude, _CELL_PLACES)


@dataclass(frozen=True, slots=True)
class PromiseQuestion:
    """What a promise is asked for: lines (one per sku, summed), channel and destination cell."""

    channel: str
    lines: tuple[tuple[str, int], ...]
    country: str
    postal_code: str | None
    cell: tuple[float, float] | None

    @classmethod
    def of(
        cls,
        channel: str,
        lines: Iterable[tuple[str, int]],
        country: str,
        postal_code: str | None,
        point: tuple[float, float] | None,
    ) -> PromiseQuestion:
        """The question for ``lines`` (lines of one sku added up, sorted by sku)."""
        totals: dict[str, int] = {}
        for sku, quantity in lines:
            totals[sku] = totals.get(sku, 0) + quantity
        return cls(
            channel=channel,
            lines=tuple(sorted(totals.items())),
            country=country.upper(),
            postal_code=postal_code,
            cell=cell_of(*point) if point is not None else None,
        )

    def key(self) -> str:
        """The cache key: the question as canonical JSON."""
        return orjson.dumps(
            [
                self.channel,
                [list(line) for line in self.lines],
                self.country,
                self.postal_code,
                list(self.cell) if self.cell else None,
            ]
        ).decode()

    @classmethod
    def from_key(cls, key: str) -> PromiseQuestion:
        """The question a key was made of."""
        channel, lines, country, postal_code, cell = orjson.loads(key)
        return cls(
            channel=channel,
            lines=tuple((sku, quantity) for sku, quantity in lines),
            country=country,
            postal_code=postal_code,
            cell=(cell[0], cell[1]) if cell else None,
        )

    def body(self) -> dict[str, Any]:
        """``POST /promises``'s body."""
        destination: dict[str, Any] = {"country": self.country}
        if self.postal_code is not None:
            destination["postal_code"] = self.postal_code
        if self.cell is not None:
            destination["latitude"], destination["longitude"] = self.cell
        return {
            "channel": self.channel,
            "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in self.lines],
            "destination": destination,
        }
