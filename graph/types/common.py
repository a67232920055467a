"""Types shared by every entity: money, geo points, user errors."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import strawberry
from comptoir.resolvers.inventory import GeoPoint
from comptoir.resolvers.outcomes import Problem


def described(value: str, description: str) -> Any:
    """An enum member's value with its GraphQL description (``strawberry.enum_value``).

    Typed ``Any`` so that the member's ``.value`` reads as its plain value, as strawberry
    serves it.
    """
    return strawberry.enum_value(value, description=description)


@strawberry.type(description="An amount of money in one currency.")
class Money:
    """An amount with its ISO 4217 currency."""

    amount: Decimal = strawberry.field(description='The amount, as a decimal string ("129.90").')
    currency_code: str = strawberry.field(description="ISO 4217 currency code, e.g. EUR.")


def money(amount: Decimal | str, currency: str) -> Money:
    """Money from a decimal or a source's decimal string."""
    return Money(amount=Decimal(amount), currency_code=currency)


@strawberry.input(description="A point on the Earth.")
class GeoPointInput:
    """Latitude and longitude in degrees (WGS 84)."""

    latitude: float = strawberry.field(description="Latitude in degrees, -90 to 90.")
    longitude: float = strawberry.field(description="Longitude in degrees, -180 to 180.")

    def point(self) -> GeoPoint:
        """The point as the resolvers take it."""
        return GeoPoint(self.latitude, self.longitude)


@strawberry.type(description="Something the caller got wrong in a mutation or a cart.")
class UserError:
    """A user mistake, reported in the payload rather than as a GraphQL error."""

    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["lines", "0", "quantity"].'
    )
    message: str = strawberry.field(description="What is wrong, in English.")
    code: str = strawberry.field(description="A stable code, e.g. UNKNOWN_SKU, EMAIL_TAKEN.")


def user_errors(problems: Iterable[Problem]) -> list[UserError]:
    """A payload's user errors."""
    return [
        UserError(
            field=list(p.field) if p.field is not None else None, message=p.message, code=p.code
        )
        for p in problems
    ]
