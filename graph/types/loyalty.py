"""Loyalty accounts and their transactions, from the CRM's loyalty module."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import strawberry
from comptoir.graph.context import scope_of
from comptoir.graph.errors import bad_input, source_error
from comptoir.graph.types.common import PageInfo
from comptoir.resolvers.paging import InvalidPageRequest, paginate
from comptoir.sources.crm.loaders import LoyaltyTransactionPageLoader
from comptoir.sources.crm.models import LoyaltyAccountDoc, LoyaltyTransactionDoc
from comptoir.sources.errors import SourceError
from comptoir.sources.pages import page_id
from strawberry.types import Info


@strawberry.enum(description="What a loyalty transaction did to the balance.")
class LoyaltyTransactionKind(enum.Enum):
    """Points earned, burned, expired or adjusted."""

    EARN = "earn"
    BURN = "burn"
    EXPIRE = "expire"
    ADJUST = "adjust"


@strawberry.type(description="Points that will expire at a date.")
class ExpiringPoints:
    """A batch of points and when they expire."""

    points: int = strawberry.field(description="How many points expire.")
    expires_at: datetime = strawberry.field(description="When they expire.")


@strawberry.type(description="A movement of loyalty points.")
class LoyaltyTransaction:
    """One CRM loyalty transaction."""

    id: strawberry.ID = strawberry.field(description="The CRM's transaction id.")
    kind: LoyaltyTransactionKind = strawberry.field(description="Earn, burn, expire or adjust.")
    points: int = strawberry.field(
        description="Signed: positive when earned, negative when burned."
    )
    order_id: strawberry.ID | None = strawberry.field(
        description="The order that earned or burned them."
    )
    channel: str | None = strawberry.field(description="The channel where it happened.")
    created_at: datetime = strawberry.field(description="When it happened.")


def transaction_of(doc: LoyaltyTransactionDoc) -> LoyaltyTransaction:
    """The GraphQL transaction of a CRM transaction."""
    order_id = doc.get("order_id")
    return LoyaltyTransaction(
        id=strawberry.ID(doc["id"]),
        kind=LoyaltyTransactionKind(doc["kind"]),
        points=doc["points"],
        order_id=strawberry.ID(order_id) if order_id else None,
        channel=doc.get("channel"),
        created_at=datetime.fromisoformat(doc["created_at"]),
    )


@strawberry.type(description="A loyalty transaction in a list, with its cursor.")
class LoyaltyTransactionEdge:
    """One edge of a transaction connection."""

    cursor: str = strawberry.field(
        description="Pass as `after` to continue after this transaction."
    )
    node: LoyaltyTransaction = strawberry.field(description="The transaction.")


@strawberry.type(description="A page of loyalty transactions, newest first (Relay connection).")
class LoyaltyTransactionConnection:
    """Transactions of one account."""

    edges: list[LoyaltyTransactionEdge] = strawberry.field(description="This page's transactions.")
    page_info: PageInfo = strawberry.field(
        description="Whether more follow, and the cursor to get them."
    )


@strawberry.type(description="A shopper's loyalty account.")
class LoyaltyAccount:
    """Balance, tier and history of points."""

    doc: strawberry.Private[LoyaltyAccountDoc]

    @strawberry.field(description="Points available to burn.")
    def points(self) -> int:
        return self.doc["points"]

    @strawberry.field(description="Tier, e.g. silver, gold.")
    def tier(self) -> str:
        return self.doc["tier"]

    @strawberry.field(description="Points earned since the account opened.")
    def lifetime_points(self) -> int:
        return self.doc["lifetime_points"]

    @strawberry.field(description="Points due to expire, soonest first.")
    def expiring(self) -> list[ExpiringPoints]:
        found = [
            ExpiringPoints(points=e["points"], expires_at=datetime.fromisoformat(e["expires_at"]))
            for e in self.doc.get("expiring") or []
        ]
        return sorted(found, key=lambda e: e.expires_at)

    @strawberry.field(description="Transactions, newest first.")
    async def transactions(
        self, info: Info[Any, Any], first: int | None = 10, after: str | None = strawberry.UNSET
    ) -> LoyaltyTransactionConnection:
        scope = scope_of(info)
        owner = self.doc["customer_id"]

        async def fetch(cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
            page = await scope.loaders.get(LoyaltyTransactionPageLoader).load(
                page_id(owner, {"limit": str(limit), "cursor": cursor or ""})
            )
            return page["items"], page["next_cursor"]

        try:
            page = await paginate(
                fetch, 10 if first is None else first, after or None, scope.max_page_size
            )
        except InvalidPageRequest as exc:
            raise bad_input(str(exc)) from exc
        except SourceError as exc:
            raise source_error(exc) from exc
        return LoyaltyTransactionConnection(
            edges=[LoyaltyTransactionEdge(cursor=c, node=transaction_of(t)) for t, c in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )
