"""``COMPTOIR_REDIS_URL``: one Redis server, a master found through Sentinel, or a Redis Cluster.

- ``redis://[user:password@]host:port[/db]`` (``rediss://`` for TLS): one server;
- ``redis+sentinel://[user:password@]host:port[,host:port…]/service_name[/db]``:
  the master that the Sentinels name ``service_name`` (port 26379 by
  default); the credentials are the master's, the Sentinels are asked
  without any;
- ``redis+cluster://[user:password@]host:port[,host:port…]``: a Redis Cluster,
  any of its nodes (the others are discovered), database 0 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis
from comptoir.cache.redis_store import RedisMode
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff

SENTINEL_SCHEME = "redis+sentinel"
CLUSTER_SCHEME = "redis+cluster"
_DEFAULT_PORTS = {SENTINEL_SCHEME: 26379, CLUSTER_SCHEME: 6379}

DISCOVERY_TIMEOUT_S: Final = 5.0
"""Bound of learning a cluster's slot map (at start, or in the background after an error).

Never on a request's path, so it can be generous: the first discovery also
reads the server's command table, a large answer, on a process that may be
busy starting up.
"""


class RedisUrlError(ValueError):
    """``COMPTOIR_REDIS_URL`` cannot be understood; the message says why and what is expected."""


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """Where the cache's Redis is: its mode, and what reaching it takes."""

    mode: RedisMode
    url: str
    """The URL as given (a single server's is handed to redis-py as it is)."""
    hosts: tuple[tuple[str, int], ...] = ()
    """The Sentinels, or the cluster's seed nodes."""
    service: str = ""
    """The Sentinel service name of the master."""
    db: int = 0
    username: str | None = None
    password: str | None = None

    @property
    def where(self) -> str:
        """The target without its credentials, for logs."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"

    def credentials(self) -> dict[str, Any]:
        """``username`` and ``password`` keywords for redis-py, when the URL has them."""
        given: dict[str, Any] = {}
        if self.username:
            given["username"] = self.username
        if self.password:
            given["password"] = self.password
        return given


def parse_redis_url(url: str) -> RedisTarget:
    """The :class:`RedisTarget` of ``url``; :class:`RedisUrlError` for what is not one."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("redis", "rediss", "unix"):
        return RedisTarget("single", url)
    if scheme not in (SENTINEL_SCHEME, CLUSTER_SCHEME):
        raise RedisUrlError(
            f"COMPTOIR_REDIS_URL: unknown scheme {parts.scheme!r}; expected redis://, rediss://,"
            " redis+sentinel://host:port[,host:port]/service_name[/db] or"
            " redis+cluster://host:port[,host:port]"
        )
    if parts.query or parts.fragment:
        raise RedisUrlError(f"COMPTOIR_REDIS_URL: {scheme}:// takes no query options")
    userinfo, _, hostlist = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    hosts = tuple(_host_port(h, _DEFAULT_PORTS[scheme]) for h in hostlist.split(",") if h)
    if not hosts:
        raise RedisUrlError(f"COMPTOIR_REDIS_URL: {scheme}:// needs at least one host:port")
    path = [p for p in parts.path.split("/") if p]
    common: dict[str, Any] = {
        "url": url,
        "hosts": hosts,
        "username": unquote(username) or None,
        "password": unquote(password) or None,
    }
    if scheme == CLUSTER_SCHEME:
        if path:
            raise RedisUrlError(
                "COMPTOIR_REDIS_URL: a Redis Cluster has database 0 only; "
                "redis+cluster:// takes no path"
            )
        return RedisTarget("cluster", **common)
    if not path or len(path) > 2:
        raise RedisUrlError(
            "COMPTOIR_REDIS_URL: redis+sentinel:// needs the master's service name: "
            "redis+sentinel://host:port[,host:port]/service_name[/db]"
        )
    db = 0
    if len(path) == 2:
        if not path[1].isdigit():
            raise RedisUrlError(f"COMPTOIR_REDIS_URL: database {path[1]!r} is not a number")
        db = int(path[1])
    return RedisTarget("sentinel", service=unquote(path[0]), db=db, **common)


def _host_port(text: str, default_port: int) -> tuple[str, int]:
    host, port = text, ""
    if text.startswith("["):  # [IPv6]:port
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    elif ":" in text:
        host, _, port = text.rpartition(":")
    if not host:
        raise RedisUrlError(f"COMPTOIR_REDIS_URL: {text!r} names no host")
    if port and not port.isdigit():
        raise RedisUrlError(f"COMPTOIR_REDIS_URL: port of {text!r} is not a number")
    return host, int(port) if port else default_port


class ServerClient:
    """A client of one server: given by URL, or the master Sentinel names (followed on failover)."""

    def __init__(self, target: RedisTarget, **options: Any) -> None:
        self.target = target
        self._sentinel: Sentinel | None = None
        if target.mode == "sentinel":
            self._sentinel = Sentinel(
                target.hosts,
                # Sentinels answer or not within the connect timeout; no retry
                # (redis-py moves on to the next Sentinel).
                sentinel_kwargs={
                    "socket_timeout": options.get("socket_connect_timeout"),
                    "socket_connect_timeout": options.get("socket_connect_timeout"),
                },
            )
            self.redis: aioredis.Redis = self._sentinel.master_for(
                target.service, db=target.db, **target.credentials(), **options
            )
        elif target.mode == "single":
            self.redis = aioredis.Redis.from_url(target.url, **options)
        else:
            raise RedisUrlError("a Redis Cluster has no single client")

    async def aclose(self) -> None:
        """Close the server's connections and the Sentinels'."""
        await self.redis.aclose()
        if self._sentinel is not None:
            await self._sentinel.aclose()


def slot_map_client(target: RedisTarget, *, connect_timeout_s: float) -> RedisCluster:
    """redis-py's cluster client, used for its slot map only (``initialize``, ``nodes_manager``)."""
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in target.hosts],
        # A master lost without a replica leaves its slots unserved: the
        # other masters' slots are still mapped.
        require_full_coverage=False,
        socket_connect_timeout=connect_timeout_s,
        socket_timeout=DISCOVERY_TIMEOUT_S / 2,
        retry=Retry(NoBackoff(), 0),
        protocol=2,
        **target.credentials(),
    )
