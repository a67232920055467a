"""What a request may spend: the most one request may cost, and the cost per window of a channel.

Before anything runs, a request's cost (:mod:`comptoir.graph.cost`) is
checked against its channel's ``max_cost`` (over it: HTTP ``400``,
``COST_LIMIT_EXCEEDED``), then taken from the channel's bucket and, for a
signed-in shopper, from the shopper's own bucket on that channel (either
one empty: HTTP ``429`` with ``Retry-After``, ``RATE_LIMITED``). Buckets are
counted in Redis when comptoir has one, shared by every instance, else in
the process (:mod:`comptoir.cache.counters`). The buckets meter the work
done for a channel: a stored answer served fresh takes 1 from them, an
executed one its cost.

A request whose ``extensions`` hold ``"cost": true`` gets
``extensions.cost`` in its answer: the cost, what was taken from the
buckets, the channel's ``max_cost``, and what is left in the buckets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson
from comptoir.cache.counters import Bucket, Spent, WindowCounters
from comptoir.cache.keys import PREFIX
from starlette.types import Message, Send

from comptoir.channels import ChannelConfig
from comptoir.metrics import LIMIT_REFUSALS

COST_LIMIT_EXCEEDED: Final = "COST_LIMIT_EXCEEDED"
RATE_LIMITED: Final = "RATE_LIMITED"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request refused for what it would cost: its status, body and headers."""

    status: int
    code: str
    message: str
    extensions: dict[str, Any]
    headers: tuple[tuple[bytes, bytes], ...] = ()

    def body(self) -> bytes:
        """The GraphQL-over-HTTP answer: one error, no ``data``."""
        error = {"message": self.message, "extensions": {"code": self.code, **self.extensions}}
        return orjson.dumps({"errors": [error]})


def channel_bucket(channel: ChannelConfig) -> str:
    """The key of a channel's bucket (Redis Cluster: one slot per channel, ``{code}``)."""
    return f"{PREFIX}:rate:{{{channel.code}}}:channel"


def shopper_bucket(channel: ChannelConfig, shopper: str) -> str:
    """The key of one shopper's bucket on a channel."""
    return f"{PREFIX}:rate:{{{channel.code}}}:shopper:{shopper}"


class CostBudget:
    """Checks a request's cost against its channel's limits and takes it from its buckets."""

    def __init__(self, counters: WindowCounters) -> None:
        self.counters = counters

    @staticmethod
    def over_limit(channel: ChannelConfig, cost: int) -> Refusal | None:
        """The refusal of a request costing more than ``max_cost``, else ``None``."""
        if cost <= channel.max_cost:
            return None
        LIMIT_REFUSALS.labels(channel.code, "cost").inc()
        return Refusal(
            400,
            COST_LIMIT_EXCEEDED,
            f"this request would cost {cost}, over the channel's limit of {channel.max_cost}:"
            " ask for fewer items (`first`, `ids`) or fewer nested lists",
            {"cost": cost, "limit": channel.max_cost},
        )

    async def take(
        self, channel: ChannelConfig, shopper: str | None, cost: int
    ) -> tuple[Refusal | None, Spent | None]:
        """Take ``cost`` from the channel's buckets: a refusal when one is empty, and what is left."""
        buckets = self._buckets(channel, shopper)
        if not buckets:
            return None, None
        spent = await self.counters.spend(buckets, cost, channel.rate_limit_window_s)
        if spent.allowed:
            return None, spent
        retry_after = max(1, math.ceil(spent.retry_after_s))
        LIMIT_REFUSALS.labels(channel.code, "rate").inc()
        return (
            Refusal(
                429,
                RATE_LIMITED,
                f"this channel's budget of cost per {channel.rate_limit_window_s} s is spent:"
                f" try again in {retry_after} s",
                {"retryAfterS": retry_after},
                ((b"retry-after", str(retry_after).encode()),),
            ),
            spent,
        )

    def take_at_once(self, channel: ChannelConfig, shopper: str | None, cost: int) -> bool:
        """Take ``cost`` if the buckets allow it without waiting (for Redis): whether it was taken.

        When it was not, nothing was: :meth:`take` then waits, or refuses.
        """
        buckets = self._buckets(channel, shopper)
        if not buckets:
            return True
        spent = self.counters.spend_at_once(buckets, cost, channel.rate_limit_window_s)
        return spent is not None and spent.allowed

    @staticmethod
    def _buckets(channel: ChannelConfig, shopper: str | None) -> list[Bucket]:
        buckets = []
        if channel.rate_limit:
            buckets.append(Bucket(channel_bucket(channel), channel.rate_limit))
        if shopper is not None and channel.shopper_rate_limit:
            buckets.append(Bucket(shopper_bucket(channel, shopper), channel.shopper_rate_limit))
        return buckets


def wants_cost(extensions: Mapping[str, Any]) -> bool:
    """Whether a request asked for ``extensions.cost`` (``"extensions": {"cost": true}``)."""
    return extensions.get("cost") is True


def cost_report(
    channel: ChannelConfig, cost: int, charged: int, spent: Spent | None
) -> dict[str, Any]:
    """What ``extensions.cost`` says."""
    report: dict[str, Any] = {"requested": cost, "charged": charged, "limit": channel.max_cost}
    if spent is not None:
        report["remaining"] = spent.remaining
        report["windowS"] = channel.rate_limit_window_s
    return report


def reporting_cost(send: Send, report: dict[str, Any]) -> Send:
    """``send``, adding ``extensions.cost`` to the JSON answer it carries (and its length)."""
    start: Message | None = None

    async def wrapped(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if start is None:  # pragma: no cover - ASGI always starts first
            await send(message)
            return
        body = message.get("body", b"")
        if start["status"] != 304 and body:
            answer = orjson.loads(body)
            if isinstance(answer, dict):
                answer.setdefault("extensions", {})["cost"] = report
                body = orjson.dumps(answer)
        headers = [
            (name, value)
            for name, value in start["headers"]
            if name not in (b"content-length", b"etag")
        ]
        if start["status"] != 304:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({**message, "body": body})

    return wrapped
