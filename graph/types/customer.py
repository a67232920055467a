"""Customers: the CRM's single customer reference, with loyalty and orders from every channel."""

from __future__ import annotations

import strawberry
from comptoir.graph.context import GraphInfo
from comptoir.graph.errors import public_errors
from comptoir.graph.fields import field
from comptoir.graph.types.connection import connection
from comptoir.graph.types.loyalty import LoyaltyAccount
from comptoir.graph.types.order import Order, OrderConnection
from comptoir.resolvers import customers, loyalty, orders
from comptoir.sources.crm.models import CustomerDoc


@strawberry.type(description="A customer's id in one channel's system.")
class ChannelIdentity:
    """e.g. a web account id or a store loyalty card number."""

    system: str = strawberry.field(description="The system, e.g. web, app, store, marketplace.")
    external_id: str = strawberry.field(description="The customer's id there.")


@strawberry.federation.type(
    keys=["id"], description="A customer: the CRM's single reference across channels."
)
class Customer:
    """A CRM customer the caller may read (themself, or anyone from a staff channel)."""

    doc: strawberry.Private[CustomerDoc]

    @field(description="The CRM's customer id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["id"])

    @field(description="Email address.")
    def email(self) -> str:
        return self.doc["email"]

    @field(description="First name.")
    def first_name(self) -> str | None:
        return self.doc.get("first_name")

    @field(description="Last name.")
    def last_name(self) -> str | None:
        return self.doc.get("last_name")

    @field(description="Phone number (E.164).")
    def phone(self) -> str | None:
        return self.doc.get("phone")

    @field(description="The customer's ids in each channel's system.")
    def identities(self) -> list[ChannelIdentity]:
        return [
            ChannelIdentity(system=i["system"], external_id=i["external_id"])
            for i in self.doc.get("identities") or []
        ]

    @field(
        description="The loyalty account; null when there is none or the CRM is unavailable."
        " Only the customer themself (signed in) and staff channels read it: FORBIDDEN otherwise."
    )
    async def loyalty(self, info: GraphInfo) -> LoyaltyAccount | None:
        scope = info.context.scope
        with public_errors():
            customers.check_may_read(scope, self.doc["id"])
            account = await loyalty.account(scope, self.doc["id"])
        return LoyaltyAccount(doc=account) if account else None

    @field(
        description="Orders from every channel, newest first; null when the OMS is unavailable."
        " Only the customer themself (signed in) and staff channels read them: FORBIDDEN otherwise."
    )
    async def orders(
        self, info: GraphInfo, first: int | None = 10, after: str | None = strawberry.UNSET
    ) -> OrderConnection | None:
        context = info.context
        size = 10 if first is None else first
        with public_errors():
            customers.check_may_read(context.scope, self.doc["id"])
            page = await orders.customer_orders(
                context.scope, context.held, self.doc["id"], size, after or None
            )
        return connection(OrderConnection, page, Order.of)

    @classmethod
    async def resolve_reference(cls, info: GraphInfo, id: strawberry.ID) -> Customer | None:
        """`_entities`: the same rule as `customer(id)` (staff, or the shopper themself)."""
        context = info.context
        with public_errors():
            return cls.of(await customers.customer_entity(context.scope, context.held, str(id)))

    @classmethod
    def of(cls, doc: CustomerDoc | None) -> Customer | None:
        """The GraphQL customer of a CRM (or held) customer."""
        return cls(doc=doc) if doc else None
