"""Availability: units for delivery, stores holding a sku, locations near a point."""

from __future__ import annotations

from typing import Any

import pytest
from comptoir.resolvers.errors import InvalidArgument
from comptoir.resolvers.inventory import (
    GeoPoint,
    VariantStock,
    available,
    nearest,
    ship_from_quantity,
    stores_near,
)

from tests.resolvers.fakes import location, stock

PARIS = GeoPoint(48.8566, 2.3522)
LOCATIONS: dict[str, Any] = {
    "W-1": location("W-1"),
    "S-NEAR": location("S-NEAR", "store", latitude=48.8606, longitude=2.3376),
    "S-FAR": location("S-FAR", "store", latitude=45.7640, longitude=4.8357),  # Lyon
}


def test_available_units_never_go_below_zero() -> None:
    assert available(stock("A", "W-1", on_hand=5, reserved=2)) == 3  # type: ignore[arg-type]
    assert available(stock("A", "W-1", on_hand=1, reserved=4)) == 0  # type: ignore[arg-type]


def test_only_ship_from_locations_count_for_delivery() -> None:
    rows: Any = [stock("A", "W-1", 4), stock("A", "S-NEAR", 9), stock("A", "GONE", 7)]
    assert ship_from_quantity(rows, LOCATIONS) == 4


def test_stores_near_hold_stock_within_the_radius_nearest_first() -> None:
    rows: Any = [stock("A", "S-FAR", 3), stock("A", "S-NEAR", 2), stock("A", "W-1", 8)]
    held = VariantStock(rows, LOCATIONS, quantity=8)
    assert [h.location["id"] for h in stores_near(held, PARIS, None)] == ["S-NEAR"]  # 10 km
    assert [h.location["id"] for h in stores_near(held, PARIS, 500.0)] == ["S-NEAR", "S-FAR"]
    with pytest.raises(InvalidArgument, match="radiusKm"):
        stores_near(held, PARIS, -1.0)


def test_a_store_without_available_units_is_not_listed() -> None:
    rows: Any = [stock("A", "S-NEAR", on_hand=2, reserved=2)]
    assert stores_near(VariantStock(rows, LOCATIONS, 0), PARIS, 50.0) == []


def test_nearest_sorts_by_distance_and_bounds_by_radius() -> None:
    found = nearest(LOCATIONS.values(), PARIS.latitude, PARIS.longitude, 100.0)
    assert [n.location["id"] for n in found] == ["S-NEAR", "W-1"]
    assert all(n.distance_km is not None and n.distance_km <= 100 for n in found)


def test_a_point_off_the_earth_is_the_callers_mistake() -> None:
    with pytest.raises(InvalidArgument, match="near"):
        GeoPoint(91.0, 0.0).check("near")
    GeoPoint(-90.0, 180.0).check("near")
