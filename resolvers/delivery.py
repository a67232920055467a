"""Delivery options: the OMS's promise for a basket and a destination, or comptoir's estimate.

While the OMS answers, comptoir shows its allocation engine's options and
computes none of its own. The promise is asked once per question (skus and
quantities, channel, destination cell: ``sources/oms/promises.py``) and
reused for ``COMPTOIR_PROMISE_CACHE_S``.

While the OMS is unavailable, comptoir estimates from what it has — the
ERP's stock (cached or fresh), the locations, and the channel's
``lead_time_days`` — and marks every option ``estimated``
(``degraded: {oms, fallback}``). It promises nothing it cannot justify:

- no express delivery, ever;
- home delivery only when ship-from locations hold every line's quantity
  (one location for all, else split like the engine), arriving
  ``lead_time_days`` to ``lead_time_days + 2`` days after now, at the
  channel's ``delivery_price``;
- click and collect at stores within :data:`PICKUP_RADIUS_KM` of the
  destination's coordinates: "ready in hours" (:data:`PICKUP_READY`) only
  where the store's stock holds every line's quantity; a store holding some
  of a line gets the rest by transfer from a ship-from location holding it,
  within the home-delivery window; a store lacking a line is not offered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from comptoir.resolvers.errors import InvalidArgument
from comptoir.resolvers.inventory import GeoPoint, available, great_circle_km
from comptoir.resolvers.prefetch import fill, load_locations
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.erp.loaders import StockBySkuLoader
from comptoir.sources.erp.models import LocationDoc, StockRow
from comptoir.sources.errors import SourceUnavailable
from comptoir.sources.oms.loaders import PromiseByQuestionLoader
from comptoir.sources.oms.models import DeliveryOptionDoc, PromiseDoc
from comptoir.sources.oms.promises import PromiseQuestion

OMS = "oms"
MIN_QUANTITY, MAX_QUANTITY, MAX_LINES = 1, 99, 100
PICKUP_RADIUS_KM = 50.0
"""Stores farther than this from the destination are not offered for click and collect."""
PICKUP_READY = timedelta(hours=2)
"""An estimated pick-up from a store holding everything: ready this long after now, at the
earliest (rounded up to the hour), and within a day at the latest."""
ESTIMATE_SPREAD = timedelta(days=2)
"""The width of an estimated delivery window past the channel's lead time."""


@dataclass(frozen=True, slots=True)
class Destination:
    """Where to deliver: a country, and a postal code or a point (or both)."""

    country: str
    postal_code: str | None
    latitude: float | None
    longitude: float | None

    @property
    def point(self) -> GeoPoint | None:
        """The destination's coordinates, when given."""
        if self.latitude is None or self.longitude is None:
            return None
        return GeoPoint(self.latitude, self.longitude)

    def check(self) -> None:
        """:class:`InvalidArgument` unless the contract's destination: a country, and a postal
        code or both coordinates."""
        country = self.country.strip()
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise InvalidArgument("`destination.country` is an ISO 3166 code, e.g. FR")
        if self.postal_code is not None and not 1 <= len(self.postal_code.strip()) <= 20:
            raise InvalidArgument("`destination.postalCode` is 1 to 20 characters")
        if (self.latitude is None) != (self.longitude is None):
            raise InvalidArgument("give both `latitude` and `longitude` of the destination")
        point = self.point
        if point is not None:
            point.check("destination")
        elif self.postal_code is None:
            raise InvalidArgument("the destination needs a `postalCode` or coordinates")


@dataclass(frozen=True, slots=True)
class DeliveryOptionView:
    """One way to get the lines to the destination, as the OMS promised or comptoir estimated."""

    mode: str
    service: str
    location: LocationDoc | None
    from_locations: list[LocationDoc]
    split: bool
    earliest_at: datetime
    latest_at: datetime
    order_before: datetime | None
    price: Decimal
    currency: str
    estimated: bool
    skus: list[str]
    """The skus this option delivers: every line asked for but those none can serve."""


def check_lines(lines: Sequence[tuple[str, int]]) -> None:
    """:class:`InvalidArgument` for an empty basket, too many lines or a quantity outside 1 to 99."""
    if not lines:
        raise InvalidArgument("delivery options need at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidArgument(f"delivery options for at most {MAX_LINES} lines")
    for _, quantity in lines:
        if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
            raise InvalidArgument(f"`quantity` is {MIN_QUANTITY} to {MAX_QUANTITY}")


async def delivery_options(
    scope: RequestScope, lines: Sequence[tuple[str, int]], destination: Destination
) -> list[DeliveryOptionView]:
    """The options for ``lines`` to ``destination``: the OMS's, or estimated while it is down.

    Raises :class:`InvalidArgument` for a destination or quantity the
    contract refuses, and the ERP's error when, the OMS down, stock cannot
    be read at all.
    """
    check_lines(lines)
    destination.check()
    point = destination.point
    question = PromiseQuestion.of(
        scope.channel.code,
        lines,
        destination.country.strip(),
        destination.postal_code.strip() if destination.postal_code else None,
        (point.latitude, point.longitude) if point else None,
    )
    loader = scope.loaders.get(PromiseByQuestionLoader)
    report = scope.report
    was_unavailable = report.has(OMS, "unavailable")
    try:
        promise, _ = await asyncio.gather(loader.load(question.key()), load_locations(scope))
    except SourceUnavailable as error:
        if error.source != OMS:
            raise
        if not was_unavailable:  # nothing else of the OMS's is missing from the answer
            report.withdraw(OMS, "unavailable")
        report.add(OMS, "fallback")
        return await estimated_options(scope, question.lines, destination)
    return promised_options(promise, scope.catalog.location_index(), question)


def promised_options(
    promise: PromiseDoc | None, locations: Mapping[str, LocationDoc], question: PromiseQuestion
) -> list[DeliveryOptionView]:
    """The OMS's options, with their locations (ids the ERP does not know are left out)."""
    if promise is None:
        return []
    unavailable = {line["sku"] for line in promise["unavailable"]}
    skus = [sku for sku, _ in question.lines if sku not in unavailable]
    return [_promised(option, locations, skus) for option in promise["options"]]


def _promised(
    option: DeliveryOptionDoc, locations: Mapping[str, LocationDoc], skus: list[str]
) -> DeliveryOptionView:
    location_id = option.get("location_id")
    order_before = option.get("order_before")
    return DeliveryOptionView(
        mode=option["mode"],
        service=option["service"],
        location=locations.get(location_id) if location_id else None,
        from_locations=[locations[i] for i in option["from_location_ids"] if i in locations],
        split=option["split"],
        earliest_at=datetime.fromisoformat(option["earliest_at"]),
        latest_at=datetime.fromisoformat(option["latest_at"]),
        order_before=datetime.fromisoformat(order_before) if order_before else None,
        price=Decimal(option["price"]),
        currency=option["currency"],
        estimated=False,
        skus=skus,
    )


@dataclass(frozen=True, slots=True)
class _Site:
    location: LocationDoc
    distance_km: float | None

    @property
    def rank(self) -> tuple[bool, float, str]:
        # As the reference engine: warehouses first, then nearest, then by id.
        return (self.location["kind"] != "warehouse", self.distance_km or 0.0, self.location["id"])


class _Stock:
    """Available units by (sku, location), from the ERP's rows."""

    def __init__(self, rows: Mapping[str, Sequence[StockRow]]) -> None:
        self._units: dict[tuple[str, str], int] = {}
        for sku, sku_rows in rows.items():
            for row in sku_rows:
                key = (sku, row["location_id"])
                self._units[key] = self._units.get(key, 0) + available(row)

    def at(self, sku: str, location_id: str) -> int:
        return self._units.get((sku, location_id), 0)


def _allocate(
    lines: Sequence[tuple[str, int]], sites: Sequence[_Site], stock: _Stock
) -> list[_Site] | None:
    """One site holding every line, else the fewest sites, each taking what it holds most of."""
    ordered = sorted(sites, key=lambda site: site.rank)
    for site in ordered:
        if all(stock.at(sku, site.location["id"]) >= qty for sku, qty in lines):
            return [site]
    left, chosen = list(lines), []
    while left:
        best: _Site | None = None
        held: list[tuple[str, int]] = []
        for site in ordered:
            holds = [line for line in left if stock.at(line[0], site.location["id"]) >= line[1]]
            if len(holds) > len(held):
                best, held = site, holds
        if best is None:
            return None
        chosen.append(best)
        left = [line for line in left if line not in held]
    return chosen


async def estimated_options(
    scope: RequestScope, lines: Sequence[tuple[str, int]], destination: Destination
) -> list[DeliveryOptionView]:
    """comptoir's own estimate from the ERP's stock and locations and the channel's lead time."""
    skus = [sku for sku, _ in lines]
    await asyncio.gather(
        fill(scope.catalog.stock, scope.loaders.get(StockBySkuLoader), skus),
        load_locations(scope),
    )
    locations = scope.catalog.location_index()
    stock = _Stock({sku: scope.catalog.stock_rows(sku) for sku in skus})
    point = destination.point
    sites = [
        _Site(
            loc,
            great_circle_km(point.latitude, point.longitude, loc["latitude"], loc["longitude"])
            if point
            else None,
        )
        for loc in locations.values()
    ]
    ship_from = [site for site in sites if site.location["ship_from"]]
    stores = sorted(
        (
            site
            for site in sites
            if site.location["click_and_collect"]
            and site.distance_km is not None
            and site.distance_km <= PICKUP_RADIUS_KM
        ),
        key=lambda site: (site.distance_km, site.location["id"]),
    )

    def ships(sku: str, quantity: int) -> bool:
        return any(stock.at(sku, site.location["id"]) >= quantity for site in ship_from)

    def transfer(store: _Site, sku: str, quantity: int) -> _Site | bool | None:
        """True: the store holds it; a site: the rest comes from there; None: it cannot."""
        held = stock.at(sku, store.location["id"])
        if held >= quantity:
            return True
        if held < 1:
            return None
        sources = [
            site
            for site in ship_from
            if site.location["id"] != store.location["id"]
            and stock.at(sku, site.location["id"]) >= quantity - held
        ]
        return min(sources, key=lambda site: site.rank) if sources else None

    servable = [
        (sku, qty)
        for sku, qty in lines
        if ships(sku, qty) or any(transfer(store, sku, qty) is not None for store in stores)
    ]
    if not servable:
        return []
    covered = [sku for sku, _ in servable]
    now = scope.now
    channel = scope.channel
    lead = timedelta(days=channel.lead_time_days)
    window = (now + lead, now + lead + ESTIMATE_SPREAD)
    options: list[DeliveryOptionView] = []
    origins = _allocate(servable, ship_from, stock)
    if origins is not None:
        options.append(
            _estimated(
                "home",
                "standard",
                None,
                origins,
                window,
                Decimal(channel.delivery_price),
                channel.currency,
                covered,
            )
        )
    ready = (now + PICKUP_READY).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    for store in stores:
        found = [transfer(store, sku, qty) for sku, qty in servable]
        if any(origin is None for origin in found):
            continue
        transfers = sorted(
            {
                origin.location["id"]: origin for origin in found if isinstance(origin, _Site)
            }.values(),
            key=lambda site: site.rank,
        )
        store_window = window if transfers else (ready, now + timedelta(days=1))
        options.append(
            _estimated(
                "click_and_collect",
                "pickup",
                store,
                [store, *transfers],
                store_window,
                Decimal("0.00"),
                channel.currency,
                covered,
            )
        )
    options.sort(key=lambda option: (option.earliest_at, option.latest_at))
    return options


def _estimated(
    mode: str,
    service: str,
    store: _Site | None,
    origins: Sequence[_Site],
    window: tuple[datetime, datetime],
    price: Decimal,
    currency: str,
    skus: list[str],
) -> DeliveryOptionView:
    return DeliveryOptionView(
        mode=mode,
        service=service,
        location=store.location if store else None,
        from_locations=[site.location for site in origins],
        split=len(origins) > 1,
        earliest_at=window[0],
        latest_at=window[1],
        order_before=None,
        price=price,
        currency=currency,
        estimated=True,
        skus=skus,
    )
