"""Delivery options: how and when a variant or a cart can reach a destination."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

import strawberry
from comptoir.graph.context import GraphInfo
from comptoir.graph.errors import public_errors
from comptoir.graph.types.common import Money, money
from comptoir.graph.types.location import Location
from comptoir.resolvers import delivery


@strawberry.enum(description="How an order reaches the shopper.")
class DeliveryMode(enum.Enum):
    """Home delivery or pick-up in a store."""

    HOME = "home"
    CLICK_AND_COLLECT = "click_and_collect"


@strawberry.input(
    description="Where to deliver: a country, and a postal code or both coordinates (coordinates"
    " are needed for click and collect and express delivery)."
)
class DestinationInput:
    """A delivery destination."""

    country: str = strawberry.field(description="ISO 3166 country code, e.g. FR.")
    postal_code: str | None = strawberry.field(default=None, description="Postal code.")
    latitude: float | None = strawberry.field(
        default=None, description="Latitude in degrees, -90 to 90 (with `longitude`)."
    )
    longitude: float | None = strawberry.field(
        default=None, description="Longitude in degrees, -180 to 180 (with `latitude`)."
    )

    def destination(self) -> delivery.Destination:
        """The destination as the rules take it."""
        return delivery.Destination(self.country, self.postal_code, self.latitude, self.longitude)


@strawberry.type(
    description="A way to get the goods to the destination, as the OMS's allocation engine"
    " promises it (or as comptoir estimates it while the OMS is unavailable), fastest first."
)
class DeliveryOption:
    """One delivery option."""

    mode: DeliveryMode = strawberry.field(description="Home delivery or click and collect.")
    service: str = strawberry.field(
        description="The OMS's service: express, standard (home) or pickup (click and collect)."
    )
    location: Location | None = strawberry.field(
        description="The store where the order is picked up (click and collect); null for home."
    )
    from_locations: list[Location] = strawberry.field(
        description="Where the goods leave from: the store first for click and collect, then any"
        " location sending it what it lacks."
    )
    split: bool = strawberry.field(description="The goods come from several locations.")
    earliest_at: datetime = strawberry.field(description="The earliest delivery or pick-up.")
    latest_at: datetime = strawberry.field(description="The latest delivery or pick-up.")
    order_before: datetime | None = strawberry.field(
        description="Order before this moment for this option (an express cut-off); null: no"
        " cut-off."
    )
    price: Money = strawberry.field(description="What the shopper pays for this delivery.")
    estimated: bool = strawberry.field(
        description="Computed by comptoir from cached stock and the channel's lead time while the"
        " OMS is unavailable, not promised by the OMS."
    )
    skus: list[strawberry.ID] = strawberry.field(
        description="The skus this option delivers: every line asked for but those no location"
        " can serve (out of stock, unknown)."
    )

    @classmethod
    def of(cls, view: delivery.DeliveryOptionView) -> DeliveryOption:
        """The GraphQL option of an option."""
        return cls(
            mode=DeliveryMode(view.mode),
            service=view.service,
            location=Location(view.location) if view.location else None,
            from_locations=[Location(loc) for loc in view.from_locations],
            split=view.split,
            earliest_at=view.earliest_at,
            latest_at=view.latest_at,
            order_before=view.order_before,
            price=money(view.price, view.currency),
            estimated=view.estimated,
            skus=[strawberry.ID(sku) for sku in view.skus],
        )


async def options_for(
    info: GraphInfo, lines: Sequence[tuple[str, int]], destination: DestinationInput
) -> list[DeliveryOption]:
    """The delivery options of ``lines`` (a field's errors: bad input, a source's failure)."""
    with public_errors():
        found = await delivery.delivery_options(
            info.context.scope, lines, destination.destination()
        )
    return [DeliveryOption.of(view) for view in found]
