"""The CRM's JSON: customers, loyalty accounts and transactions."""

from __future__ import annotations

from typing import Literal, NotRequired

from pydantic import TypeAdapter
from typing_extensions import TypedDict


class Identity(TypedDict):
    """A customer's id in one channel's system."""

    system: str
    external_id: str


class CustomerDoc(TypedDict):
    """The single customer reference."""

    id: str
    email: str
    first_name: NotRequired[str | None]
    last_name: NotRequired[str | None]
    phone: NotRequired[str | None]
    identities: NotRequired[list[Identity]]
    segments: NotRequired[list[str]]
    preferred_location_id: NotRequired[str | None]
    created_at: NotRequired[str]
    updated_at: NotRequired[str]


class ExpiringPointsDoc(TypedDict):
    """Points that expire at a date."""

    points: int
    expires_at: str


class LoyaltyAccountDoc(TypedDict):
    """A customer's loyalty balance."""

    customer_id: str
    points: int
    tier: str
    lifetime_points: int
    expiring: NotRequired[list[ExpiringPointsDoc]]
    updated_at: NotRequired[str]


class LoyaltyTransactionDoc(TypedDict):
    """Points earned, burned, expired or adjusted."""

    id: str
    customer_id: str
    kind: Literal["earn", "burn", "expire", "adjust"]
    points: int
    order_id: NotRequired[str | None]
    channel: NotRequired[str | None]
    created_at: str


class TransactionPage(TypedDict):
    """A cached page of a customer's transactions, newest first."""

    items: list[LoyaltyTransactionDoc]
    next_cursor: str | None


CUSTOMERS = TypeAdapter(list[CustomerDoc])
ACCOUNTS = TypeAdapter(list[LoyaltyAccountDoc])
TRANSACTIONS = TypeAdapter(list[LoyaltyTransactionDoc])
