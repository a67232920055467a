"""The writes (`Mutation`): accounts, orders and loyalty redemptions.

Orders and new accounts are held in the outbox before anything is sent, so
that an unavailable source delays them but never loses them; redeeming
points needs the CRM's live balance and is refused while it is unavailable.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from comptoir.graph.context import GraphInfo
from comptoir.graph.errors import public_errors
from comptoir.graph.fields import mutation
from comptoir.graph.types.cart import CartLineInput, line_requests
from comptoir.graph.types.common import UserError, user_errors
from comptoir.graph.types.customer import Customer
from comptoir.graph.types.delivery import DeliveryMode
from comptoir.graph.types.loyalty import LoyaltyAccount
from comptoir.graph.types.order import Order
from comptoir.graph.types.returns import RequestReturnInput, RequestReturnPayload, Return
from comptoir.resolvers import customers, loyalty, orders, returns
from comptoir.resolvers.returns import ReturnView


@strawberry.input(description="A postal address for home delivery.")
class AddressInput:
    """Where to deliver."""

    line1: str = strawberry.field(description="Street and number.")
    line2: str | None = strawberry.field(default=None, description="Building, floor, etc.")
    city: str = strawberry.field(description="City.")
    postal_code: str = strawberry.field(description="Postal code.")
    country: str = strawberry.field(default="FR", description="ISO 3166 code, e.g. FR.")


@strawberry.input(
    description="How the order reaches the shopper: HOME needs `address`,"
    " CLICK_AND_COLLECT a store's `locationId`."
)
class DeliveryInput:
    """The delivery of an order."""

    mode: DeliveryMode = strawberry.field(description="Home delivery or click and collect.")
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="The store, for click and collect."
    )
    address: AddressInput | None = strawberry.field(
        default=None, description="The address, for home delivery."
    )

    def request(self) -> orders.DeliveryRequest:
        """The delivery as the rules take it, trimmed."""
        address = self.address
        return orders.DeliveryRequest(
            mode=self.mode.value,
            location_id=str(self.location_id) if self.location_id else None,
            address=None
            if address is None
            else orders.Address(
                line1=address.line1.strip(),
                line2=address.line2.strip() if address.line2 else None,
                city=address.city.strip(),
                postal_code=address.postal_code.strip(),
                country=address.country.strip(),
            ),
        )


@strawberry.input(description="An order: the cart's lines and coupons, and its delivery.")
class PlaceOrderInput:
    """What the signed-in shopper orders; prices come from the channel, never from the caller."""

    lines: list[CartLineInput] = strawberry.field(description="The lines, 1 to 100.")
    coupon_codes: list[str] | None = strawberry.field(
        default=None, description="Coupon codes to apply, at most 20."
    )
    delivery: DeliveryInput = strawberry.field(description="How the order reaches the shopper.")


@strawberry.input(description="A new customer account.")
class RegisterCustomerInput:
    """The customer's identity for the CRM."""

    email: str = strawberry.field(description="Email address; one account per email.")
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    phone: str | None = strawberry.field(default=None, description="Phone number (E.164).")

    def registration(self) -> customers.Registration:
        """The registration as the rules take it, trimmed."""
        return customers.Registration(
            email=self.email.strip(),
            first_name=self.first_name.strip(),
            last_name=self.last_name.strip(),
            phone=self.phone.strip() if self.phone else None,
        )


@strawberry.type(description="The answer to `placeOrder`.")
class PlaceOrderPayload:
    """The order placed (or held), or what the caller got wrong."""

    order: Order | None = strawberry.field(
        description="The order; with a provisional id and status PENDING"
        " while the OMS is unavailable."
    )
    pending: bool = strawberry.field(
        description="Held by comptoir until the OMS is back; delivered then, exactly once."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why no order was placed: unknown sku, bad quantity, missing address,"
        " reused key…"
    )


@strawberry.type(description="The answer to `registerCustomer`.")
class RegisterCustomerPayload:
    """The new customer (or the one held), or what the caller got wrong."""

    customer: Customer | None = strawberry.field(
        description="The customer; with a provisional id while the CRM is unavailable."
    )
    pending: bool = strawberry.field(
        description="Held by comptoir until the CRM is back; created then, exactly once."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why no account was made: invalid email, email taken, reused key…"
    )


@strawberry.type(description="The answer to `redeemLoyaltyPoints`.")
class RedeemLoyaltyPointsPayload:
    """The account after the redemption, or why there was none."""

    account: LoyaltyAccount | None = strawberry.field(
        description="The loyalty account after the points were burned."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was burned: not enough points, no account, LOYALTY_UNAVAILABLE…"
    )


@strawberry.type(description="Write: accounts, orders, returns and loyalty redemptions.")
class Mutation:
    """Every write of comptoir."""

    @mutation(
        description="Create a customer account; held and created later when the CRM is unavailable."
    )
    async def register_customer(
        self, info: GraphInfo, input: RegisterCustomerInput, idempotency_key: str
    ) -> RegisterCustomerPayload:
        context = info.context
        result = await customers.register(
            context.scope, context.held, input.registration(), idempotency_key
        )
        return RegisterCustomerPayload(
            customer=Customer.of(result.doc),
            pending=result.pending,
            user_errors=user_errors(result.problems),
        )

    @mutation(
        description="Place the signed-in shopper's order;"
        " held and sent later when the OMS is unavailable."
    )
    async def place_order(
        self, info: GraphInfo, input: PlaceOrderInput, idempotency_key: str
    ) -> PlaceOrderPayload:
        context = info.context
        with public_errors():  # the catalog or the ERP could not check the lines
            result = await orders.place_order(
                context.scope,
                context.held,
                context.sources,
                line_requests(input.lines),
                list(input.coupon_codes or ()),
                input.delivery.request(),
                idempotency_key,
            )
        return PlaceOrderPayload(
            order=Order(doc=result.doc, pending=result.pending) if result.doc else None,
            pending=result.pending,
            user_errors=user_errors(result.problems),
        )

    @mutation(
        description="Ask to return some of an order's units (its owner, or a staff channel);"
        " checked against the order first, held and sent later when the OMS is unavailable."
    )
    async def request_return(
        self,
        info: GraphInfo,
        input: Annotated[
            RequestReturnInput, strawberry.argument(description="What to send back, how, where.")
        ],
        idempotency_key: Annotated[
            str,
            strawberry.argument(
                description="One key per return asked for (1 to 200 characters), sent again on"
                " every retry: the same key always answers the same return."
            ),
        ],
    ) -> RequestReturnPayload:
        context = info.context
        with public_errors():  # the order could not be read to check the return
            result = await returns.request_return(
                context.scope, context.held, input.request(), idempotency_key
            )
        return RequestReturnPayload(
            return_=Return(view=ReturnView(result.doc, result.pending)) if result.doc else None,
            pending=result.pending,
            user_errors=user_errors(result.problems),
        )

    @mutation(
        description="Burn the signed-in shopper's points against the CRM's live balance"
        " (refused with LOYALTY_UNAVAILABLE while the CRM is unavailable)."
    )
    async def redeem_loyalty_points(
        self, info: GraphInfo, points: int, idempotency_key: str
    ) -> RedeemLoyaltyPointsPayload:
        context = info.context
        result = await loyalty.redeem(context.scope, context.sources, points, idempotency_key)
        return RedeemLoyaltyPointsPayload(
            account=LoyaltyAccount(doc=result.doc) if result.doc is not None else None,
            user_errors=user_errors(result.problems),
        )
