"""The reference pim: products, variants and categories."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from comptoir.sources.reference.db import Database
from comptoir.sources.reference.web import (
    SourceParts,
    Worker,
    decode_cursor,
    encode_cursor,
    items_response,
    parse_ids,
    parse_limit,
    placeholders,
)
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import Route


class CategoryTree:
    """Each category's subtree, read once (the reference pim's categories do not change)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._children: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def subtree(self, category_id: str) -> list[str]:
        """``category_id`` and every category below it; empty for an unknown category."""
        with self._lock:
            if self._children is None:
                with self._db.connection() as conn:
                    rows = conn.execute("SELECT id, parent_id FROM categories").fetchall()
                children: dict[str, list[str]] = {cid: [] for cid, _ in rows}
                for cid, parent in rows:
                    if parent in children:
                        children[parent].append(cid)
                self._children = children
            children = self._children
        if category_id not in children:
            return []
        found, stack = [], [category_id]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(children[node])
        return found


def batch(
    db: Database,
    table: str,
    key: str,
    ids: list[str],
    collection: str,
    order: str = "",
    view: Callable[[str], str] | None = None,
) -> Response:
    """``{"items": [...]}`` of the rows of ``table`` whose ``key`` is one of ``ids``: one query.

    ``view`` rewrites each stored document before it is served.
    """
    if not ids:
        return items_response([], collection)
    with db.connection() as conn:
        rows = conn.execute(
            f"SELECT doc FROM {table} WHERE {key} IN ({placeholders(len(ids))}){order}", ids
        ).fetchall()
    docs = (row[0] for row in rows)
    return items_response(docs if view is None else map(view, docs), collection)


def build(data_dir: Path, worker: Worker) -> SourceParts:
    """The pim's routes over ``<data_dir>/pim.sqlite``."""
    db = Database(data_dir / "pim.sqlite")
    tree = CategoryTree(db)

    def products(params: QueryParams) -> Response:
        ids = parse_ids(params, "ids", required=False)
        if ids is not None:
            return batch(db, "products", "id", ids, "products")
        limit = parse_limit(params)
        where, args = ["status = 'active'"], []
        cursor = params.get("cursor")
        if cursor:
            where.append("id > ?")
            args += decode_cursor(cursor, "products", (str,))
        category_id = params.get("category_id")
        if category_id is not None:
            subtree = tree.subtree(category_id)
            if not subtree:
                return items_response([], "products", paged=True)
            where.append(
                "id IN (SELECT product_id FROM product_categories"
                f" WHERE category_id IN ({placeholders(len(subtree))}))"
            )
            args += subtree
        query = params.get("q")
        if query:
            where.append("instr(search, ?) > 0")
            args.append(query.casefold())
        channel = params.get("channel")
        if channel is not None:
            where.append("instr(channels, ?) > 0")
            args.append(f",{channel},")
        with db.connection() as conn:
            rows = conn.execute(
                f"SELECT id, doc FROM products WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
                [*args, limit + 1],
            ).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor("products", [rows[-1][0]]) if more else None
        return items_response(
            (row[1] for row in rows), "products", paged=True, next_cursor=next_cursor
        )

    def variants(params: QueryParams) -> Response:
        return batch(db, "variants", "id", parse_ids(params, "ids") or [], "variants")

    def categories(params: QueryParams) -> Response:
        ids = parse_ids(params, "ids", required=False)
        if ids is not None:
            return batch(db, "categories", "id", ids, "categories")
        with db.connection() as conn:
            rows = conn.execute("SELECT doc FROM categories ORDER BY rowid").fetchall()
        return items_response((row[0] for row in rows), "categories", paged=True)

    routes = [
        Route("/products", worker.get(products), methods=["GET"]),
        Route("/variants", worker.get(variants), methods=["GET"]),
        Route("/categories", worker.get(categories), methods=["GET"]),
    ]
    return SourceParts(routes, [db])
