"""The demo data generator: deterministic, generated once, and holding every guaranteed case."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from comptoir.sources.reference import (
    SOURCE_NAMES,
    DemoScale,
    ensure_demo_data,
    generate,
    is_current,
)
from comptoir.sources.reference.storage import SCHEMAS


def documents(data_dir: Path) -> dict[str, list[str]]:
    """Every stored document of every table, in key order."""
    found: dict[str, list[str]] = {}
    for source in SOURCE_NAMES:
        with sqlite3.connect(data_dir / f"{source}.sqlite") as conn:
            for statement in SCHEMAS[source]:
                table = statement.split()[2]
                columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
                rows = conn.execute(
                    f"SELECT * FROM {table} ORDER BY {columns[0]}, {columns[1]}"
                ).fetchall()
                found[f"{source}.{table}"] = [json.dumps(row, ensure_ascii=False) for row in rows]
    return found


def test_same_seed_same_documents(ref_data: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", DemoScale.small())
    assert documents(tmp_path / "again") == documents(ref_data)
    generate(tmp_path / "other", DemoScale.small(), seed=7)
    assert documents(tmp_path / "other")["pim.products"] != documents(ref_data)["pim.products"]


def test_ensure_demo_data_generates_once(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    scale = DemoScale(products=40, customers=20, orders=100)
    assert ensure_demo_data(target, scale) == target
    assert is_current(target, scale)
    stamp = (target / "pim.sqlite").stat().st_mtime_ns
    ensure_demo_data(target, scale)
    assert (target / "pim.sqlite").stat().st_mtime_ns == stamp
    bigger = DemoScale(products=41, customers=20, orders=100)
    assert not is_current(target, bigger)
    ensure_demo_data(target, bigger)
    assert is_current(target, bigger)
    with sqlite3.connect(target / "pim.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == 41
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["demo"]


def test_small_scale_counts(ref_data: Path) -> None:
    with sqlite3.connect(ref_data / "pim.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM products").fetchone()[0] == 80
        statuses = dict(
            conn.execute("SELECT status, count(*) FROM products GROUP BY status").fetchall()
        )
        assert set(statuses) == {"active", "draft", "discontinued"}
    with sqlite3.connect(ref_data / "crm.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 60
    with sqlite3.connect(ref_data / "oms.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 300
        for (doc,) in conn.execute("SELECT doc FROM orders"):
            order = json.loads(doc)
            totals = order["totals"]
            lines = sum(float(line["unit_price"]) * line["quantity"] for line in order["lines"])
            assert float(totals["subtotal"]) == pytest.approx(lines)
            assert float(totals["grand_total"]) == pytest.approx(
                float(totals["subtotal"]) - float(totals["discount"]) + float(totals["shipping"])
            )


def test_scales() -> None:
    assert DemoScale() == DemoScale.full()
    full = DemoScale.full()
    assert (full.products, full.customers, full.orders) == (5000, 20000, 100000)
    with pytest.raises(ValueError):
        DemoScale(products=5, customers=5, orders=5)
