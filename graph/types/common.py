"""Types shared by every entity: money, geo points, user errors, page info."""

from __future__ import annotations

from decimal import Decimal

import strawberry


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


@strawberry.type(description="Something the caller got wrong in a mutation or a cart.")
class UserError:
    """A user mistake, reported in the payload rather than as a GraphQL error."""

    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["lines", "0", "quantity"].'
    )
    message: str = strawberry.field(description="What is wrong, in English.")
    code: str = strawberry.field(description="A stable code, e.g. UNKNOWN_SKU, EMAIL_TAKEN.")


@strawberry.type(description="Relay page information.")
class PageInfo:
    """Where a page stands in its list."""

    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to get the next page; null on an empty page."
    )
