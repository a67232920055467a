"""A price changes at the source: how long each gateway keeps showing the old one (prints figures).

    python bench/invalidation.py [--sources URL --data DIR] [--peer URL --peer-body FILE]
                                 [--watch-s 70]

comptoir, with its response cache on, answers the category page (24
products) until its answer is stored; then the price of the page's first
variant is changed in the ERP's data and the ERP's signed change event is
sent to comptoir's ``/hooks/erp``, as the ERP would. The page is read again
at once, then every second: the script prints, for each gateway, when it
first showed the new price (or that it still showed the old one when
``--watch-s`` ran out).

Without ``--sources``, the reference sources run in this process on a
private copy of the small demo data. ``--sources`` names reference sources
already running (``comptoir source all``) and ``--data`` the demo data they
serve (its ``erp.sqlite`` is changed, then put back). ``--peer`` adds
another GraphQL gateway over the same sources, asked with the JSON body in
``--peer-body`` (its answer must list the variants with their ``sku`` and
price ``amount``): e.g. Hive Gateway with its response cache, which keeps
whole results for their TTL whatever the sources say.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from comptoir.graph.hooks import signature_of  # noqa: E402
from comptoir.sources.reference.apps import build_reference_app  # noqa: E402
from comptoir.sources.reference.generate import ensure_demo_data  # noqa: E402
from comptoir.sources.reference.scale import DemoScale  # noqa: E402
from run import HEADERS, PLP_VARS, BaseUrls, ComptoirProcess  # noqa: E402

from tests.graph.queries import PLP_QUERY  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402

HOOK_SECRET = "bench-erp-hook-secret"  # noqa: S105  # a throwaway secret of the benchmark
PRICE_LIST = "EUR-WEB"


def _prices_by_sku(answer: Any) -> dict[str, Decimal]:
    """Every ``{sku, price: {amount}}`` in a GraphQL answer, whatever its shape around it."""
    found: dict[str, Decimal] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            price = value.get("price")
            if "sku" in value and isinstance(price, dict):
                amount = price.get("amount")
                if isinstance(amount, dict):  # comptoir's Money
                    amount = amount.get("amount")
                if amount is not None:
                    found[str(value["sku"])] = Decimal(str(amount))
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(answer)
    return found


class Gateway:
    """One GraphQL endpoint and the body that asks it for the category page."""

    def __init__(self, name: str, url: str, body: dict[str, Any], headers: dict[str, str]):
        self.name, self.url, self.body, self.headers = name, url, body, headers
        self.client = httpx.Client(timeout=30)

    def prices(self) -> dict[str, Decimal]:
        response = self.client.post(self.url, json=self.body, headers=self.headers)
        response.raise_for_status()
        return _prices_by_sku(response.json())


def _set_price(data: Path, sku: str, amount: Decimal) -> None:
    """Change the amount of ``sku``'s rows on the web price list in the ERP's data."""
    with sqlite3.connect(data / "erp.sqlite") as conn:
        rows = conn.execute(
            "SELECT seq, doc FROM prices WHERE sku = ? AND price_list = ?", (sku, PRICE_LIST)
        ).fetchall()
        for seq, doc in rows:
            changed = {**json.loads(doc), "amount": str(amount)}
            conn.execute("UPDATE prices SET doc = ? WHERE seq = ?", (json.dumps(changed), seq))


def _send_event(comptoir_url: str, sku: str) -> None:
    body = json.dumps({"events": [{"collection": "prices", "ids": [sku]}]}).encode()
    response = httpx.post(
        f"{comptoir_url}/hooks/erp",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Comptoir-Signature": signature_of(HOOK_SECRET, body),
        },
    )
    response.raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", help="reference sources already running (base URL)")
    parser.add_argument("--data", type=Path, help="the demo data those sources serve")
    parser.add_argument("--peer", help="another GraphQL gateway over the same sources")
    parser.add_argument("--peer-body", type=Path, help="the JSON body that asks it for the page")
    parser.add_argument("--watch-s", type=float, default=70.0)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".comptoir" / "bench")
    args = parser.parse_args()
    if bool(args.sources) != bool(args.data) or bool(args.peer) != bool(args.peer_body):
        parser.error("--sources goes with --data, and --peer with --peer-body")

    with ExitStack() as stack:
        if args.sources:
            data, sources_url = args.data, args.sources
        else:
            small = ensure_demo_data(args.data_dir / "small", DemoScale.small(), progress=True)
            data = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "demo"
            shutil.copytree(small, data)
            sources_url = stack.enter_context(ServerThread(build_reference_app(data, {}))).url
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        os.environ["COMPTOIR_ERP_HOOK_SECRET"] = HOOK_SECRET
        process = ComptoirProcess(BaseUrls(sources_url), workdir)
        stack.callback(process.stop)
        gateways = [
            Gateway(
                "comptoir",
                f"{process.url}/graphql",
                {"query": PLP_QUERY, "variables": PLP_VARS},
                HEADERS,
            )
        ]
        if args.peer:
            body = json.loads(args.peer_body.read_text())
            gateways.append(Gateway("peer", args.peer, body, {}))

        for gateway in gateways:  # stored (comptoir) or cached (a peer's response cache)
            gateway.prices()
            gateway.prices()
        before = gateways[0].prices()
        sku = next(iter(before))
        old = before[sku]
        new = old + Decimal("10.00")
        for gateway in gateways[1:]:
            seen = gateway.prices().get(sku)
            print(f"{gateway.name}: {sku} at {seen} before the change (comptoir: {old})")
        _set_price(data, sku, new)
        stack.callback(_set_price, data, sku, old)
        changed_at = time.perf_counter()
        _send_event(process.url, sku)
        print(f"{sku}: {old} -> {new} on {PRICE_LIST} at the ERP, its change event sent")
        shown: dict[str, float] = {}
        reads = dict.fromkeys((g.name for g in gateways), 0)
        while len(shown) < len(gateways) and time.perf_counter() - changed_at < args.watch_s:
            for gateway in gateways:
                if gateway.name in shown:
                    continue
                reads[gateway.name] += 1
                if gateway.prices().get(sku) == new:
                    shown[gateway.name] = time.perf_counter() - changed_at
            time.sleep(1.0)
        for gateway in gateways:
            name, count = gateway.name, reads[gateway.name]
            if name in shown:
                print(
                    f"   {name}: the new price on read {count}, {shown[name]:.2f} s after the change"
                )
            else:
                print(f"   {name}: still the old price after {count} reads, {args.watch_s:.0f} s")


if __name__ == "__main__":
    main()
