"""Configuration, read from ``COMPTOIR_*`` environment variables (``SCHEMA.md``, "Configuration")."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEMO_JWT_SECRET = "comptoir-demo-secret-change-me-0123456789"  # noqa: S105  # the documented demo secret


class SourceSettings(BaseSettings):
    """How to reach one source: ``COMPTOIR_{SOURCE}_URL``, ``_TOKEN`` and ``_HOOK_SECRET``.

    Read for every registered source (``sources/registry.py``), whatever its
    name: a new source needs no setting declared here.
    """

    model_config = SettingsConfigDict(extra="ignore")

    url: str | None = Field(None, description="Base URL (may carry a path); unset: the reference.")
    token: str | None = Field(None, description="Bearer token sent to the source.")
    hook_secret: str | None = Field(None, description="HMAC secret of its change events.")


_SOURCE_KEYS = ("url", "token", "hook_secret")


class Settings(BaseSettings):
    """Every knob of a comptoir process; unset values fall back to the embedded demo."""

    # Extra keywords are kept: ``pim_url=…`` given in code reads like ``COMPTOIR_PIM_URL``.
    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", extra="allow")

    source_timeout_s: float = Field(2.0, description="Per-request timeout to a source.")
    source_max_concurrency: int = Field(32, description="Bulkhead: requests in flight per source.")
    redis_url: str | None = None
    redis_timeout_s: float = Field(
        0.05,
        description="Timeout of Redis's answer to one operation (extended, at most 3 times,"
        " while the event loop itself is busy); past it, a miss.",
    )
    redis_breaker_reset_s: float = Field(
        5.0, description="Seconds Redis is skipped after it failed."
    )
    cache_memory_entries: int = Field(200_000, description="Bound of the in-process cache.")
    cache_local_entries: int = Field(
        20_000, description="Bound of the in-process tier in front of Redis (entries and answers)."
    )
    cache_local_ttl_s: float = Field(
        2.0,
        description="Longest time the in-process tier in front of Redis keeps an entry before"
        " asking Redis again: the bound on a missed invalidation message. 0 turns the tier off.",
    )
    response_cache: bool = Field(
        True, description="Store whole answers of public operations (`COMPTOIR_RESPONSE_CACHE`)."
    )
    response_cache_max_age_s: float = Field(
        300.0, description="Longest freshness of a stored answer, whatever it read."
    )
    workers_dir: Path | None = Field(
        None,
        description="Set by `comptoir serve --workers N` without Redis: the folder where the"
        " workers' invalidation sockets live.",
    )
    connection_shares_dir: Path | None = Field(
        None,
        description="Set by `comptoir serve --workers N`: the folder where the workers count"
        " their client connections, to keep their shares even (comptoir/balance.py).",
    )
    cache_stale_window_s: float = Field(
        24 * 3600.0,
        description="How long past freshness a value may be served when its source fails.",
    )
    cache_swr_collections: str = Field(
        "", description="Comma-separated source.collection names answered stale-while-revalidate."
    )
    gc_freeze_interval_s: float = Field(
        10.0,
        description="How often what survived a full collection is kept out of later ones"
        " (comptoir/heap.py); 0 keeps CPython's default collections.",
    )
    heap_reserve_mib: int = Field(
        16,
        ge=0,
        description="MiB of the small-object heap written at start-up and kept mapped, so"
        " that the first requests do not pay a page fault per new page (comptoir/heap.py);"
        " 0: none.",
    )
    promise_cache_s: float = Field(
        60.0,
        description="How long a delivery promise (POST /promises) is reused for the same skus,"
        " quantities, destination cell and channel; 0: asked every time.",
    )
    channels: Path | None = None
    jwt_secret: str | None = None
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    retry_attempts: int = 2
    data_dir: Path = Path(".comptoir")
    outbox_retention_s: float = Field(
        7 * 86400.0,
        description="How long a delivered write is kept: its key returns the same answer, its"
        " provisional id resolves.",
    )
    outbox_url: str | None = Field(
        None,
        description="postgresql://… : the outbox of held writes in PostgreSQL, shared by every"
        " instance; unset, a SQLite file under the data directory (one machine).",
    )
    outbox_pool_size: int = Field(
        8, description="Connections to PostgreSQL per instance for the outbox (plus one listening)."
    )
    outbox_timeout_s: float = Field(
        5.0, description="Bound of one outbox operation on PostgreSQL; past it, unavailable."
    )
    outbox_lease_s: float = Field(
        30.0,
        description="How long a write claimed for delivery is held by its instance; an instance"
        " that dies holds its writes this long before another takes them over.",
    )
    demo_scale: str = Field("full", description="Scale of generated demo data: full or small.")
    dev: bool = Field(False, description="Dev mode: field suggestions in errors.")
    demo: bool = Field(
        False,
        description="Accept shopper tokens signed with the public demo secret even though"
        " sources are configured (COMPTOIR_JWT_SECRET unset): for demos, never in production.",
    )
    header_timeout_s: float = Field(
        10.0,
        description="Longest time a client may take to send a request's line and headers"
        " (from its connection, or from the first byte of a request on a kept-alive one).",
    )
    body_timeout_s: float = Field(
        30.0,
        description="Longest time a client may take to send a request's body once its"
        " headers are in.",
    )

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_body_bytes: int = 1_000_000
    max_page_size: int = 100

    _sources: dict[str, SourceSettings] = PrivateAttr(default_factory=dict)

    def source(self, name: str) -> SourceSettings:
        """The URL, token and hook secret of source ``name`` (keywords first, then the environment)."""
        found = self._sources.get(name)
        if found is None:
            extra: dict[str, Any] = self.model_extra or {}
            given = {k: extra[f"{name}_{k}"] for k in _SOURCE_KEYS if f"{name}_{k}" in extra}
            found = SourceSettings(_env_prefix=f"COMPTOIR_{name.upper()}_", **given)
            if found.url:
                found = found.model_copy(update={"url": found.url.rstrip("/")})
            self._sources[name] = found
        return found

    def configured_source_urls(self, names: Iterable[str]) -> list[str]:
        """The ``COMPTOIR_{SOURCE}_URL`` variables set among the sources ``names``."""
        return [f"COMPTOIR_{n.upper()}_URL" for n in names if self.source(n).url]

    def effective_jwt_secret(self) -> str:
        """The configured HS256 secret, else the demo one."""
        return self.jwt_secret or DEMO_JWT_SECRET
