"""The cart: lines priced from the channel's list, then by the promotion engine."""

from __future__ import annotations

from typing import Annotated

import strawberry
from comptoir.graph.context import GraphInfo
from comptoir.graph.fields import field
from comptoir.graph.types.common import Money, UserError, money, user_errors
from comptoir.graph.types.delivery import DeliveryOption, DestinationInput, options_for
from comptoir.graph.types.product import Variant
from comptoir.resolvers.cart import LineRequest, Quote


@strawberry.input(description="A sku and how many of it.")
class CartLineInput:
    """One line of a cart or an order."""

    sku: strawberry.ID = strawberry.field(description="The variant's sku.")
    quantity: int = strawberry.field(description="Units, 1 to 99.")


@strawberry.input(description="What the shopper wants to buy; prices come from the channel.")
class CartInput:
    """A cart to price."""

    lines: list[CartLineInput] = strawberry.field(description="The lines, at most 100.")
    coupon_codes: list[str] | None = strawberry.field(
        default=None, description="Coupon codes to apply, at most 20."
    )


@strawberry.type(description="A priced line of a cart.")
class CartLine:
    """A sellable line with its unit price in force and its discount."""

    sku: strawberry.ID = strawberry.field(description="The variant's sku.")
    quantity: int = strawberry.field(description="Units.")
    unit_price: Money = strawberry.field(description="The price in force on the channel's list.")
    discount: Money = strawberry.field(description="Promotions on this line.")
    total: Money = strawberry.field(description="Units times unit price, less the discount.")

    @field(description="The variant, as this channel shows it.")
    async def variant(self, info: GraphInfo) -> Variant | None:
        return await Variant.resolve_reference(info, self.sku)


@strawberry.type(description="A promotion applied to a cart.")
class Promotion:
    """An automatic promotion or a coupon the engine applied."""

    id: strawberry.ID = strawberry.field(description="The promotion engine's id.")
    label: str = strawberry.field(description='What it is, e.g. "10% with WELCOME10".')
    amount: Money = strawberry.field(description="What it takes off the cart.")


@strawberry.type(
    description="A priced cart. Without the promotion engine: list prices, no promotion, no points."
)
class Cart:
    """The lines that can be sold, priced; the others are in `userErrors`."""

    requested: strawberry.Private[list[tuple[str, int]]]
    lines: list[CartLine] = strawberry.field(description="The lines that can be sold, priced.")
    promotions: list[Promotion] = strawberry.field(
        description="Promotions applied; empty when the promotion engine is unavailable."
    )
    subtotal: Money = strawberry.field(description="Sum of the lines at list price.")
    discount: Money = strawberry.field(description="Every promotion of the cart.")
    total: Money = strawberry.field(description="What the shopper would pay.")
    loyalty_points: int | None = strawberry.field(
        description="Points this cart would earn; null when the promotion engine is unavailable."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Lines left out (unknown sku, not sold here, no price, bad quantity)"
        " and coupons refused."
    )

    @field(
        description="How and when the cart's lines can reach `destination`, fastest first, as the"
        " OMS promises it (estimated while it is unavailable); each option lists the skus it"
        " delivers. Empty for an empty cart."
    )
    async def delivery_options(
        self,
        info: GraphInfo,
        destination: Annotated[
            DestinationInput, strawberry.argument(description="Where to deliver.")
        ],
    ) -> list[DeliveryOption] | None:
        if not self.requested:
            return []
        return await options_for(info, self.requested, destination)


def line_requests(lines: list[CartLineInput]) -> list[LineRequest]:
    """The lines as the pricing rules take them."""
    return [LineRequest(str(line.sku), line.quantity) for line in lines]


def cart_of(quote: Quote) -> Cart:
    """The GraphQL cart of a priced cart."""
    currency = quote.currency
    return Cart(
        requested=[(line.sku, line.quantity) for line in quote.lines],
        lines=[
            CartLine(
                sku=strawberry.ID(line.sku),
                quantity=line.quantity,
                unit_price=money(line.unit_price, currency),
                discount=money(line.discount, currency),
                total=money(line.total, currency),
            )
            for line in quote.lines
        ],
        promotions=[
            Promotion(id=strawberry.ID(p.id), label=p.label, amount=money(p.amount, currency))
            for p in quote.promotions
        ],
        subtotal=money(quote.subtotal, currency),
        discount=money(quote.discount, currency),
        total=money(quote.total, currency),
        loyalty_points=quote.loyalty_points if quote.promotions_applied else None,
        user_errors=user_errors(quote.problems),
    )
