"""A comptoir-like process for the outbox drills, run as its own OS process.

    drill_worker.py enqueue DATA_DIR OUTBOX_URL WRITE_ID KEY CUSTOMER
        hold an order, say so, then wait to be killed
    drill_worker.py claim DATA_DIR OUTBOX_URL OWNER LEASE_S
        claim what is due, say so, then wait to be killed
    drill_worker.py deliver DATA_DIR OUTBOX_URL OWNER URL LEASE_S [--wait-go]
        deliver until the outbox is empty, then exit

The outbox is the SQLite file under DATA_DIR when OUTBOX_URL is ``-``, else
the PostgreSQL at OUTBOX_URL.

``--wait-go``: say "ready", then start only on a "go" line on stdin, so that
two workers start together.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import httpx
from comptoir.sources.outbox import (
    Delivered,
    DeliveryOutcome,
    Outbox,
    OutboxDispatcher,
    OutboxWrite,
    Rejected,
    Unavailable,
    open_outbox,
)

DRAIN_LIMIT_S = 20.0


def say(line: str) -> None:
    print(line, flush=True)


async def wait_to_be_killed() -> None:
    await asyncio.sleep(60)


async def enqueue(outbox: Outbox, write_id: str, key: str, customer: str) -> None:
    write = await outbox.enqueue(
        write_id=write_id,
        kind="order",
        source="oms",
        path="/orders",
        idempotency_key=key,
        body={"customer_id": customer, "lines": [{"sku": "V-1", "quantity": 1}]},
        subject=customer,
    )
    say(f"enqueued {write.id}")  # the client's answer: the row is committed
    await wait_to_be_killed()


async def claim(outbox: Outbox, owner: str, lease_s: float) -> None:
    claimed = await outbox.claim_due(owner, lease_s=lease_s)
    say("claimed " + ",".join(write.id for write in claimed))
    await wait_to_be_killed()


async def deliver(outbox: Outbox, owner: str, url: str, lease_s: float, wait_go: bool) -> None:
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
            outbox,
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


async def run(argv: list[str]) -> None:
    mode, data_dir, url, args = argv[0], Path(argv[1]), argv[2], argv[3:]
    outbox = await open_outbox(None if url == "-" else url, data_dir)
    try:
        if mode == "enqueue":
            await enqueue(outbox, args[0], args[1], args[2])
        elif mode == "claim":
            await claim(outbox, args[0], float(args[1]))
        elif mode == "deliver":
            await deliver(outbox, args[0], args[1], float(args[2]), "--wait-go" in args)
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    finally:
        await outbox.close()


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(run(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
