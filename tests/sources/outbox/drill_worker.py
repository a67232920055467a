"""A comptoir-like process for the outbox drills, run as its own OS process.

    drill_worker.py enqueue DB WRITE_ID KEY CUSTOMER
        hold an order, say so, then wait to be killed
    drill_worker.py claim DB OWNER LEASE_S
        claim what is due, say so, then wait to be killed
    drill_worker.py deliver DB OWNER URL LEASE_S [--wait-go]
        deliver until the outbox is empty, then exit

``--wait-go``: say "ready", then start only on a "go" line on stdin, so that
two workers start together.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from pathlib import Path

import httpx
from comptoir.sources.outbox import (
    Delivered,
    DeliveryOutcome,
    OutboxDispatcher,
    OutboxStore,
    OutboxWrite,
    Rejected,
    Unavailable,
)

DRAIN_LIMIT_S = 20.0


def say(line: str) -> None:
    print(line, flush=True)


def enqueue(db: Path, write_id: str, key: str, customer: str) -> None:
    store = OutboxStore(db)
    write = store.enqueue(
        write_id=write_id,
        kind="order",
        source="oms",
        path="/orders",
        idempotency_key=key,
        body={"customer_id": customer, "lines": [{"sku": "V-1", "quantity": 1}]},
        subject=customer,
    )
    say(f"enqueued {write.id}")  # the client's answer: the row is committed
    time.sleep(60)


def claim(db: Path, owner: str, lease_s: float) -> None:
    store = OutboxStore(db)
    claimed = store.claim_due(owner, lease_s=lease_s)
    say("claimed " + ",".join(write.id for write in claimed))
    time.sleep(60)


async def deliver(db: Path, owner: str, url: str, lease_s: float, wait_go: bool) -> None:
    store = OutboxStore(db)
    async with httpx.AsyncClient(base_url=url, timeout=5.0) as client:

        async def post(write: OutboxWrite) -> DeliveryOutcome:
            headers = {"Idempotency-Key": write.idempotency_key, "X-Drill-Owner": owner}
            try:
                body = write.resolved_body()
                response = await client.post(write.path, json=body, headers=headers)
            except httpx.TransportError as exc:
                return Unavailable(repr(exc))
            if response.is_success:
                result = response.json()
                return Delivered(result, result.get("id"))
            if response.is_client_error:
                return Rejected(response.status_code, response.text, response.json())
            return Unavailable(f"HTTP {response.status_code}")

        dispatcher = OutboxDispatcher(
            store,
            post,
            owner=owner,
            lease_s=lease_s,
            base_backoff_s=0.05,
            max_backoff_s=0.5,
            batch_size=4,
            poll_s=0.05,
        )
        if wait_go:
            say("ready")
            await asyncio.to_thread(sys.stdin.readline)
        dispatcher.start()
        try:
            async with asyncio.timeout(DRAIN_LIMIT_S):
                await dispatcher.drain()
        finally:
            await dispatcher.stop()
            store.close()


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    mode, db = argv[0], Path(argv[1])
    if mode == "enqueue":
        enqueue(db, argv[2], argv[3], argv[4])
    elif mode == "claim":
        claim(db, argv[2], float(argv[3]))
    elif mode == "deliver":
        asyncio.run(deliver(db, argv[2], argv[3], float(argv[4]), "--wait-go" in argv))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
