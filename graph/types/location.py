"""Locations (warehouses and stores) and the availability of a variant."""

from __future__ import annotations

import enum

import strawberry
from comptoir.graph.errors import public_errors
from comptoir.graph.fields import field
from comptoir.graph.types.common import GeoPointInput, described
from comptoir.resolvers.inventory import NearbyLocation, VariantStock, stores_near
from comptoir.sources.erp.models import LocationDoc


@strawberry.enum(description="A warehouse or a store.")
class LocationKind(enum.Enum):
    """The ERP's location kinds."""

    WAREHOUSE = described("warehouse", description="A warehouse.")
    STORE = described("store", description="A store.")


_KINDS = {kind.value: kind for kind in LocationKind}


@strawberry.type(description="A warehouse or a store of the retailer.")
class Location:
    """An ERP location.

    Built from the loaded document: every field is a plain attribute, read
    without a resolver call.
    """

    doc: strawberry.Private[LocationDoc]
    distance: strawberry.Private[float | None]
    id: strawberry.ID = strawberry.field(description="The ERP's location id.")
    kind: LocationKind = strawberry.field(description="Warehouse or store.")
    name: str = strawberry.field(description="Display name, e.g. Paris Opéra.")
    city: str | None = strawberry.field(description="City.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    country: str | None = strawberry.field(description="ISO 3166 country code.")
    latitude: float = strawberry.field(description="Latitude in degrees.")
    longitude: float = strawberry.field(description="Longitude in degrees.")
    ship_from: bool = strawberry.field(description="Stock here can be sold for home delivery.")
    click_and_collect: bool = strawberry.field(
        description="Stock here can be reserved for pick-up here."
    )
    accepts_returns: bool = strawberry.field(
        description="A store that takes back items bought on any channel."
    )
    distance_km: float | None = strawberry.field(
        description="Great-circle distance in km from the point asked for; null when none was."
    )

    def __init__(self, doc: LocationDoc, distance: float | None = None) -> None:
        self.doc = doc
        self.distance = distance
        self.id = strawberry.ID(doc["id"])
        self.kind = _KINDS[doc["kind"]]
        self.name = doc["name"]
        self.city = doc.get("city")
        self.postal_code = doc.get("postal_code")
        self.country = doc.get("country")
        self.latitude = doc["latitude"]
        self.longitude = doc["longitude"]
        self.ship_from = doc["ship_from"]
        self.click_and_collect = doc["click_and_collect"]
        self.accepts_returns = doc.get("accepts_returns", False)
        self.distance_km = round(distance, 3) if distance is not None else None

    @classmethod
    def near(cls, found: NearbyLocation) -> Location:
        """A location found near a point, with its distance."""
        return cls(found.location, found.distance_km)


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

    stock: strawberry.Private[VariantStock]
    in_stock: bool = strawberry.field(description="Some units can be delivered (quantity > 0).")
    quantity: int = strawberry.field(
        description="Units available at ship-from locations, for home delivery."
    )

    def __init__(self, stock: VariantStock) -> None:
        self.stock = stock
        self.in_stock = stock.in_stock
        self.quantity = stock.quantity

    @field(
        description="Click-and-collect stores holding it within `radiusKm` of `near`, nearest first."
    )
    def stores(self, near: GeoPointInput, radius_km: float | None = 10.0) -> list[StoreStock]:
        with public_errors():
            found = stores_near(self.stock, near.point(), radius_km)
        return [
            StoreStock(
                location=Location(h.location, h.distance_km),
                quantity=h.quantity,
                distance_km=round(h.distance_km, 3),
            )
            for h in found
        ]
