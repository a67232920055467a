"""Which outbox a process opens: PostgreSQL when a URL is given, else SQLite on local disk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from comptoir.sources.outbox.backend import Outbox
from comptoir.sources.outbox.sqlite import SqliteOutbox

OUTBOX_FILE = "outbox.sqlite"
"""The SQLite outbox's file under ``COMPTOIR_DATA_DIR``; processes sharing the folder share it."""

POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres(url: str | None) -> bool:
    """Whether ``url`` names a PostgreSQL outbox (``postgresql://…``)."""
    return url is not None and urlsplit(url).scheme in POSTGRES_SCHEMES


def describe(url: str | None, data_dir: Path) -> str:
    """Where the outbox is, for messages: the file, or the URL without its password."""
    if url is None:
        return str(data_dir / OUTBOX_FILE)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


async def open_outbox(
    url: str | None,
    data_dir: Path,
    *,
    clock: Callable[[], float] = time.time,
    pool_size: int = 8,
    timeout_s: float = 5.0,
) -> Outbox:
    """The outbox at ``url`` (``postgresql://…``), else the SQLite file under ``data_dir``.

    ``pool_size`` and ``timeout_s`` (the bound of one operation) apply to
    PostgreSQL only. A PostgreSQL that does not answer yet does not stop the
    opening: the outbox answers :class:`OutboxUnavailable` until it does.
    """
    if url is None:
        return await SqliteOutbox.open(data_dir / OUTBOX_FILE, clock=clock)
    if not is_postgres(url):
        raise ValueError(
            f"the outbox URL must start with postgresql://, not {describe(url, data_dir)}"
        )
    # Imported here: a process on SQLite never loads psycopg.
    from comptoir.sources.outbox.postgres import PostgresOutbox

    return await PostgresOutbox.open(url, clock=clock, pool_size=pool_size, timeout_s=timeout_s)
