"""A customer's list, newest first, paged with a keyset cursor (loyalty transactions, orders)."""

from __future__ import annotations

from collections.abc import Callable

from comptoir.sources.reference.db import Database
from comptoir.sources.reference.web import decode_cursor, encode_cursor, items_response, parse_limit
from starlette.datastructures import QueryParams
from starlette.responses import Response


def newest_first(
    db: Database,
    table: str,
    time_column: str,
    tie_column: str,
    tie_type: type,
    params: QueryParams,
    view: Callable[[str], str] | None = None,
) -> Response:
    """Rows of ``params["customer_id"]`` ordered by ``time_column`` then ``tie_column``, descending.

    The cursor holds the last row's (time, tie) pair, so pages never skip or
    repeat rows even when new ones arrive between two requests. ``view``
    rewrites each stored document before it is served.
    """
    limit = parse_limit(params)
    sql = f"SELECT {time_column}, {tie_column}, doc FROM {table} WHERE customer_id = ?"
    args: list[object] = [params["customer_id"]]
    cursor = params.get("cursor")
    if cursor:
        moment, tie = decode_cursor(cursor, table, (str, tie_type))
        sql += f" AND ({time_column} < ? OR ({time_column} = ? AND {tie_column} < ?))"
        args += [moment, moment, tie]
    sql += f" ORDER BY {time_column} DESC, {tie_column} DESC LIMIT ?"
    with db.connection() as conn:
        rows = conn.execute(sql, [*args, limit + 1]).fetchall()
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = encode_cursor(table, [rows[-1][0], rows[-1][1]]) if more else None
    docs = (row[2] for row in rows)
    return items_response(
        docs if view is None else map(view, docs), table, paged=True, next_cursor=next_cursor
    )
