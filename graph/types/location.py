"""Locations (warehouses and stores) and availability of a variant."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from comptoir.graph.errors import bad_input
from comptoir.graph.types.common import GeoPointInput
from comptoir.resolvers.inventory import stores_holding
from comptoir.sources.erp.models import LocationDoc, StockRow
from strawberry.types import Info


@strawberry.enum(description="A warehouse or a store.")
class LocationKind(enum.Enum):
    """The ERP's location kinds."""

    WAREHOUSE = "warehouse"
    STORE = "store"


@strawberry.type(description="A warehouse or a store of the retailer.")
class Location:
    """An ERP location."""

    doc: strawberry.Private[LocationDoc]
    distance: strawberry.Private[float | None] = None

    @strawberry.field(description="The ERP's location id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["id"])

    @strawberry.field(description="Warehouse or store.")
    def kind(self) -> LocationKind:
        return LocationKind(self.doc["kind"])

    @strawberry.field(description="Display name, e.g. Paris Opéra.")
    def name(self) -> str:
        return self.doc["name"]

    @strawberry.field(description="City.")
    def city(self) -> str | None:
        return self.doc.get("city")

    @strawberry.field(description="Postal code.")
    def postal_code(self) -> str | None:
        return self.doc.get("postal_code")

    @strawberry.field(description="ISO 3166 country code.")
    def country(self) -> str | None:
        return self.doc.get("country")

    @strawberry.field(description="Latitude in degrees.")
    def latitude(self) -> float:
        return self.doc["latitude"]

    @strawberry.field(description="Longitude in degrees.")
    def longitude(self) -> float:
        return self.doc["longitude"]

    @strawberry.field(description="Stock here can be sold for home delivery.")
    def ship_from(self) -> bool:
        return self.doc["ship_from"]

    @strawberry.field(description="Stock here can be reserved for pick-up here.")
    def click_and_collect(self) -> bool:
        return self.doc["click_and_collect"]

    @strawberry.field(
        description="Great-circle distance in km from the point asked for; null when none was."
    )
    def distance_km(self) -> float | None:
        return round(self.distance, 3) if self.distance is not None else None


@strawberry.type(description="A click-and-collect store holding a variant.")
class StoreStock:
    """Available units of a variant in one store."""

    location: Location = strawberry.field(description="The store.")
    quantity: int = strawberry.field(description="Units available for pick-up there.")
    distance_km: float = strawberry.field(
        description="Great-circle distance in km from the point asked for."
    )


@strawberry.type(description="Whether and where a variant can be had.")
class Availability:
    """Stock of a variant, from the ERP."""

    rows: strawberry.Private[list[StockRow]]
    locations: strawberry.Private[dict[str, LocationDoc]]
    in_stock: bool = strawberry.field(description="Some units can be delivered (quantity > 0).")
    quantity: int = strawberry.field(
        description="Units available at ship-from locations, for home delivery."
    )

    @strawberry.field(
        description="Click-and-collect stores holding it within `radiusKm` of `near`, nearest first."
    )
    def stores(
        self, info: Info[Any, Any], near: GeoPointInput, radius_km: float | None = 10.0
    ) -> list[StoreStock]:
        radius = 10.0 if radius_km is None else radius_km
        if radius < 0:
            raise bad_input("`radiusKm` must not be negative")
        found = stores_holding(self.rows, self.locations, near.latitude, near.longitude, radius)
        return [
            StoreStock(
                location=Location(doc=h.location, distance=h.distance_km),
                quantity=h.quantity,
                distance_km=round(h.distance_km, 3),
            )
            for h in found
        ]
