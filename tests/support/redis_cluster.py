"""A real Redis Cluster for tests: three masters (``redis-server --cluster-enabled yes``) on free ports.

Built as an operator builds one: three servers started in cluster mode, then
``redis-cli --cluster create … --cluster-yes`` spreads the 16384 slots over
them. A master can be killed and restarted (on its port, with its
``nodes.conf``: it comes back as the master of the same slots, empty).
``cluster-require-full-coverage no`` lets the other masters serve their
slots while one is lost, as comptoir's README asks of a cluster without
replicas.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from types import TracebackType

import redis
from redis.crc import key_slot

from tests.support.redis_server import RedisServer, RedisServerError
from tests.support.servers import free_port

CLUSTER_ARGS = (
    "--cluster-enabled",
    "yes",
    "--cluster-node-timeout",
    "1000",
    "--cluster-require-full-coverage",
    "no",
)


class RedisCluster:
    """Three masters on ``127.0.0.1``, their slots assigned; usable as a context manager.

    With ``replicas=1`` each master has a replica (``nodes[3:]``), which the
    cluster promotes when its master is lost.
    """

    def __init__(
        self, masters: int = 3, *, replicas: int = 0, ready_timeout_s: float = 30.0
    ) -> None:
        if shutil.which("redis-cli") is None:
            raise RedisServerError("redis-cli is not on PATH (install the redis-tools package)")
        # The cluster bus listens on a port of its own, picked free as well
        # (by default it is the data port + 10000, often out of range).
        self.nodes = [
            RedisServer(args=(*CLUSTER_ARGS, "--cluster-port", str(free_port())))
            for _ in range(masters * (1 + replicas))
        ]
        self._replicas = replicas
        self._ready_timeout_s = ready_timeout_s

    def replica_of(self, master: RedisServer) -> RedisServer | None:
        """The node that replicates ``master`` now, if any."""
        client = redis.Redis(port=master.port, socket_timeout=2)
        try:
            info = client.info("replication")
        finally:
            client.close()
        ports = {
            int(v["port"]) for k, v in info.items() if k.startswith("slave") and isinstance(v, dict)
        }
        return next((n for n in self.nodes if n.port in ports), None)

    @property
    def url(self) -> str:
        """``redis+cluster://`` naming every master, as comptoir is configured."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    def start(self) -> RedisCluster:
        """Start the servers, create the cluster and wait until every node says it is ``ok``.

        When a step fails, the nodes already started are killed before the
        error goes up: a fixture that fails to set up tears nothing down.
        """
        try:
            return self._start()
        except BaseException:
            for node in self.nodes:
                node.kill()
            raise

    def _start(self) -> RedisCluster:
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{n.port}" for n in self.nodes]
        created = subprocess.run(  # noqa: S603 - fixed arguments, binary from PATH
            [  # noqa: S607
                "redis-cli",
                "--cluster",
                "create",
                *addresses,
                "--cluster-replicas",
                str(self._replicas),
                "--cluster-yes",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if created.returncode != 0:
            raise RedisServerError(f"redis-cli --cluster create failed:\n{created.stdout}")
        self.wait_ok()
        self._wait_replicas()
        return self

    def _wait_replicas(self) -> None:
        """Wait until every master has its replicas online (they attach after ``cluster_state:ok``)."""
        if not self._replicas:
            return
        deadline = time.monotonic() + self._ready_timeout_s
        for node in self.nodes:
            client = redis.Redis(port=node.port, socket_timeout=2)
            try:
                while True:
                    info = client.info("replication")
                    online = [
                        v
                        for k, v in info.items()
                        if k.startswith("slave")
                        and isinstance(v, dict)
                        and v.get("state") == "online"
                    ]
                    if info.get("role") != "master" or len(online) >= self._replicas:
                        break
                    if time.monotonic() > deadline:
                        raise RedisServerError(f"master {node.port}'s replicas never came online")
                    time.sleep(0.05)
            finally:
                client.close()

    def wait_ok(self, nodes: list[RedisServer] | None = None) -> None:
        """Wait until each running node (or those given) reports ``cluster_state:ok``."""
        deadline = time.monotonic() + self._ready_timeout_s
        for node in nodes or [n for n in self.nodes if n.running]:
            client = redis.Redis(port=node.port, socket_timeout=2)
            try:
                while client.cluster("INFO").get("cluster_state") != "ok":
                    if time.monotonic() > deadline:
                        raise RedisServerError(f"node {node.port} never reported cluster_state:ok")
                    time.sleep(0.05)
            finally:
                client.close()

    def keys_on(self, node: RedisServer) -> int:
        """How many keys ``node`` holds."""
        client = redis.Redis(port=node.port, socket_timeout=2)
        try:
            return int(client.dbsize())
        finally:
            client.close()

    def flush(self) -> None:
        """Empty every running master."""
        for node in self.nodes:
            if node.running:
                client = redis.Redis(port=node.port, socket_timeout=5)
                try:
                    client.flushall()
                finally:
                    client.close()

    def close(self) -> None:
        """Kill every node and remove their folders."""
        for node in self.nodes:
            node.close()

    def __enter__(self) -> RedisCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def node_of(cluster: RedisCluster, key: str) -> RedisServer:
    """The master of ``cluster`` that serves ``key``'s slot (asked of a running node)."""
    slot = key_slot(key.encode())
    for node in cluster.nodes:
        if not node.running:
            continue
        client = redis.Redis(port=node.port, socket_timeout=2)
        try:
            for start, end, master, *_ in client.execute_command("CLUSTER SLOTS"):
                if start <= slot <= end:
                    port = int(master[1])
                    return next(n for n in cluster.nodes if n.port == port)
        finally:
            client.close()
    raise RedisServerError(f"no running node knows who serves slot {slot}")
