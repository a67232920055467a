"""The reference oms's allocation engine: where a basket can come from, how, by when, for how much.

The rules, as the reference oms applies them to ``POST /promises``:

**Stock.** A location's available quantity of a sku is ``max(0, on_hand -
reserved)`` from the erp's stock rows. A line (lines of one sku are added
up) is served whole by one location; the engine never splits a line.

**Time.** Every time is in the destination's time zone: Europe/Paris for
France, the zone of :data:`TIME_ZONES` for the other countries it lists,
UTC for the rest. Locations dispatch Monday to Saturday, and an order placed
before the :data:`CUT_OFF` (14:00) on a dispatch day leaves that day,
otherwise on the next dispatch day. Carriers deliver Monday to Saturday.
Public holidays are not modelled.

**Home delivery** (``mode: home``) ships from ``ship_from`` locations, taken
in this order of preference: warehouses before ship-from stores, then the
nearest to the destination (when it has coordinates), then by id. The first
location that holds every line ships everything; when none does, the lines
are split (``split: true``): the location holding the most of the lines left
takes them, in the same order of preference, until every line is placed.

- ``standard`` — offered whenever home delivery covers the basket: delivered
  2 to 3 delivery days after dispatch, 09:00 to 19:00; one day more when a store
  prepares a parcel, two more outside France; with several parcels the
  slowest sets the window. :data:`STANDARD_PRICE`.
- ``express`` — next-day delivery, 09:00 to 13:00, ordered Monday to Friday
  before the cut-off (``order_before``), when the destination has
  coordinates and the ship-from locations within :data:`EXPRESS_RADIUS_KM`
  (500 km, great-circle) of it cover the basket on their own (allocated as
  above among them). :data:`EXPRESS_PRICE`.

**Click & collect** (``mode: click_and_collect``, ``service: pickup``, free)
at every ``click_and_collect`` store within :data:`PICKUP_RADIUS_KM` (50 km)
of the destination's coordinates (none without coordinates) that holds
every line (at least one unit available):

- when it holds each line's quantity, the order is ready 2 hours after it
  is placed, on the hour, within opening hours (Monday to Saturday,
  10:00 to 19:00; earliest 11:00 on an opening day, and 11:00 on the next
  opening day when the store would be closed);
- when it lacks units of a line, the missing units come by transfer from a
  ship-from location that holds them (listed after the store in
  ``from_location_ids``, ``split: true``), and the order is ready 2 to 3
  delivery days after that location's dispatch, 12:00 to 19:00.

**Unavailable lines.** A sku the pim does not know is ``unknown_sku``; a line
that neither home delivery nor any click & collect store of the destination
can serve is ``out_of_stock``. Every option covers every other line: home
delivery is offered only if it covers them all, a store only if it does (so
a basket whose lines only different stores can serve gets no option).

**Order.** Options come fastest first (``earliest_at``, then ``latest_at``);
options as fast as each other keep the order express, standard, then stores
nearest first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EARTH_RADIUS_KM = 6371.0088
CUT_OFF = time(14, 0)
"""Orders placed before this local time leave the same day; express needs it too."""
EXPRESS_RADIUS_KM = 500.0
PICKUP_RADIUS_KM = 50.0
EXPRESS_PRICE, STANDARD_PRICE, PICKUP_PRICE = "9.90", "4.90", "0.00"
CURRENCY = "EUR"
PICKUP_DELAY = timedelta(hours=2)
STORE_CLOSES, FIRST_PICKUP = time(19, 0), time(11, 0)
"""Stores open 10:00 to 19:00; an order is never ready before 11:00 (an hour after opening)."""
LAST_DELIVERY = time(19, 0)

TIME_ZONES: dict[str, str] = {
    "FR": "Europe/Paris",
    "MC": "Europe/Monaco",
    "BE": "Europe/Brussels",
    "LU": "Europe/Luxembourg",
    "NL": "Europe/Amsterdam",
    "DE": "Europe/Berlin",
    "CH": "Europe/Zurich",
    "AT": "Europe/Vienna",
    "IT": "Europe/Rome",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
}
"""The time zone of each destination country the engine knows; any other country: UTC."""


@dataclass(frozen=True)
class Line:
    """What the basket needs of one sku."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class Destination:
    """Where the basket goes: a country, and a postal code or coordinates (or both)."""

    country: str
    postal_code: str | None
    latitude: float | None
    longitude: float | None

    @property
    def has_point(self) -> bool:
        """Whether the destination has coordinates (distances can be measured)."""
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class Site:
    """A location as the engine sees it, with its distance to the destination (if known)."""

    id: str
    kind: str
    ship_from: bool
    click_and_collect: bool
    distance_km: float | None

    @property
    def rank(self) -> tuple[bool, float, str]:
        """Order of preference for shipping: warehouses first, then nearest, then id."""
        return (self.kind != "warehouse", self.distance_km or 0.0, self.id)


class Stock:
    """Available quantities by (sku, location)."""

    def __init__(self, rows: Iterable[Mapping[str, object]]) -> None:
        self._available: dict[tuple[str, str], int] = {}
        for row in rows:
            key = (str(row["sku"]), str(row["location_id"]))
            on_hand, reserved = int(str(row["on_hand"])), int(str(row["reserved"]))
            self._available[key] = self._available.get(key, 0) + max(0, on_hand - reserved)

    def at(self, sku: str, location_id: str) -> int:
        """Units of ``sku`` available at ``location_id``."""
        return self._available.get((sku, location_id), 0)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance between two points on the Earth (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def sites(locations: Iterable[Mapping[str, object]], destination: Destination) -> list[Site]:
    """The erp's locations, each with its distance to ``destination`` when both have coordinates."""
    found = []
    here_lat, here_lon = destination.latitude, destination.longitude
    for loc in locations:
        lat, lon = loc.get("latitude"), loc.get("longitude")
        distance = None
        if (
            here_lat is not None
            and here_lon is not None
            and isinstance(lat, float | int)
            and isinstance(lon, float | int)
        ):
            distance = great_circle_km(here_lat, here_lon, lat, lon)
        found.append(
            Site(
                str(loc["id"]),
                str(loc["kind"]),
                bool(loc.get("ship_from")),
                bool(loc.get("click_and_collect")),
                distance,
            )
        )
    return found


def allocate(lines: Sequence[Line], sources: Sequence[Site], stock: Stock) -> list[Site] | None:
    """The locations shipping ``lines``: one holding all, else a split; ``None`` if impossible."""
    ordered = sorted(sources, key=lambda site: site.rank)
    for site in ordered:
        if all(stock.at(line.sku, site.id) >= line.quantity for line in lines):
            return [site]
    left, chosen = list(lines), []
    while left:
        best: Site | None = None
        held: list[Line] = []
        for site in ordered:
            holds = [line for line in left if stock.at(line.sku, site.id) >= line.quantity]
            if len(holds) > len(held):
                best, held = site, holds
        if best is None:
            return None
        chosen.append(best)
        left = [line for line in left if line not in held]
    return chosen


class Calendar:
    """Dispatch, delivery and opening days in one time zone."""

    def __init__(self, zone: ZoneInfo, now: datetime) -> None:
        self.zone = zone
        self.now = now.astimezone(zone)

    def at(self, day: date, moment: time) -> datetime:
        """``moment`` local time on ``day``."""
        return datetime.combine(day, moment, tzinfo=self.zone)

    @staticmethod
    def working(day: date) -> bool:
        """Monday to Saturday: dispatch, delivery and opening days."""
        return day.weekday() != 6

    def after(self, day: date, days: int) -> date:
        """The ``days``-th working day after ``day``."""
        while days > 0:
            day += timedelta(days=1)
            if self.working(day):
                days -= 1
        return day

    def dispatch_day(self) -> date:
        """The day an order placed now leaves its location."""
        today = self.now.date()
        if self.working(today) and self.now.time() < CUT_OFF:
            return today
        return self.after(today, 1)

    def pickup_ready(self) -> datetime:
        """When a store holding everything has the order ready."""
        ready = (self.now + PICKUP_DELAY).astimezone(self.zone)
        if ready.minute or ready.second or ready.microsecond:
            ready = ready.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        day = ready.date()
        if self.working(day) and ready.time() <= STORE_CLOSES:
            return max(ready, self.at(day, FIRST_PICKUP))
        return self.at(self.after(day, 1), FIRST_PICKUP)


Window = tuple[datetime, datetime]
"""The earliest and latest moments of an option."""


@dataclass(frozen=True)
class Option:
    """A way to get the basket: its window first, so that options sort fastest first."""

    window: Window
    doc: dict[str, object]


def _option(
    mode: str,
    service: str,
    origins: Sequence[Site],
    window: Window,
    price: str,
    order_before: datetime | None = None,
    location_id: str | None = None,
) -> Option:
    option: dict[str, object] = {"mode": mode, "service": service}
    if location_id is not None:
        option["location_id"] = location_id
    option |= {
        "from_location_ids": [site.id for site in origins],
        "split": len(origins) > 1,
        "earliest_at": window[0].isoformat(timespec="seconds"),
        "latest_at": window[1].isoformat(timespec="seconds"),
        "order_before": order_before.isoformat(timespec="seconds") if order_before else None,
        "price": price,
        "currency": CURRENCY,
    }
    return Option(window, option)


class Engine:
    """One promise: a basket, a destination, the locations and their stock, and now."""

    def __init__(
        self,
        destination: Destination,
        locations: Iterable[Mapping[str, object]],
        stock: Stock,
        now: datetime,
    ) -> None:
        self.destination = destination
        self.stock = stock
        self.calendar = Calendar(ZoneInfo(TIME_ZONES.get(destination.country, "UTC")), now)
        self.sites = sites(locations, destination)
        self.ship_from = [site for site in self.sites if site.ship_from]
        self.stores = sorted(
            (
                site
                for site in self.sites
                if site.click_and_collect
                and site.distance_km is not None
                and site.distance_km <= PICKUP_RADIUS_KM
            ),
            key=lambda site: (site.distance_km, site.id),
        )

    def _ships(self, line: Line) -> bool:
        return any(self.stock.at(line.sku, site.id) >= line.quantity for site in self.ship_from)

    def _transfer_source(self, store: Site, line: Line) -> Site | None:
        """Where the units ``store`` lacks of ``line`` come from; ``None``: it cannot serve it."""
        held = self.stock.at(line.sku, store.id)
        if held >= line.quantity:
            return store
        if held < 1:
            return None
        missing = line.quantity - held
        sources = [
            site
            for site in self.ship_from
            if site.id != store.id and self.stock.at(line.sku, site.id) >= missing
        ]
        return min(sources, key=lambda site: site.rank) if sources else None

    def _pickup(self, store: Site, lines: Sequence[Line]) -> Option | None:
        origins = [self._transfer_source(store, line) for line in lines]
        if any(origin is None for origin in origins):
            return None
        transfers = sorted(
            {o.id: o for o in origins if o is not None and o.id != store.id}.values(),
            key=lambda site: site.rank,
        )
        if transfers:
            window = self._delivery_window(transfers, time(12, 0))
        else:
            ready = self.calendar.pickup_ready()
            window = (ready, ready)
        return _option(
            "click_and_collect",
            "pickup",
            [store, *transfers],
            window,
            PICKUP_PRICE,
            location_id=store.id,
        )

    def _delivery_window(self, origins: Sequence[Site], first: time) -> Window:
        """2 to 3 working days after dispatch; a store prepares in a day, abroad takes two more."""
        extra = (2 if self.destination.country != "FR" else 0) + (
            1 if any(site.kind == "store" for site in origins) else 0
        )
        calendar = self.calendar
        dispatch = calendar.dispatch_day()
        return (
            calendar.at(calendar.after(dispatch, 2 + extra), first),
            calendar.at(calendar.after(dispatch, 3 + extra), LAST_DELIVERY),
        )

    def _express(self, lines: Sequence[Line]) -> Option | None:
        calendar = self.calendar
        today = calendar.now.date()
        if not self.destination.has_point or today.weekday() > 4 or calendar.now.time() >= CUT_OFF:
            return None
        near = [
            site
            for site in self.ship_from
            if site.distance_km is not None and site.distance_km <= EXPRESS_RADIUS_KM
        ]
        origins = allocate(lines, near, self.stock)
        if origins is None:
            return None
        tomorrow = today + timedelta(days=1)
        return _option(
            "home",
            "express",
            origins,
            (calendar.at(tomorrow, time(9, 0)), calendar.at(tomorrow, time(13, 0))),
            EXPRESS_PRICE,
            order_before=calendar.at(today, CUT_OFF),
        )

    def promise(self, lines: Sequence[Line], known: set[str]) -> dict[str, object]:
        """The ``POST /promises`` answer for ``lines`` (skus in ``known`` are the pim's)."""
        unavailable = [
            {"sku": line.sku, "reason": "unknown_sku"} for line in lines if line.sku not in known
        ]
        wanted = [line for line in lines if line.sku in known]
        servable = [
            line
            for line in wanted
            if self._ships(line)
            or any(self._transfer_source(store, line) is not None for store in self.stores)
        ]
        unavailable += [
            {"sku": line.sku, "reason": "out_of_stock"} for line in wanted if line not in servable
        ]
        options: list[Option] = []
        # Home delivery must cover every servable line (each is held by some ship-from location).
        origins = allocate(servable, self.ship_from, self.stock) if servable else None
        if origins is not None:
            express = self._express(servable)
            if express is not None:
                options.append(express)
            window = self._delivery_window(origins, time(9, 0))
            options.append(_option("home", "standard", origins, window, STANDARD_PRICE))
        for store in self.stores if servable else ():
            pickup = self._pickup(store, servable)
            if pickup is not None:
                options.append(pickup)
        options.sort(key=lambda option: option.window)  # stable: ties keep their order
        return {"options": [option.doc for option in options], "unavailable": unavailable}


def merge_lines(lines: Iterable[tuple[str, int]]) -> list[Line]:
    """Lines of the same sku added up, in the order each sku first appears."""
    totals: dict[str, int] = {}
    for sku, quantity in lines:
        totals[sku] = totals.get(sku, 0) + quantity
    return [Line(sku, quantity) for sku, quantity in totals.items()]
