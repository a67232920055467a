"""Generate what follows an order: its parcels with their tracking events, and its returns.

A parcel's journey is a fixed sequence of carrier events (label created,
departed, through the carrier's hub, then out for delivery and delivered at
home, or ready for pick-up and collected at the store), cut where the
order's status says it stands at :data:`~comptoir.sources.reference.scale.ANCHOR`.
Journeys that the nominal timings would finish after the anchor are
compressed into the time the order had, so that no event is in the future.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from comptoir.sources.reference.money import fmt, to_cents
from comptoir.sources.reference.places import CARRIERS, HUBS, LOCATIONS, TRACKING_URLS
from comptoir.sources.reference.returns import RETURN_WINDOW
from comptoir.sources.reference.scale import ANCHOR, iso

REASONS = ("too_small", "too_large", "damaged", "not_as_described", "changed_mind", "other")
RETURN_STORES = tuple(place.id for place in LOCATIONS if place.accepts_returns)
PLACES = {place.id: place for place in LOCATIONS}

_HOUR, _DAY = 3600, 86400
_ANCHOR_TS = int(ANCHOR.timestamp())


class Stamps:
    """ISO 8601 in UTC of POSIX times in whole seconds, each day and second formatted once.

    The demo dates hundreds of thousands of tracking events: joining two ready
    strings is several times faster than formatting a datetime.
    """

    def __init__(self) -> None:
        self._days: dict[int, str] = {}
        self._seconds = [
            f"{h:02d}:{m:02d}:{s:02d}+00:00"
            for h in range(24)
            for m in range(60)
            for s in range(60)
        ]

    def __call__(self, posix: int) -> str:
        day, second = divmod(posix, _DAY)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * _DAY))
        return prefix + self._seconds[second]


def _between(rand: Callable[[], float], low: int, high: int) -> int:
    """A whole number of seconds drawn between ``low`` and ``high``."""
    return low + int(rand() * (high - low))


HOME_STAGES = ("label_created", "in_transit", "out_for_delivery", "delivered")
PICKUP_STAGES = ("label_created", "in_transit", "ready_for_pickup", "delivered")


@dataclass(frozen=True)
class Route:
    """Where an order's parcels go (a home's city or a store), from where, and whether split.

    ``origin`` fixes the warehouse of an order in one parcel (``None``: drawn).
    """

    placed: datetime
    lines: Sequence[dict[str, Any]]
    city: str
    store_id: str | None
    stage: str
    split: bool
    origin: str | None = None


@dataclass(frozen=True)
class Journey:
    """The parcels of one order, and when the order reached the shopper (if it did)."""

    shipments: list[dict[str, Any]]
    delivered: datetime | None
    last: datetime


class Tracker:
    """Draws parcels, events and returns, numbering shipments and returns across the demo."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.shipments = 0
        self.returns = 0
        self.stamp = Stamps()

    def _events(self, route: Route, origin: str, carrier: str) -> list[tuple[str, int, str]]:
        """The parcel's events up to ``route.stage``: (status, POSIX time, where)."""
        rand = self.rng.random
        steps = PICKUP_STAGES if route.store_id else HOME_STAGES
        reach = steps.index(steps[2] if route.stage == "exception" else route.stage)
        depart = PLACES[origin].city
        placed = int(route.placed.timestamp())
        at = placed + _between(rand, 1 * _HOUR, 6 * _HOUR)
        events = [("label_created", at, depart)]
        if reach >= 1:
            at += _between(rand, 12 * _HOUR, 30 * _HOUR)
            events.append(("in_transit", at, depart))
            at += _between(rand, 6 * _HOUR, 14 * _HOUR)
            events.append(("in_transit", at, HUBS[carrier]))
        if reach >= 2:  # the next morning's round (06:00 to 07:30 UTC), or the store's delivery
            at = at // _DAY * _DAY + _DAY + 6 * _HOUR + _between(rand, 0, 90 * 60)
            events.append((steps[2], at, route.city))
        if reach >= 3:
            at += _between(rand, 1 * _HOUR, 9 * _HOUR if route.store_id is None else 72 * _HOUR)
            events.append(("delivered", at, route.city))
        if route.stage == "exception":
            events.append(("exception", at + _between(rand, 1 * _HOUR, 5 * _HOUR), route.city))
        room, span = _ANCHOR_TS - 60 - placed, events[-1][1] - placed
        if span > room:  # squeeze the journey into the time the order had
            scale = max(room, 0) / span
            events = [(s, placed + int((t - placed) * scale), p) for s, t, p in events]
        return events

    def _parcel(self, route: Route, origin: str, lines: Sequence[dict[str, Any]]) -> dict[str, Any]:
        rng, stamp = self.rng, self.stamp
        self.shipments += 1
        carrier = rng.choice(CARRIERS)
        number = f"{rng.randrange(10**12):012d}FR"
        events = self._events(route, origin, carrier)
        status, last, _ = events[-1]
        if status == "exception":
            eta = None
        elif status in ("delivered", "ready_for_pickup"):
            reached = events[-2][1] if route.store_id and status == "delivered" else last
            eta = reached // _DAY * _DAY + 18 * _HOUR  # the end of the day it was expected
        else:
            eta = max(int(route.placed.timestamp()) + 60 * _HOUR, _ANCHOR_TS + 18 * _HOUR)
            eta = eta // _DAY * _DAY + 18 * _HOUR
        return {
            "id": f"S-{self.shipments}",
            "status": status,
            "carrier": carrier,
            "tracking_number": number,
            "tracking_url": TRACKING_URLS[carrier].format(number),
            "from_location_id": origin,
            "shipped_at": stamp(events[1][1]) if len(events) > 1 else None,
            "delivered_at": stamp(last) if status == "delivered" else None,
            "estimated_delivery_at": stamp(eta) if eta is not None else None,
            "lines": [{"line_id": line["id"], "quantity": line["quantity"]} for line in lines],
            "events": [{"at": stamp(at), "status": s, "location": p} for s, at, p in events],
        }

    def journey(self, route: Route) -> Journey:
        """The order's parcels: one, or two from both warehouses when the order is split."""
        lines = route.lines
        if route.split and len(lines) > 1:
            parts = [("L-WH-LYON", lines[::2]), ("L-WH-LILLE", lines[1::2])]
        else:
            drawn = "L-WH-LYON" if self.rng.random() < 0.7 else "L-WH-LILLE"
            parts = [(route.origin or drawn, lines)]
        shipments = [self._parcel(route, origin, part) for origin, part in parts]
        delivered = [s["delivered_at"] for s in shipments]
        last = max(s["events"][-1]["at"] for s in shipments)
        return Journey(
            shipments,
            datetime.fromisoformat(max(delivered)) if all(delivered) else None,
            datetime.fromisoformat(last),
        )

    def return_of(
        self,
        status: str,
        line: dict[str, Any],
        quantity: int,
        delivered: datetime,
        preferred_store: str | None,
    ) -> dict[str, Any]:
        """A return of ``quantity`` units of ``line``, asked for after ``delivered``."""
        rng = self.rng
        self.returns += 1
        room = min(RETURN_WINDOW, ANCHOR - timedelta(minutes=1) - delivered) * 0.9
        created = delivered + max(room, timedelta(0)) * rng.uniform(0.05, 1.0)
        in_store = rng.random() < 0.6
        store = preferred_store if preferred_store in RETURN_STORES else rng.choice(RETURN_STORES)
        refund = to_cents(Decimal(line["total"]) * quantity / line["quantity"])
        return {
            "id": f"R-{created.year}-{self.returns:06d}",
            "status": status,
            "method": "store" if in_store else "carrier",
            "location_id": store if in_store else None,
            "lines": [{"line_id": line["id"], "quantity": quantity, "reason": rng.choice(REASONS)}],
            "refund": {"amount": fmt(refund), "currency": "EUR"} if status == "refunded" else None,
            "created_at": iso(created),
        }
