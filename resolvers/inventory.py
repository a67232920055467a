"""Availability: stock sellable for delivery, stores holding a sku, stores near a point."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from comptoir.sources.erp.models import LocationDoc, StockRow

EARTH_RADIUS_KM = 6371.0088


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
    """A location and its distance from the point asked for."""

    location: LocationDoc
    distance_km: float


def near(
    locations: Iterable[LocationDoc], latitude: float, longitude: float, radius_km: float | None
) -> list[NearbyLocation]:
    """Locations within ``radius_km`` of the point (all when ``None``), nearest first."""
    found = [
        NearbyLocation(loc, great_circle_km(latitude, longitude, loc["latitude"], loc["longitude"]))
        for loc in locations
    ]
    if radius_km is not None:
        found = [n for n in found if n.distance_km <= radius_km]
    found.sort(key=lambda n: (n.distance_km, n.location["id"]))
    return found


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
