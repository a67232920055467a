"""Generate the crm's loyalty ledger from the orders: accounts and signed transactions."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from comptoir.sources.reference import cases
from comptoir.sources.reference.gen_crm import CustomerPlan
from comptoir.sources.reference.gen_orders import OrderRow
from comptoir.sources.reference.scale import ANCHOR, iso

_EXPIRY_DATES = ("2024-12-31T23:59:59+00:00", "2025-12-31T23:59:59+00:00")
_UPCOMING_EXPIRY = ("2026-12-31T23:59:59+00:00", "2027-06-30T23:59:59+00:00")


@dataclass
class Ledger:
    """Loyalty accounts (one per enrolled customer) and their transactions, oldest first."""

    accounts: list[dict[str, Any]]
    transactions: list[dict[str, Any]]


def tier_for(lifetime_points: int) -> str:
    """The tier a lifetime total earns."""
    if lifetime_points >= 8000:
        return "platinum"
    if lifetime_points >= 3000:
        return "gold"
    return "silver" if lifetime_points >= 1000 else "bronze"


def _events(
    rng: random.Random, customer: CustomerPlan, orders: list[OrderRow]
) -> list[tuple[str, int, dict[str, Any]]]:
    """The customer's loyalty events as (time, order of arrival, event), sorted by time."""
    events: list[tuple[str, int, dict[str, Any]]] = []
    for order in orders:
        if order.status == "cancelled":
            continue
        events.append((order.placed_at, len(events), {"kind": "order", "order": order}))
        for returned_at in order.returned_at:
            events.append((returned_at, len(events), {"kind": "return", "order": order}))
    for stamp in _EXPIRY_DATES:
        if stamp > customer.created_at and rng.random() < 0.25:
            events.append((stamp, len(events), {"kind": "expire"}))
    if rng.random() < 0.03:
        stamp = iso(ANCHOR - timedelta(days=rng.uniform(1, 400)))
        events.append((stamp, len(events), {"kind": "goodwill", "points": rng.randint(5, 20) * 10}))
    if customer.id == cases.CUSTOMER_RICH_POINTS:
        events.append(
            (iso(ANCHOR - timedelta(days=100)), len(events), {"kind": "goodwill", "points": 6000})
        )
    if customer.id == cases.CUSTOMER_ZERO_POINTS:
        events.append((iso(ANCHOR - timedelta(days=1)), len(events), {"kind": "burn_all"}))
    events.sort(key=lambda item: (item[0], item[1]))
    return events


def _ledger_of(
    rng: random.Random,
    customer: CustomerPlan,
    orders: list[OrderRow],
    out: list[dict[str, Any]],
) -> dict[str, Any]:
    balance = lifetime = 0
    earned: dict[str, int] = {}
    last = customer.created_at

    def add(
        kind: str, points: int, stamp: str, order_id: object = None, channel: object = None
    ) -> None:
        nonlocal balance, last
        balance += points
        last = stamp
        out.append(
            {
                "id": "",
                "customer_id": customer.id,
                "kind": kind,
                "points": points,
                "order_id": order_id,
                "channel": channel,
                "created_at": stamp,
            }
        )

    for stamp, _, event in _events(rng, customer, orders):
        kind = event["kind"]
        if kind == "order":
            order: OrderRow = event["order"]
            if balance >= 500 and rng.random() < 0.12:
                burnt = -min(balance, rng.randint(4, 20) * 50)
                add("burn", burnt, stamp, order.id, order.channel)
            points = int(Decimal(order.grand_total))
            earned[order.id] = points
            lifetime += points
            add("earn", points, stamp, order.id, order.channel)
        elif kind == "return":
            order = event["order"]
            points = min(balance, earned.get(order.id, 0))
            if points:
                add("adjust", -points, stamp, order.id, order.channel)
        elif kind == "expire" and balance > 0:
            add("expire", -min(balance, rng.randint(5, 30) * 10), stamp)
        elif kind == "goodwill":
            points = int(event["points"])
            lifetime += points
            add("adjust", points, stamp, None, "store")
        elif kind == "burn_all" and balance > 0:
            add("burn", -balance, stamp, None, "store")
    expiring: list[dict[str, Any]] = []
    left = balance
    for expires_at in _UPCOMING_EXPIRY:
        if left > 0 and rng.random() < 0.4:
            points = min(left, rng.randint(5, 40) * 10)
            expiring.append({"points": points, "expires_at": expires_at})
            left -= points
    return {
        "customer_id": customer.id,
        "points": balance,
        "tier": tier_for(lifetime),
        "lifetime_points": lifetime,
        "expiring": expiring,
        "updated_at": last,
    }


def generate_loyalty(seed: int, customers: list[CustomerPlan], orders: list[OrderRow]) -> Ledger:
    """Accounts for enrolled customers, earning on orders, burning, expiring and adjusting."""
    rng = random.Random(f"{seed}:loyalty")
    by_customer: dict[str, list[OrderRow]] = defaultdict(list)
    for order in orders:
        by_customer[order.customer_id].append(order)
    accounts: list[dict[str, Any]] = []
    transactions: list[dict[str, Any]] = []
    for customer in customers:
        if customer.has_account:
            accounts.append(
                _ledger_of(rng, customer, by_customer.get(customer.id, []), transactions)
            )
    transactions.sort(key=lambda tx: str(tx["created_at"]))  # stable: a customer's order is kept
    for number, tx in enumerate(transactions, start=1):
        tx["id"] = f"LT-{number}"
    return Ledger(accounts, transactions)
