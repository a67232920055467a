"""A tiny real HTTP source that keeps the Idempotency-Key rule and counts what reaches it.

``POST /customers`` creates a customer, ``POST /orders`` an order for a known
customer (else ``422``). The same key with a JSON-equal body returns the
first result (``200``), with another body ``409``; a missing key ``400``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class IdempotentSource:
    """The server and its counters, per ``(path, Idempotency-Key)``."""

    def __init__(self, known_customers: tuple[str, ...] = (), latency_s: float = 0.002) -> None:
        self.posts: Counter[tuple[str, str]] = Counter()
        self.applied: Counter[tuple[str, str]] = Counter()
        self.conflicts = 0
        self.overlaps = 0
        self.owners: Counter[str] = Counter()
        self.hold_key: str | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self._customers = set(known_customers)
        self._first: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
        self._in_flight: set[tuple[str, str]] = set()
        self._latency_s = latency_s
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the running server."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def handle(self, path: str, key: str | None, raw: bytes, owner: str) -> tuple[int, Any]:
        """Apply one POST; the status and JSON answer."""
        if key is None:
            return 400, {"error": "missing_idempotency_key"}
        body = json.loads(raw)
        scope = (path, key)
        with self._lock:
            self.posts[scope] += 1
            self.owners[owner] += 1
            if scope in self._in_flight:
                self.overlaps += 1
            self._in_flight.add(scope)
        try:
            # Time for a concurrent delivery of the same write to show up.
            time.sleep(self._latency_s)
            return self._apply(scope, body)
        finally:
            with self._lock:
                self._in_flight.discard(scope)

    def _apply(self, scope: tuple[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        canonical = json.dumps(body, sort_keys=True)
        with self._lock:
            if scope in self._first:
                first_body, first_result = self._first[scope]
                if first_body != canonical:
                    self.conflicts += 1
                    return 409, {"error": "idempotency_key_reused"}
                return 200, first_result
            path = scope[0]
            if path == "/orders" and body.get("customer_id") not in self._customers:
                return 422, {"error": "unknown_customer"}
            prefix = "CU" if path == "/customers" else "O"
            result = {**body, "id": f"{prefix}-{len(self._first) + 1:05d}"}
            if path == "/customers":
                self._customers.add(result["id"])
            self._first[scope] = (canonical, result)
            self.applied[scope] += 1
        if scope[1] == self.hold_key:
            # Applied, but the answer is held: the drill kills the client now.
            self.held.set()
            self.release.wait(10)
        return 201, result


def _handler_for(source: IdempotentSource) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = source.handle(
                self.path,
                self.headers.get("Idempotency-Key"),
                raw,
                self.headers.get("X-Drill-Owner", "?"),
            )
            payload = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client was killed while its answer was held

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
