"""The reference crm: customers, loyalty accounts, the loyalty ledger and redemptions."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Annotated, Any

from comptoir.sources.reference.db import Database
from comptoir.sources.reference.idempotency import idempotent_route
from comptoir.sources.reference.lists import newest_first
from comptoir.sources.reference.pim import batch
from comptoir.sources.reference.scale import utc_now_iso
from comptoir.sources.reference.storage import dumps
from comptoir.sources.reference.web import (
    RequestRefused,
    SourceParts,
    Worker,
    items_response,
    parse_ids,
    validate,
)
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import Route

Text = Annotated[str, Field(strict=True, min_length=1, max_length=200)]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class NewCustomer(BaseModel):
    """The body of ``POST /customers``."""

    model_config = ConfigDict(str_strip_whitespace=True)

    email: Annotated[str, Field(strict=True, pattern=EMAIL_PATTERN, max_length=254)]
    first_name: Text
    last_name: Text
    phone: Annotated[str, Field(strict=True, max_length=32)] | None = None


class Redemption(BaseModel):
    """The body of ``POST /loyalty/redemptions``."""

    customer_id: Text
    points: Annotated[int, Field(strict=True)]
    order_id: Text | None = None
    channel: Text | None = None


def next_counter(conn: sqlite3.Connection, name: str) -> int:
    """Increment and return counter ``name`` (inside the caller's write transaction)."""
    conn.execute("UPDATE counters SET value = value + 1 WHERE name = ?", (name,))
    row = conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise RuntimeError(f"counter {name!r} is missing")
    return int(row[0])


def create_customer(conn: sqlite3.Connection, payload: Any) -> tuple[int, str]:
    """Insert a customer; 409 ``email_taken`` when the email is known (case-insensitively)."""
    body = validate(NewCustomer, payload)
    email_lower = body.email.lower()
    if conn.execute("SELECT 1 FROM customers WHERE email_lower = ?", (email_lower,)).fetchone():
        raise RequestRefused(409, "email_taken", "a customer with this email already exists")
    now = utc_now_iso()
    doc: dict[str, Any] = {
        "id": f"CU-{next_counter(conn, 'customer')}",
        "email": body.email,
        "first_name": body.first_name,
        "last_name": body.last_name,
        "phone": body.phone,
        "identities": [],
        "segments": [],
        "preferred_location_id": None,
        "created_at": now,
        "updated_at": now,
    }
    text = dumps(doc)
    conn.execute(
        "INSERT INTO customers (id, email_lower, doc) VALUES (?, ?, ?)",
        (doc["id"], email_lower, text),
    )
    return 201, text


def redeem(conn: sqlite3.Connection, payload: Any) -> tuple[int, str]:
    """Burn points from an account: 400 for points ≤ 0, 422 without account or balance."""
    body = validate(Redemption, payload)
    if body.points <= 0:
        raise RequestRefused(400, "invalid_points", "points must be a positive integer")
    row = conn.execute(
        "SELECT doc FROM loyalty_accounts WHERE customer_id = ?", (body.customer_id,)
    ).fetchone()
    if row is None:
        raise RequestRefused(
            422, "no_loyalty_account", f"{body.customer_id} has no loyalty account"
        )
    account = json.loads(row[0])
    if body.points > account["points"]:
        raise RequestRefused(
            422, "insufficient_points", f"{body.points} points asked, {account['points']} available"
        )
    now = utc_now_iso()
    seq = int(
        conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM loyalty_transactions").fetchone()[0]
    )
    tx = {
        "id": f"LT-{seq}",
        "customer_id": body.customer_id,
        "kind": "burn",
        "points": -body.points,
        "order_id": body.order_id,
        "channel": body.channel,
        "created_at": now,
    }
    text = dumps(tx)
    conn.execute(
        "INSERT INTO loyalty_transactions (seq, id, customer_id, created_at, doc)"
        " VALUES (?, ?, ?, ?, ?)",
        (seq, tx["id"], body.customer_id, now, text),
    )
    account["points"] -= body.points
    left, expiring = body.points, []
    for entry in sorted(
        account["expiring"], key=lambda e: e["expires_at"]
    ):  # the soonest points go first
        used = min(left, entry["points"])
        left -= used
        if entry["points"] > used:
            expiring.append({**entry, "points": entry["points"] - used})
    account["expiring"], account["updated_at"] = expiring, now
    conn.execute(
        "UPDATE loyalty_accounts SET doc = ? WHERE customer_id = ?",
        (dumps(account), body.customer_id),
    )
    return 201, text


def build(data_dir: Path, worker: Worker) -> SourceParts:
    """The crm's routes over ``<data_dir>/crm.sqlite``."""
    db = Database(data_dir / "crm.sqlite")

    def customers(params: QueryParams) -> Response:
        ids = parse_ids(params, "ids", required=False)
        if ids is not None:
            return batch(db, "customers", "id", ids, "customers")
        email = params.get("email")
        if email is None:
            raise RequestRefused(400, "missing_parameter", "give ids or email")
        with db.connection() as conn:
            rows = conn.execute(
                "SELECT doc FROM customers WHERE email_lower = ?", (email.strip().lower(),)
            )
            return items_response((row[0] for row in rows.fetchall()), "customers")

    def accounts(params: QueryParams) -> Response:
        ids = parse_ids(params, "customer_ids") or []
        return batch(db, "loyalty_accounts", "customer_id", ids, "loyalty_accounts")

    def transactions(params: QueryParams) -> Response:
        customer_id = params.get("customer_id")
        if not customer_id:
            raise RequestRefused(400, "missing_parameter", "the customer_id parameter is required")
        return newest_first(db, "loyalty_transactions", "created_at", "seq", int, params)

    routes = [
        Route("/customers", worker.get(customers), methods=["GET"]),
        idempotent_route(worker, db, "/customers", create_customer),
        Route("/loyalty/accounts", worker.get(accounts), methods=["GET"]),
        Route("/loyalty/transactions", worker.get(transactions), methods=["GET"]),
        idempotent_route(worker, db, "/loyalty/redemptions", redeem),
    ]
    return SourceParts(routes, [db])
