"""Loyalty accounts and their transactions, from the CRM's loyalty module."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from comptoir.graph.context import GraphInfo, scope_of
from comptoir.graph.errors import public_errors
from comptoir.graph.fields import field
from comptoir.graph.types.connection import Connection, connection
from comptoir.resolvers import loyalty
from comptoir.sources.crm.models import LoyaltyAccountDoc, LoyaltyTransactionDoc


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

    @classmethod
    def of(cls, doc: LoyaltyTransactionDoc) -> LoyaltyTransaction:
        """The GraphQL transaction of a CRM transaction."""
        order_id = doc.get("order_id")
        return cls(
            id=strawberry.ID(doc["id"]),
            kind=LoyaltyTransactionKind(doc["kind"]),
            points=doc["points"],
            order_id=strawberry.ID(order_id) if order_id else None,
            channel=doc.get("channel"),
            created_at=datetime.fromisoformat(doc["created_at"]),
        )


@strawberry.type(description="A page of loyalty transactions, newest first (Relay connection).")
class LoyaltyTransactionConnection(Connection[LoyaltyTransaction]):
    """Transactions of one account."""


@strawberry.type(description="A shopper's loyalty account.")
class LoyaltyAccount:
    """Balance, tier and history of points."""

    doc: strawberry.Private[LoyaltyAccountDoc]

    @field(description="Points available to burn.")
    def points(self) -> int:
        return self.doc["points"]

    @field(description="Tier, e.g. silver, gold.")
    def tier(self) -> str:
        return self.doc["tier"]

    @field(description="Points earned since the account opened.")
    def lifetime_points(self) -> int:
        return self.doc["lifetime_points"]

    @field(description="Points due to expire, soonest first.")
    def expiring(self) -> list[ExpiringPoints]:
        found = [
            ExpiringPoints(points=e["points"], expires_at=datetime.fromisoformat(e["expires_at"]))
            for e in self.doc.get("expiring") or []
        ]
        return sorted(found, key=lambda e: e.expires_at)

    @field(description="Transactions, newest first.")
    async def transactions(
        self, info: GraphInfo, first: int | None = 10, after: str | None = strawberry.UNSET
    ) -> LoyaltyTransactionConnection:
        size = 10 if first is None else first
        with public_errors():
            page = await loyalty.transactions(
                scope_of(info), self.doc["customer_id"], size, after or None
            )
        return connection(LoyaltyTransactionConnection, page, LoyaltyTransaction.of)
