"""Writes as comptoir holds them, for the outbox suites."""

from __future__ import annotations

from comptoir.sources.outbox import Outbox, OutboxWrite


async def hold_order(
    outbox: Outbox,
    key: str,
    *,
    customer: str = "CU-1",
    depends_on: str | None = None,
    write_id: str | None = None,
) -> OutboxWrite:
    """An order of ``customer`` held for the OMS; its subject is the customer."""
    return await outbox.enqueue(
        write_id=write_id or f"PENDING-O-{key}",
        kind="order",
        source="oms",
        path="/orders",
        idempotency_key=key,
        body={"customer_id": customer, "lines": [{"sku": "V-1", "quantity": 1}]},
        subject=customer,
        depends_on=depends_on,
    )


async def hold_customer(outbox: Outbox, key: str, *, email: str | None = None) -> OutboxWrite:
    """A new account held for the CRM; its provisional id is the subject of its orders."""
    email = email or f"{key}@example.com"
    return await outbox.enqueue(
        write_id=f"PENDING-CU-{key}",
        kind="customer",
        source="crm",
        path="/customers",
        idempotency_key=key,
        body={"email": email, "first_name": "Léa", "last_name": "Martin"},
        subject=email,
    )
