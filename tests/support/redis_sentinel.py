"""A real Sentinel set for tests: a master, its replica and one Sentinel watching them."""

from __future__ import annotations

from types import TracebackType

import redis

from tests.support.redis_server import RedisServer

SERVICE = "comptoir"


class RedisSentinelSet:
    """``redis-server`` master and replica, and ``redis-server --sentinel`` (quorum 1).

    The Sentinel takes the master for down after half a second without an
    answer and promotes the replica. Usable as a context manager.
    """

    def __init__(self) -> None:
        self.master = RedisServer()
        self.replica = RedisServer(args=("--replicaof", "127.0.0.1", str(self.master.port)))
        self.sentinel = RedisServer(
            config=(
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master.port} 1\n"
                f"sentinel down-after-milliseconds {SERVICE} 500\n"
                f"sentinel failover-timeout {SERVICE} 5000\n"
            ),
            args=("--sentinel",),
        )

    @property
    def url(self) -> str:
        """``redis+sentinel://`` as comptoir is configured."""
        return f"redis+sentinel://127.0.0.1:{self.sentinel.port}/{SERVICE}"

    def master_port(self) -> int:
        """The port of the master the Sentinel names now."""
        client = redis.Redis(port=self.sentinel.port, socket_timeout=2)
        try:
            _, port = client.sentinel_get_master_addr_by_name(SERVICE)
            return int(port)
        finally:
            client.close()

    def start(self) -> RedisSentinelSet:
        """Start the master, the replica and the Sentinel."""
        self.master.start()
        self.replica.start()
        self.sentinel.start()
        return self

    def close(self) -> None:
        """Kill every process."""
        for server in (self.sentinel, self.replica, self.master):
            server.close()

    def __enter__(self) -> RedisSentinelSet:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
