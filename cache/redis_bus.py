"""Invalidations between comptoir processes through Redis pub/sub.

One server, or the master Sentinel names: its ``PUBLISH`` and ``SUBSCRIBE``.
A Redis Cluster broadcasts ``PUBLISH`` to every node, so every process
subscribes on one master and publishes there
(:mod:`comptoir.cache.redis_cluster_bus` chooses it, and another when it is
lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from typing import Final, Protocol

import orjson
import redis.asyncio as aioredis
from comptoir.cache.bus import (
    ACK_TIMEOUT_S,
    Acknowledgements,
    Message,
    OnGap,
    OnKeys,
    decode_message,
    encode_message,
    new_sender_id,
)
from comptoir.cache.keys import PREFIX
from comptoir.cache.redis_cluster_bus import ClusterLink
from comptoir.cache.redis_urls import RedisTarget, ServerClient, parse_redis_url
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CHANNEL: Final = f"{PREFIX}:invalidations"
"""The pub/sub channel every process listens on."""

ACKS: Final = f"{PREFIX}:invalidations:acks"
"""Where a process says it dropped the keys of a message."""

RECONNECT_S: Final = 0.5
"""Wait between two attempts to subscribe again after the subscription was lost."""


class BusLink(Protocol):
    """Where the bus listens and publishes: a client that waits on a subscription, one that publishes."""

    async def clients(self) -> tuple[aioredis.Redis, aioredis.Redis]:
        """The listening client and the publishing one (``RedisError``/``OSError``: none reachable)."""
        ...

    def lost(self, client: aioredis.Redis | None) -> None:
        """``client`` (one of :meth:`clients`') failed: choose again next time (a cluster's)."""
        ...

    async def close(self) -> None:
        """Close the connections."""
        ...


class ServerLink:
    """One server's clients (or the master Sentinel names, followed on failover)."""

    def __init__(self, target: RedisTarget, *, timeout_s: float) -> None:
        # No retries of redis-py's: a lost server is reported at once, and the
        # listening loop subscribes again every RECONNECT_S.
        self._listener = ServerClient(
            target,
            socket_connect_timeout=timeout_s,
            socket_timeout=None,
            health_check_interval=10,
            retry=Retry(NoBackoff(), 0),
            protocol=2,
        )
        self._publisher = ServerClient(
            target,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),
            protocol=2,
        )

    async def clients(self) -> tuple[aioredis.Redis, aioredis.Redis]:
        """The two clients (they connect, and reconnect, by themselves)."""
        return self._listener.redis, self._publisher.redis

    def lost(self, client: aioredis.Redis | None) -> None:
        """Nothing to choose: the same server is tried again."""

    async def close(self) -> None:
        """Close both clients."""
        for client in (self._listener, self._publisher):
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()


def bus_link(target: RedisTarget, *, timeout_s: float) -> BusLink:
    """The link for ``target``: one server's, or a cluster's."""
    if target.mode == "cluster":
        return ClusterLink(target, near=CHANNEL, timeout_s=timeout_s)
    return ServerLink(target, timeout_s=timeout_s)


class RedisBus:
    """Publishes on :data:`CHANNEL`; a background task listens, resubscribing after any loss.

    Every process acknowledges each message on :data:`ACKS` once it dropped
    the keys; the publisher waits (at most ``ack_timeout_s``) for as many
    acknowledgements as Redis counted other subscribers. A subscription that
    was lost and comes back calls ``on_gap``: messages published meanwhile
    are gone, so the in-process tier starts over.
    """

    name = "redis"

    def __init__(
        self,
        url: str | RedisTarget,
        *,
        timeout_s: float = 0.5,
        ack_timeout_s: float = ACK_TIMEOUT_S,
    ) -> None:
        target = parse_redis_url(url) if isinstance(url, str) else url
        self._link = bus_link(target, timeout_s=timeout_s)
        self.sender = new_sender_id()
        self.acks = Acknowledgements()
        self._ack_timeout_s = ack_timeout_s
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self.connected = False

    async def start(self, on_keys: OnKeys, on_gap: OnGap) -> None:
        """Start the listening task (it keeps trying while Redis is away)."""
        self._task = asyncio.get_running_loop().create_task(self._listen(on_keys, on_gap))

    async def wait_subscribed(self, timeout_s: float) -> bool:
        """Whether the subscription is in place within ``timeout_s`` (start-up and tests)."""
        try:
            await asyncio.wait_for(self._subscribed.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def publish(self, keys: Sequence[str]) -> None:
        """Publish ``keys`` and wait for the other processes' acknowledgements (bounded).

        A Redis outage is logged, never raised.
        """
        if not keys:
            return
        message = Message(self.sender, uuid.uuid4().hex, list(keys))
        publisher: aioredis.Redis | None = None
        try:
            _, publisher = await self._link.clients()
            receivers = await publisher.publish(CHANNEL, encode_message(message))
        except (RedisError, OSError) as exc:
            self._link.lost(publisher)
            log.warning("invalidation of %d keys not published: %s", len(keys), exc)
            return
        # Redis counts this process's own subscriber too, which ignores its message.
        others = int(receivers) - (1 if self.connected else 0)
        event = self.acks.expect(message.message_id, others)
        await self.acks.wait(message.message_id, event, self._ack_timeout_s)

    async def close(self) -> None:
        """Stop listening and close both connections."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._link.close()

    def _heard(self, raw: bytes | str) -> None:
        try:
            ack = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return
        if isinstance(ack, dict) and ack.get("t") == self.sender and isinstance(ack.get("i"), str):
            self.acks.heard(ack["i"])

    async def _acknowledge(self, message: Message) -> None:
        try:
            _, publisher = await self._link.clients()
            await publisher.publish(
                ACKS, orjson.dumps({"t": message.sender, "i": message.message_id})
            )
        except (RedisError, OSError) as exc:
            log.debug("acknowledgement not published: %s", exc)

    async def _listen(self, on_keys: OnKeys, on_gap: OnGap) -> None:
        lost = False
        while True:
            pubsub: aioredis.client.PubSub | None = None
            listener: aioredis.Redis | None = None
            try:
                listener, _ = await self._link.clients()
                pubsub = listener.pubsub(ignore_subscribe_messages=True)
                await pubsub.subscribe(CHANNEL, ACKS)
                if lost:
                    log.info("invalidation channel subscribed again")
                    on_gap()
                self.connected = True
                self._subscribed.set()
                async for received in pubsub.listen():
                    if received.get("type") != "message":
                        continue
                    channel = received["channel"]
                    if channel in (ACKS, ACKS.encode()):
                        self._heard(received["data"])
                        continue
                    message = decode_message(received["data"])
                    if message is None or message.sender == self.sender:
                        continue
                    try:
                        on_keys(message.keys)
                    except Exception:  # a listener's bug must not end the subscription
                        log.exception("dropping invalidated keys from the in-process tier failed")
                    await self._acknowledge(message)
            except (RedisError, OSError) as exc:
                if not lost:
                    log.warning("invalidation channel lost (%s); resubscribing", exc)
                lost = True
                self._link.lost(listener)
                self.connected = False
                self._subscribed.clear()
                on_gap()
                await asyncio.sleep(RECONNECT_S)
            finally:
                if pubsub is not None:
                    with contextlib.suppress(RedisError, OSError, RuntimeError):
                        await pubsub.aclose()
