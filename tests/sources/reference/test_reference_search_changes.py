"""The search source follows the pim and erp files: a row written there is in its next answer."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from comptoir.sources.reference import build_source_app, cases

from tests.sources.reference.search_oracle import Oracle

WEB = {"channel": "web", "price_list": "EUR-WEB"}


@pytest.fixture(scope="module")
def search_http(write_data: Path, served) -> Iterator[httpx.Client]:
    """A client on the search source alone, over the module's writable copy of the data."""
    with (
        served(build_source_app("search", write_data)) as alone,
        httpx.Client(base_url=alone.url, timeout=30) as client,
    ):
        yield client


def write(data: Path, source: str, sql: str, *args: Any) -> None:
    """One statement on a source's file, as a test, a benchmark or another process would."""
    with sqlite3.connect(data / f"{source}.sqlite", timeout=30) as conn:
        conn.execute(sql, args)


def pick(data: Path, skip: int, *, store: bool = False, in_stock: bool = False) -> str:
    """A product found on the web list (and the store's, in stock, if asked), past ``skip``.

    Each test takes products of its own, so that what one test writes leaves
    the others' alone.
    """
    oracle = Oracle(data)
    return [
        p.id
        for p in oracle.find("web", "EUR-WEB")
        if (not store or ("EUR-STORE" in p.prices and "store" in p.doc["channels"]))
        and (not in_stock or p.in_stock)
    ][skip]


def found(client: httpx.Client, **params: Any) -> list[str]:
    """The ids of every product a search finds (one page of 100 is all of the small data)."""
    response = client.get("/products", params={**WEB, "limit": 100, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    return [item["id"] for item in body["items"]]


def test_a_price_row_written_in_the_erp_is_in_the_next_answer(
    search_http: httpx.Client, write_data: Path
) -> None:
    assert cases.PRODUCT_FULL in found(search_http, filter="price:100..200")
    write(
        write_data,
        "erp",
        "UPDATE prices SET doc = json_set(doc, '$.amount', '7.00')"
        " WHERE sku = ? AND price_list = 'EUR-WEB'",
        cases.SKU_FULL,
    )
    assert cases.PRODUCT_FULL in found(search_http, filter="price:7..7.01")
    assert cases.PRODUCT_FULL not in found(search_http, filter="price:100..200")
    assert found(search_http, sort="price_asc")[0] == cases.PRODUCT_FULL
    assert Oracle(write_data).products[cases.PRODUCT_FULL].prices["EUR-WEB"] == 7


def test_a_product_without_a_price_in_force_is_not_found(
    search_http: httpx.Client, write_data: Path
) -> None:
    product = pick(write_data, 30, store=True)
    assert product in found(search_http)
    write(
        write_data,
        "erp",
        "UPDATE prices SET doc = json_set(doc, '$.currency', 'USD')"
        " WHERE sku LIKE ? AND price_list = 'EUR-WEB'",
        f"V-{product[2:]}-%",
    )
    assert product not in found(search_http)
    assert product in found(search_http, price_list="EUR-STORE", channel="store")


def test_stock_written_in_the_erp_moves_a_product_in_and_out_of_stock(
    search_http: httpx.Client, write_data: Path
) -> None:
    product = pick(write_data, 31, in_stock=True)
    assert product in found(search_http, filter="in_stock:true")
    write(
        write_data,
        "erp",
        "UPDATE stock SET doc = json_set(doc, '$.reserved', json_extract(doc, '$.on_hand'))"
        " WHERE sku LIKE ?",
        f"V-{product[2:]}-%",
    )
    assert product in found(search_http, filter="in_stock:false")
    sku = Oracle(write_data).products[product].doc["variant_skus"][0]
    row = {"sku": sku, "location_id": cases.WAREHOUSES[0], "on_hand": 3, "reserved": 0}
    write(
        write_data,
        "erp",
        "INSERT INTO stock (sku, location_id, doc) VALUES (?, ?, ?)",
        row["sku"],
        row["location_id"],
        json.dumps(row),
    )
    assert product in found(search_http, filter="in_stock:true")


def test_a_price_row_starting_later_takes_over_when_its_time_comes(
    search_http: httpx.Client, write_data: Path
) -> None:
    product = pick(write_data, 32)
    start = datetime.now(UTC) + timedelta(seconds=1)
    with sqlite3.connect(write_data / "erp.sqlite", timeout=30) as conn:
        rows = conn.execute(
            "SELECT sku, doc FROM prices WHERE sku LIKE ? AND price_list = 'EUR-WEB'",
            (f"V-{product[2:]}-%",),
        ).fetchall()
        for row_sku, doc in rows:
            later = {
                **json.loads(doc),
                "amount": "3.00",
                "valid_from": start.isoformat(),
                "valid_to": None,
            }
            conn.execute(
                "INSERT INTO prices (sku, price_list, doc) VALUES (?, 'EUR-WEB', ?)",
                (row_sku, json.dumps(later)),
            )
    assert product not in found(search_http, filter="price:3..3.01"), "not in force yet"
    deadline = time.monotonic() + 10
    while product not in found(search_http, filter="price:3..3.01"):
        assert time.monotonic() < deadline, "the new price never took over"
        time.sleep(0.05)
    assert datetime.now(UTC) >= start


def test_products_written_in_the_pim_are_searched_as_they_now_are(
    search_http: httpx.Client, write_data: Path
) -> None:
    assert found(search_http, q="zephyr") == []
    many, once = pick(write_data, 33), pick(write_data, 34)
    # One product says "zephyr" thirty times in its description, the other once, in its name.
    write(
        write_data,
        "pim",
        "UPDATE products SET doc = json_set(doc, '$.description.en', ?) WHERE id = ?",
        " ".join(["Zephyr"] * 30),
        many,
    )
    write(
        write_data,
        "pim",
        "UPDATE products SET doc = json_set(doc, '$.name.en',"
        " json_extract(doc, '$.name.en') || ' with a very long name, Zephyr edition') WHERE id = ?",
        once,
    )
    assert found(search_http, q="zeph") == [once, many], "a name match ranks first"
    write(
        write_data,
        "pim",
        "UPDATE products SET status = 'draft', doc = json_set(doc, '$.status', 'draft')"
        " WHERE id = ?",
        once,
    )
    assert found(search_http, q="zephyr") == [many]


def test_variants_and_categories_written_in_the_pim_move_facets(
    search_http: httpx.Client, write_data: Path
) -> None:
    def counts(key: str) -> dict[str, int]:
        body = search_http.get("/products", params={**WEB, "facets": key}).json()
        return {v["value"]: v["count"] for v in body["facets"][0]["values"]}

    assert "plum" not in counts("color")
    write(
        write_data,
        "pim",
        "UPDATE variants SET doc = json_set(doc, '$.options.color_code', 'plum',"
        ' \'$.options.color\', json(\'{"en": "Plum", "fr": "Prune"}\')) WHERE id = ?',
        cases.SKU_FULL,
    )
    assert counts("color")["plum"] == 1
    body = search_http.get("/products", params={**WEB, "facets": "color", "locale": "fr"})
    assert {v["value"]: v["label"] for v in body.json()["facets"][0]["values"]}["plum"] == "Prune"
    before = counts("category")
    write(
        write_data,
        "pim",
        "UPDATE categories SET parent_id = 'C-home', doc = json_set(doc, '$.parent_id', 'C-home')"
        " WHERE id = 'C-knitwear'",
    )
    after = counts("category")
    knitwear = before["C-knitwear"]
    assert after["C-home"] == before["C-home"] + knitwear
    assert after["C-women"] == before["C-women"] - knitwear
    assert counts("category") == after, "applied once"
    assert set(found(search_http, category_id="C-home")) >= set(
        found(search_http, category_id="C-knitwear")
    )


def test_unreadable_documents_are_left_out_and_the_rest_still_answers(
    search_http: httpx.Client, write_data: Path
) -> None:
    broken, priced = pick(write_data, 35), pick(write_data, 36)
    before = set(found(search_http))
    write(write_data, "pim", "UPDATE products SET doc = 'not json' WHERE id = ?", broken)
    write(
        write_data,
        "erp",
        "UPDATE prices SET doc = '{' WHERE sku LIKE ? AND price_list = 'EUR-WEB'",
        f"V-{priced[2:]}-%",
    )
    write(write_data, "erp", "UPDATE stock SET doc = '[' WHERE sku LIKE ?", f"V-{priced[2:]}-%")
    assert set(found(search_http)) == before - {broken, priced}
    assert found(search_http, q="zzz") == []


def test_a_location_that_stops_shipping_takes_its_stock_out(
    search_http: httpx.Client, write_data: Path
) -> None:
    assert found(search_http, filter="in_stock:true")
    write(
        write_data, "erp", "UPDATE locations SET doc = json_set(doc, '$.ship_from', json('false'))"
    )
    assert found(search_http, filter="in_stock:true") == []
    assert len(found(search_http, filter="in_stock:false")) == len(found(search_http))


def test_a_data_directory_without_the_index_is_refused(ref_data: Path, tmp_path: Path) -> None:
    for source in ("pim", "erp"):
        (tmp_path / f"{source}.sqlite").write_bytes((ref_data / f"{source}.sqlite").read_bytes())
    with pytest.raises(FileNotFoundError, match="search index"):
        build_source_app("search", tmp_path)
    assert not (tmp_path / "search.sqlite").exists()
