"""Write the deterministic demo data: one SQLite file per reference source.

The same seed and scale give the same documents, byte for byte. Dates are
fixed around :data:`~comptoir.sources.reference.scale.ANCHOR`; price and
promotion windows are wide enough that the demo keeps past, current and
future rows for years.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from comptoir.sources.reference.changes import create_change_feed
from comptoir.sources.reference.gen_assets import generate_assets
from comptoir.sources.reference.gen_catalog import Catalog, generate_catalog
from comptoir.sources.reference.gen_crm import generate_customers
from comptoir.sources.reference.gen_erp import ErpData, generate_erp
from comptoir.sources.reference.gen_loyalty import Ledger, generate_loyalty
from comptoir.sources.reference.gen_orders import OrderRow, generate_orders
from comptoir.sources.reference.gen_promo import PROMOTIONS, sku_categories
from comptoir.sources.reference.scale import GENERATOR_VERSION, DemoScale
from comptoir.sources.reference.search_index import write_search_index
from comptoir.sources.reference.storage import (
    SOURCE_NAMES,
    create_indexes,
    create_schema,
    dumps,
    insert_rows,
)
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

MARKER = "demo.json"
"""The file recording which generator version, scale and seed wrote a demo directory."""

Step = Callable[[str], None]


def _marker(scale: DemoScale, seed: int) -> dict[str, Any]:
    return {"generator_version": GENERATOR_VERSION, "scale": scale.as_dict(), "seed": seed}


@contextlib.contextmanager
def _database(path: Path, source: str, meta: dict[str, Any]) -> Iterator[sqlite3.Connection]:
    """A fresh database file with ``source``'s schema, indexed and switched to WAL when done."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        create_schema(conn, source)
        insert_rows(
            conn, "meta", ("key", "value"), [(k, dumps(v)) for k, v in sorted(meta.items())]
        )
        yield conn
        with conn:
            create_indexes(conn, source)
            create_change_feed(conn, source)
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def _write_pim(conn: sqlite3.Connection, catalog: Catalog) -> None:
    insert_rows(
        conn,
        "categories",
        ("id", "parent_id", "doc"),
        [(c["id"], c["parent_id"], dumps(c)) for c in catalog.categories],
    )
    insert_rows(
        conn,
        "products",
        ("id", "status", "channels", "search", "doc"),
        [
            (
                p["id"],
                p["status"],
                "," + ",".join(p["channels"]) + ",",
                "\n".join(p["name"].values()).casefold(),
                dumps(p),
            )
            for p in catalog.products
        ],
    )
    insert_rows(
        conn,
        "product_categories",
        ("category_id", "product_id"),
        [(cid, p["id"]) for p in catalog.products for cid in p["category_ids"]],
    )
    insert_rows(
        conn,
        "variants",
        ("id", "product_id", "doc"),
        [(v["id"], v["product_id"], dumps(v)) for v in catalog.variants],
    )


def _write_dam(conn: sqlite3.Connection, assets: list[dict[str, Any]]) -> None:
    insert_rows(
        conn,
        "assets",
        ("id", "product_id", "position", "doc"),
        [(a["id"], a["product_id"], a["position"], dumps(a)) for a in assets],
    )


def _write_erp(conn: sqlite3.Connection, erp: ErpData) -> None:
    insert_rows(
        conn, "locations", ("id", "doc"), [(loc["id"], dumps(loc)) for loc in erp.locations]
    )
    insert_rows(
        conn,
        "prices",
        ("sku", "price_list", "doc"),
        [(p["sku"], p["price_list"], dumps(p)) for p in erp.prices],
    )
    insert_rows(
        conn,
        "stock",
        ("sku", "location_id", "doc"),
        [(s["sku"], s["location_id"], dumps(s)) for s in erp.stock],
    )


def _write_crm(conn: sqlite3.Connection, customers: list[dict[str, Any]], ledger: Ledger) -> None:
    insert_rows(
        conn,
        "customers",
        ("id", "email_lower", "doc"),
        [(c["id"], str(c["email"]).lower(), dumps(c)) for c in customers],
    )
    insert_rows(
        conn,
        "loyalty_accounts",
        ("customer_id", "doc"),
        [(a["customer_id"], dumps(a)) for a in ledger.accounts],
    )
    insert_rows(
        conn,
        "loyalty_transactions",
        ("seq", "id", "customer_id", "created_at", "doc"),
        [
            (int(str(t["id"])[3:]), t["id"], t["customer_id"], t["created_at"], dumps(t))
            for t in ledger.transactions
        ],
    )
    insert_rows(conn, "counters", ("name", "value"), [("customer", 100000 + len(customers))])


def _write_oms(conn: sqlite3.Connection, orders: list[OrderRow]) -> None:
    insert_rows(
        conn,
        "orders",
        ("seq", "id", "customer_id", "placed_at", "doc"),
        [(n, o.id, o.customer_id, o.placed_at, o.doc) for n, o in enumerate(orders, 1)],
    )
    returns = sum(order.returns for order in orders)
    insert_rows(conn, "counters", ("name", "value"), [("order", len(orders)), ("return", returns)])


def _write_promo(conn: sqlite3.Connection, catalog: Catalog) -> None:
    insert_rows(
        conn,
        "promotions",
        ("id", "coupon_code", "doc"),
        [(p["id"], p["coupon_code"], dumps(p)) for p in PROMOTIONS],
    )
    insert_rows(
        conn,
        "sku_categories",
        ("sku", "product_id", "category_ids"),
        [(sku, pid, dumps(cats)) for sku, pid, cats in sku_categories(catalog)],
    )


def _generate(target_dir: Path, scale: DemoScale, seed: int, step: Step) -> None:
    """Draw and write source by source, so that only what later sources need stays in memory."""
    meta = _marker(scale, seed)

    def write(source: str, fill: Callable[[sqlite3.Connection], None]) -> None:
        with _database(target_dir / f"{source}.sqlite", source, {**meta, "source": source}) as conn:
            fill(conn)

    step("catalogue")
    catalog = generate_catalog(scale, seed)
    write("pim", lambda conn: _write_pim(conn, catalog))
    write("promo", lambda conn: _write_promo(conn, catalog))
    step("assets")
    assets = generate_assets(catalog, seed)
    write("dam", lambda conn: _write_dam(conn, assets))
    assets.clear()
    step("prices and stock")
    erp = generate_erp(catalog, seed)
    write("erp", lambda conn: _write_erp(conn, erp))
    erp.prices.clear()
    erp.stock.clear()
    step("customers")
    customers, customer_plans = generate_customers(scale, seed)
    step("orders")
    orders = generate_orders(scale, seed, catalog, erp, customer_plans)
    step("loyalty")
    ledger = generate_loyalty(seed, customer_plans, orders)
    step("writing crm and oms")
    write("crm", lambda conn: _write_crm(conn, customers, ledger))
    write("oms", lambda conn: _write_oms(conn, orders))
    step("search index")
    write("search", lambda conn: write_search_index(conn, target_dir / "pim.sqlite"))


def generate(target_dir: Path, scale: DemoScale, *, seed: int = 42, progress: bool = False) -> None:
    """Write ``pim.sqlite`` … ``search.sqlite`` and the marker file into ``target_dir``.

    Existing source files in ``target_dir`` are replaced. Deterministic: the
    same ``scale`` and ``seed`` give the same documents.
    """
    target_dir.mkdir(parents=True, exist_ok=True)
    for source in SOURCE_NAMES:
        for suffix in ("", "-wal", "-shm"):
            (target_dir / f"{source}.sqlite{suffix}").unlink(missing_ok=True)
    steps = 8
    if progress:
        columns = (
            TextColumn("{task.description:<24}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("demo data", total=steps)
            started: list[str] = []

            def step(label: str) -> None:
                bar.update(task, description=label, advance=1 if started else 0)
                started.append(label)

            _generate(target_dir, scale, seed, step)
            bar.update(task, completed=steps, description="demo data ready")
    else:
        _generate(target_dir, scale, seed, lambda _label: None)
    (target_dir / MARKER).write_text(json.dumps(_marker(scale, seed), sort_keys=True) + "\n")


def is_current(target_dir: Path, scale: DemoScale, seed: int = 42) -> bool:
    """Whether ``target_dir`` holds the data this generator writes for ``scale`` and ``seed``."""
    try:
        marker = json.loads((target_dir / MARKER).read_text())
    except (OSError, ValueError):
        return False
    return marker == _marker(scale, seed) and all(
        (target_dir / f"{source}.sqlite").is_file() for source in SOURCE_NAMES
    )


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock between processes (a no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_demo_data(
    target_dir: Path, scale: DemoScale | None = None, progress: bool = False, *, seed: int = 42
) -> Path:
    """Return ``target_dir``, generating the demo data first if absent or stale.

    The data is written to a temporary sibling directory and renamed into
    place, so a reader never sees a half-written demo; concurrent callers
    (threads or processes) generate it once.
    """
    scale = scale or DemoScale()
    target_dir = Path(target_dir)
    if is_current(target_dir, scale, seed):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    with _lock(target_dir.parent / f".{target_dir.name}.lock"):
        if is_current(target_dir, scale, seed):
            return target_dir
        staging = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=target_dir.parent))
        staging.chmod(0o755)
        try:
            generate(staging, scale, seed=seed, progress=progress)
            retired = None
            if target_dir.exists():
                retired = Path(
                    tempfile.mkdtemp(prefix=f".{target_dir.name}.old-", dir=target_dir.parent)
                )
                os.replace(target_dir, retired / "data")
            os.replace(staging, target_dir)
            if retired is not None:
                shutil.rmtree(retired, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target_dir
