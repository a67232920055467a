"""Where a Redis Cluster's invalidation messages go: one master that every process agrees on.

Redis Cluster broadcasts a ``PUBLISH`` to every node, so a message published
on any master reaches subscribers on all of them. But ``PUBLISH`` counts the
subscribers of the node it ran on only, and the bus waits for as many
acknowledgements as it counted: so every process subscribes and publishes on
the same master, the one serving the slot of the channel's name (as sharded
pub/sub would), and the count is everyone's. When that master is lost, each
process moves on to the next master in the order of their addresses —
messages still reach every process, wherever it listens — and the slot map
is asked for again, so that a replica promoted in its place is found. Once
the preferred master answers again, every process moves back to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Final

import redis.asyncio as aioredis
from comptoir.cache.deadline import within
from comptoir.cache.redis_urls import DISCOVERY_TIMEOUT_S, RedisTarget, slot_map_client
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.crc import key_slot
from redis.exceptions import RedisClusterException, RedisError

log = logging.getLogger(__name__)

MOVE_BACK_CHECK_S: Final = 2.0
"""While on another master, how often the preferred one is asked whether it answers again."""


class ClusterLink:
    """The listening and publishing clients of the master this process uses for the bus.

    ``near`` names the channel whose slot's master is preferred.
    """

    def __init__(self, target: RedisTarget, *, near: str, timeout_s: float) -> None:
        self._target = target
        self._near = near
        self._timeout_s = timeout_s
        self._topology = slot_map_client(target, connect_timeout_s=timeout_s)
        self._known = False
        self._stale = False
        self._chosen: tuple[str, aioredis.Redis, aioredis.Redis] | None = None
        self._failed: set[str] = set()
        self._closing: tuple[aioredis.Redis, aioredis.Redis] | None = None
        self._watching: asyncio.Task[None] | None = None

    async def clients(self) -> tuple[aioredis.Redis, aioredis.Redis]:
        """The chosen master's clients; the first master that answers when none is chosen."""
        if self._chosen is not None:
            return self._chosen[1], self._chosen[2]
        await self._learn()
        candidates = self._candidates()
        # Masters that failed last are tried last, so that a lost one is not
        # chosen again while another answers.
        candidates.sort(key=lambda node: node.name in self._failed)
        last: Exception | None = None
        for node in candidates:
            listener, publisher = self._clients_of(node)
            try:
                await within(self._timeout_s, publisher.ping())
            except (RedisError, OSError) as exc:
                last = exc
                self._failed.add(node.name)
                await _close(listener, publisher)
                continue
            self._failed.discard(node.name)
            self._chosen = (node.name, listener, publisher)
            preferred = self._preferred(candidates)
            if preferred is not None and preferred.name != node.name:
                log.info("cluster invalidation channel on %s for now", node.name)
                self._watch(preferred)
            return listener, publisher
        raise last if last is not None else RedisError("no Redis cluster master is known")

    def lost(self, client: aioredis.Redis | None) -> None:
        """``client`` failed: if it is the chosen master's, the next call chooses again.

        A client of a master chosen before (whose failure is heard late) changes nothing.
        """
        chosen = self._chosen
        if chosen is not None and client is not None and all(client is not c for c in chosen[1:]):
            return
        if chosen is not None:
            name, listener, publisher = chosen
            self._failed.add(name)
            self._chosen = None
            self._closing = (listener, publisher)
        self._stale = True

    async def close(self) -> None:
        """Close the chosen master's clients and the slot map's connections."""
        if self._watching is not None:
            self._watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watching
        if self._chosen is not None:
            await _close(self._chosen[1], self._chosen[2])
            self._chosen = None
        with contextlib.suppress(RedisError, OSError):
            await self._topology.aclose()

    async def _learn(self) -> None:
        closing = self._closing
        if closing is not None:
            self._closing = None
            await _close(*closing)
        bound_s = DISCOVERY_TIMEOUT_S
        try:
            if not self._known:
                await within(bound_s, self._topology.initialize())
                self._known = True
            elif self._stale:
                with contextlib.suppress(RedisError, RedisClusterException, OSError):
                    await within(bound_s, self._topology.nodes_manager.initialize())
        except RedisClusterException as exc:
            # Not a RedisError: said as one, so that the bus treats it as an outage.
            raise RedisError(f"no Redis cluster node answered: {exc}") from exc
        self._stale = False

    def _preferred(self, candidates: list[ClusterNode]) -> ClusterNode | None:
        owners = self._topology.nodes_manager.slots_cache.get(key_slot(self._near.encode()))
        name = owners[0].name if owners else None
        return next((n for n in candidates if n.name == name), None)

    def _candidates(self) -> list[ClusterNode]:
        masters = {
            nodes[0].name: nodes[0]
            for nodes in self._topology.nodes_manager.slots_cache.values()
            if nodes
        }
        owners = self._topology.nodes_manager.slots_cache.get(key_slot(self._near.encode()))
        preferred = owners[0].name if owners else None
        return sorted(masters.values(), key=lambda n: (n.name != preferred, n.name))

    def _watch(self, preferred: ClusterNode) -> None:
        """While on another master, wait for the preferred one to answer again, then move back.

        Every process comes back to it this way, so that they agree on one
        master again (and ``PUBLISH`` counts everyone's subscription).
        """
        if self._watching is None or self._watching.done():
            self._watching = asyncio.get_running_loop().create_task(self._move_back(preferred))

    async def _move_back(self, preferred: ClusterNode) -> None:
        listener, publisher = self._clients_of(preferred)
        try:
            while self._chosen is not None and self._chosen[0] != preferred.name:
                await asyncio.sleep(MOVE_BACK_CHECK_S)
                try:
                    await within(self._timeout_s, publisher.ping())
                except (RedisError, OSError):
                    continue
                chosen = self._chosen
                if chosen is None:
                    return
                log.info("cluster invalidation channel back on %s", preferred.name)
                self._failed.discard(preferred.name)
                self._stale = True
                self._chosen = None
                # The subscription on the other master ends; the bus
                # subscribes again, on the preferred master.
                await _close(chosen[1], chosen[2])
                return
        finally:
            await _close(listener, publisher)

    def _clients_of(self, node: ClusterNode) -> tuple[aioredis.Redis, aioredis.Redis]:
        common: dict[str, Any] = {
            "host": node.host,
            "port": int(node.port),
            "socket_connect_timeout": self._timeout_s,
            # No retries of redis-py's: a lost master is reported at once and
            # the bus chooses another.
            "retry": Retry(NoBackoff(), 0),
            "protocol": 2,
            **self._target.credentials(),
        }
        listener = aioredis.Redis(socket_timeout=None, health_check_interval=10, **common)
        publisher = aioredis.Redis(socket_timeout=self._timeout_s, **common)
        return listener, publisher


async def _close(*clients: aioredis.Redis) -> None:
    for client in clients:
        with contextlib.suppress(RedisError, OSError):
            await client.aclose()
