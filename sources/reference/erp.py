"""The reference erp: price rows, stock rows and locations."""

from __future__ import annotations

from pathlib import Path

from comptoir.sources.reference.db import Database
from comptoir.sources.reference.pim import batch
from comptoir.sources.reference.web import (
    SourceParts,
    Worker,
    items_response,
    parse_ids,
    placeholders,
)
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import Route


def build(data_dir: Path, worker: Worker) -> SourceParts:
    """The erp's routes over ``<data_dir>/erp.sqlite``."""
    db = Database(data_dir / "erp.sqlite")

    def prices(params: QueryParams) -> Response:
        skus = parse_ids(params, "skus") or []
        price_list = params.get("price_list")
        if not skus:
            return items_response([], "prices")
        sql = f"SELECT doc FROM prices WHERE sku IN ({placeholders(len(skus))})"
        args = list(skus)
        if price_list is not None:
            sql += " AND price_list = ?"
            args.append(price_list)
        with db.connection() as conn:
            rows = conn.execute(sql + " ORDER BY seq", args).fetchall()
        return items_response((row[0] for row in rows), "prices")

    def stock(params: QueryParams) -> Response:
        return batch(db, "stock", "sku", parse_ids(params, "skus") or [], "stock", " ORDER BY seq")

    def locations(params: QueryParams) -> Response:
        ids = parse_ids(params, "ids", required=False)
        if ids is not None:
            return batch(db, "locations", "id", ids, "locations")
        with db.connection() as conn:
            rows = conn.execute("SELECT doc FROM locations ORDER BY rowid").fetchall()
        return items_response((row[0] for row in rows), "locations", paged=True)

    routes = [
        Route("/prices", worker.get(prices), methods=["GET"]),
        Route("/stock", worker.get(stock), methods=["GET"]),
        Route("/locations", worker.get(locations), methods=["GET"]),
    ]
    return SourceParts(routes, [db])
