"""The OMS's HTTP calls: orders, delivery promises, returns."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items
from comptoir.sources.oms.models import ORDERS, PROMISES, RETURNS, OrderDoc, PromiseDoc, ReturnDoc
from comptoir.sources.oms.promises import PromiseQuestion


async def fetch_orders(
    client: SourceClient, ids: Sequence[str]
) -> tuple[dict[str, OrderDoc], float | None]:
    """Orders by id."""
    items, max_age = await client.get_batch("/orders", "ids", ids, "orders")
    return {o["id"]: o for o in validate_items(ORDERS, items, client.name, "orders")}, max_age


async def fetch_customer_orders(
    client: SourceClient, params: Mapping[str, str]
) -> tuple[list[OrderDoc], str | None, float | None]:
    """One page of a customer's orders, newest first."""
    response = await client.get("/orders", params, "orders")
    page = validate_items(ORDERS, client.items_of(response.body, "orders"), client.name, "orders")
    cursor = response.body.get("next_cursor")
    return page, (cursor if isinstance(cursor, str) and cursor else None), response.max_age


async def create_order(
    client: SourceClient, body: Mapping[str, Any], idempotency_key: str
) -> OrderDoc:
    """``POST /orders``: the placed order."""
    response = await client.post("/orders", body, "orders", idempotency_key)
    return validate_items(ORDERS, [response.body], client.name, "orders")[0]


async def create_return(
    client: SourceClient, body: Mapping[str, Any], idempotency_key: str
) -> ReturnDoc:
    """``POST /returns``: the return, status ``requested``."""
    response = await client.post("/returns", body, "returns", idempotency_key)
    return validate_items(RETURNS, [response.body], client.name, "returns")[0]


async def fetch_promise(client: SourceClient, question: PromiseQuestion) -> PromiseDoc:
    """``POST /promises`` for one question (a pure computation: no idempotency key)."""
    response = await client.post("/promises", question.body(), "promises", None)
    return validate_items(PROMISES, [response.body], client.name, "promises")[0]


def lapses_in(promise: PromiseDoc, now: float) -> float | None:
    """Seconds until the earliest cut-off (``order_before``) of the answer, when one is ahead."""
    ahead = [
        datetime.fromisoformat(cut).timestamp() - now
        for option in promise["options"]
        if (cut := option.get("order_before"))
    ]
    ahead = [seconds for seconds in ahead if seconds > 0]
    return min(ahead) if ahead else None


async def fetch_promises(
    client: SourceClient, keys: Sequence[str], max_age_s: float
) -> tuple[dict[str, PromiseDoc], float]:
    """Each cached question's promise, asked concurrently; fresh for ``max_age_s`` at most.

    An answer whose cut-off falls sooner is fresh until that cut-off only,
    so that an express option is not shown from the cache past its
    ``order_before``.
    """
    answers = await asyncio.gather(
        *(fetch_promise(client, PromiseQuestion.from_key(key)) for key in keys)
    )
    now = time.time()
    age = max_age_s
    for answer in answers:
        cut = lapses_in(answer, now)
        if cut is not None:
            age = min(age, cut)
    return dict(zip(keys, answers, strict=True)), age
