"""Availability: stock sellable for delivery, stores holding a sku, locations near a point."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from comptoir.resolvers.errors import InvalidArgument
from comptoir.resolvers.prefetch import load_locations
from comptoir.resolvers.pricing import variant_price
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.erp.models import LocationDoc, StockRow
from comptoir.sources.pim.models import ProductDoc

EARTH_RADIUS_KM = 6371.0088
DEFAULT_STORE_RADIUS_KM = 10.0


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A point on the Earth, in degrees (WGS 84)."""

    latitude: float
    longitude: float

    def check(self, argument: str) -> None:
        """:class:`InvalidArgument` unless a latitude in [-90, 90] and a longitude in [-180, 180]."""
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise InvalidArgument(
                f"`{argument}` must be a latitude in [-90, 90] and a longitude in [-180, 180]"
            )


def available(row: StockRow) -> int:
    """``max(0, on_hand - reserved)``."""
    return max(0, row["on_hand"] - row["reserved"])


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance between two points on the Earth (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def ship_from_quantity(rows: Iterable[StockRow], locations: Mapping[str, LocationDoc]) -> int:
    """Units sellable for home delivery: available stock at ``ship_from`` locations."""
    total = 0
    for row in rows:
        location = locations.get(row["location_id"])
        if location is not None and location["ship_from"]:
            total += available(row)
    return total


@dataclass(frozen=True, slots=True)
class NearbyLocation:
    """A location and its distance from the point asked for (``None``: no point was)."""

    location: LocationDoc
    distance_km: float | None


def nearest(
    locations: Iterable[LocationDoc], latitude: float, longitude: float, radius_km: float | None
) -> list[NearbyLocation]:
    """Locations within ``radius_km`` of the point (all when ``None``), nearest first."""
    measured = [
        (great_circle_km(latitude, longitude, loc["latitude"], loc["longitude"]), loc)
        for loc in locations
    ]
    if radius_km is not None:
        measured = [(km, loc) for km, loc in measured if km <= radius_km]
    measured.sort(key=lambda found: (found[0], found[1]["id"]))
    return [NearbyLocation(loc, km) for km, loc in measured]


@dataclass(frozen=True, slots=True)
class StoreHolding:
    """A click-and-collect store holding a sku, with its available quantity and distance."""

    location: LocationDoc
    quantity: int
    distance_km: float


def stores_holding(
    rows: Sequence[StockRow],
    locations: Mapping[str, LocationDoc],
    latitude: float,
    longitude: float,
    radius_km: float,
) -> list[StoreHolding]:
    """Click-and-collect stores within ``radius_km`` holding available stock, nearest first."""
    holding: list[StoreHolding] = []
    for row in rows:
        location = locations.get(row["location_id"])
        quantity = available(row)
        if location is None or quantity <= 0 or not location["click_and_collect"]:
            continue
        distance = great_circle_km(latitude, longitude, location["latitude"], location["longitude"])
        if distance <= radius_km:
            holding.append(StoreHolding(location, quantity, distance))
    holding.sort(key=lambda h: (h.distance_km, h.location["id"]))
    return holding


@dataclass(frozen=True, slots=True)
class VariantStock:
    """A variant's stock rows, the locations that hold them, and what can be delivered."""

    rows: list[StockRow]
    locations: Mapping[str, LocationDoc]
    quantity: int
    """Units available at ship-from locations, for home delivery."""

    @property
    def in_stock(self) -> bool:
        """Some units can be delivered."""
        return self.quantity > 0


def variant_stock(scope: RequestScope, sku: str) -> VariantStock:
    """A sku's stock (its rows and the locations loaded)."""
    rows = scope.catalog.stock_rows(sku)
    locations = scope.catalog.location_index()
    return VariantStock(rows, locations, ship_from_quantity(rows, locations))


def stores_near(stock: VariantStock, near: GeoPoint, radius_km: float | None) -> list[StoreHolding]:
    """Click-and-collect stores within ``radius_km`` of ``near`` holding the sku, nearest first."""
    radius = DEFAULT_STORE_RADIUS_KM if radius_km is None else radius_km
    if radius < 0:
        raise InvalidArgument("`radiusKm` must not be negative")
    return stores_holding(stock.rows, stock.locations, near.latitude, near.longitude, radius)


def available_for_sale(scope: RequestScope, product: ProductDoc) -> bool:
    """Some variant priced on the channel's list and in stock for delivery."""
    locations = scope.catalog.location_index()
    for sku in product["variant_skus"]:
        rows = scope.catalog.stock_rows(sku)
        if variant_price(scope, sku) is not None and ship_from_quantity(rows, locations) > 0:
            return True
    return False


async def locations(
    scope: RequestScope,
    near: GeoPoint | None,
    radius_km: float | None,
    kind: str | None,
    accepts_returns: bool | None = None,
) -> list[NearbyLocation]:
    """Warehouses and stores, of one ``kind`` or all, taking returns or not (``None``: either);
    by id, or nearest first from ``near``."""
    if radius_km is not None and radius_km < 0:
        raise InvalidArgument("`radiusKm` must not be negative")
    if near is not None:
        near.check("near")
    await load_locations(scope)
    docs = [
        d
        for d in scope.catalog.location_index().values()
        if (kind is None or d["kind"] == kind)
        and (accepts_returns is None or d.get("accepts_returns", False) is accepts_returns)
    ]
    if near is None:
        return [NearbyLocation(d, None) for d in sorted(docs, key=lambda d: d["id"])]
    return nearest(docs, near.latitude, near.longitude, radius_km)
