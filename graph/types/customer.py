"""Customers: the CRM's single customer reference, with loyalty and orders from every channel."""

from __future__ import annotations

from typing import Any

import strawberry
from comptoir.graph.context import scope_of
from comptoir.graph.errors import bad_input, forbidden, source_error
from comptoir.graph.types.common import PageInfo
from comptoir.graph.types.loyalty import LoyaltyAccount
from comptoir.graph.types.order import Order
from comptoir.resolvers.access import may_read_customer
from comptoir.resolvers.accounts import provisional_customer
from comptoir.resolvers.orders import OrderView, customer_orders
from comptoir.resolvers.paging import InvalidPageRequest
from comptoir.resolvers.placing import pending_order
from comptoir.sources.crm.loaders import CustomerByIdLoader, LoyaltyAccountByCustomerIdLoader
from comptoir.sources.crm.models import CustomerDoc
from comptoir.sources.errors import SourceError
from comptoir.sources.outbox import WriteStatus
from comptoir.sources.writes import CUSTOMER, ORDER, is_provisional
from strawberry.types import Info


@strawberry.type(description="A customer's id in one channel's system.")
class ChannelIdentity:
    """e.g. a web account id or a store loyalty card number."""

    system: str = strawberry.field(description="The system, e.g. web, app, store, marketplace.")
    external_id: str = strawberry.field(description="The customer's id there.")


@strawberry.type(description="An order in a list, with its cursor.")
class OrderEdge:
    """One edge of an order connection."""

    cursor: str = strawberry.field(description="Pass as `after` to continue after this order.")
    node: Order = strawberry.field(description="The order.")


@strawberry.type(description="A page of orders, newest first (Relay connection).")
class OrderConnection:
    """A customer's orders from every channel."""

    edges: list[OrderEdge] = strawberry.field(description="This page's orders.")
    page_info: PageInfo = strawberry.field(
        description="Whether more follow, and the cursor to get them."
    )

    @strawberry.field(description="This page's orders, without cursors.")
    def nodes(self) -> list[Order]:
        return [edge.node for edge in self.edges]


@strawberry.federation.type(
    keys=["id"], description="A customer: the CRM's single reference across channels."
)
class Customer:
    """A CRM customer the caller may read (themself, or anyone from a staff channel)."""

    doc: strawberry.Private[CustomerDoc]

    @strawberry.field(description="The CRM's customer id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["id"])

    @strawberry.field(description="Email address.")
    def email(self) -> str:
        return self.doc["email"]

    @strawberry.field(description="First name.")
    def first_name(self) -> str | None:
        return self.doc.get("first_name")

    @strawberry.field(description="Last name.")
    def last_name(self) -> str | None:
        return self.doc.get("last_name")

    @strawberry.field(description="Phone number (E.164).")
    def phone(self) -> str | None:
        return self.doc.get("phone")

    @strawberry.field(description="The customer's ids in each channel's system.")
    def identities(self) -> list[ChannelIdentity]:
        return [
            ChannelIdentity(system=i["system"], external_id=i["external_id"])
            for i in self.doc.get("identities") or []
        ]

    @strawberry.field(
        description="The loyalty account; null when there is none or the CRM is unavailable."
    )
    async def loyalty(self, info: Info[Any, Any]) -> LoyaltyAccount | None:
        try:
            account = (
                await scope_of(info)
                .loaders.get(LoyaltyAccountByCustomerIdLoader)
                .load(self.doc["id"])
            )
        except SourceError as exc:
            raise source_error(exc) from exc
        return LoyaltyAccount(doc=account) if account else None

    @strawberry.field(
        description="Orders from every channel, newest first; null when the OMS is unavailable."
    )
    async def orders(
        self, info: Info[Any, Any], first: int | None = 10, after: str | None = strawberry.UNSET
    ) -> OrderConnection | None:
        held = await held_orders(info, self.doc["id"]) if not after else []
        try:
            page = await customer_orders(
                scope_of(info), self.doc["id"], 10 if first is None else first, after or None, held
            )
        except InvalidPageRequest as exc:
            raise bad_input(str(exc)) from exc
        except SourceError as exc:
            raise source_error(exc) from exc
        return OrderConnection(
            edges=[
                OrderEdge(cursor=c, node=Order(doc=o.doc, pending=o.pending)) for o, c in page.edges
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @classmethod
    async def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Customer | None:
        """`_entities`: the same rule as `customer(id)` (staff, or the shopper themself)."""
        if not may_read_customer(scope_of(info), str(id)):
            raise forbidden("only staff channels may read other customers")
        return await load_customer(info, str(id))


async def held_orders(info: Info[Any, Any], customer_id: str) -> list[OrderView]:
    """The customer's orders held for the OMS, newest first (reported ``fallback``)."""
    desk = info.context.app.writes
    writes = await desk.pending(ORDER, await desk.aliases(customer_id))
    if writes:
        scope_of(info).loaders.report.add(ORDER.source, "fallback")
    return [OrderView(pending_order(w, customer_id), pending=True) for w in reversed(writes)]


async def load_customer(info: Info[Any, Any], customer_id: str) -> Customer | None:
    """A customer the caller may read, or ``None``; a held account while the CRM has not made it."""
    scope = scope_of(info)
    customer_id = info.context.app.writes.resolve(customer_id)
    if not may_read_customer(scope, customer_id):
        return None
    if is_provisional(CUSTOMER, customer_id):
        write = await info.context.app.writes.get(customer_id)
        if write is None or write.status is not WriteStatus.PENDING:
            return None
        scope.loaders.report.add(CUSTOMER.source, "fallback")
        return Customer(doc=provisional_customer(write))
    try:
        doc = await scope.loaders.get(CustomerByIdLoader).load(customer_id)
    except SourceError as exc:
        raise source_error(exc) from exc
    return Customer(doc=doc) if doc else None


async def load_order(info: Info[Any, Any], order_id: str) -> Order | None:
    """An order for its owner or a staff channel; ``None`` for anyone else (not revealed)."""
    from comptoir.resolvers.orders import find_order

    scope = scope_of(info)
    desk = info.context.app.writes
    if is_provisional(ORDER, order_id):
        write = await desk.get(order_id)
        if write is None or write.kind != ORDER.name or write.status is WriteStatus.FAILED:
            return None
        if write.status is WriteStatus.PENDING:
            owner = desk.resolve(write.subject or "")
            if not may_read_customer(scope, owner):
                return None
            scope.loaders.report.add(ORDER.source, "fallback")
            return Order(doc=pending_order(write, owner), pending=True)
        order_id = write.remote_id or order_id
    try:
        found = await find_order(scope, order_id)
    except SourceError as exc:
        raise source_error(exc) from exc
    if found is None or not may_read_customer(scope, found.doc["customer_id"]):
        return None
    return Order(doc=found.doc, pending=found.pending)
