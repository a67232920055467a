"""Great-circle distances computed by the tests themselves, to check what a source measured."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in kilometres between two (latitude, longitude) points (haversine)."""
    (lat1, lon1), (lat2, lon2) = ((math.radians(p[0]), math.radians(p[1])) for p in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
