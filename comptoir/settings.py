"""Configuration, read from ``COMPTOIR_*`` environment variables (``SCHEMA.md``, "Configuration")."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SOURCE_NAMES: tuple[str, ...] = ("pim", "dam", "erp", "crm", "oms", "promo", "search")
DEMO_JWT_SECRET = "comptoir-demo-secret-change-me-0123456789"  # noqa: S105  # the documented demo secret


class Settings(BaseSettings):
    """Every knob of a comptoir process; unset values fall back to the embedded demo."""

    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", extra="ignore")

    pim_url: str | None = None
    dam_url: str | None = None
    erp_url: str | None = None
    crm_url: str | None = None
    oms_url: str | None = None
    promo_url: str | None = None
    search_url: str | None = None
    pim_token: str | None = None
    dam_token: str | None = None
    erp_token: str | None = None
    crm_token: str | None = None
    oms_token: str | None = None
    promo_token: str | None = None
    search_token: str | None = None
    pim_hook_secret: str | None = None
    dam_hook_secret: str | None = None
    erp_hook_secret: str | None = None
    crm_hook_secret: str | None = None
    oms_hook_secret: str | None = None
    promo_hook_secret: str | None = None
    search_hook_secret: str | None = None

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
    cache_stale_window_s: float = Field(
        24 * 3600.0,
        description="How long past freshness a value may be served when its source fails.",
    )
    cache_swr_collections: str = Field(
        "", description="Comma-separated source.collection names answered stale-while-revalidate."
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
    demo_scale: str = Field("full", description="Scale of generated demo data: full or small.")
    dev: bool = Field(False, description="Dev mode: field suggestions in errors.")

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_body_bytes: int = 1_000_000
    max_page_size: int = 100

    def source_url(self, source: str) -> str | None:
        """The configured base URL of ``source``, without a trailing slash."""
        url: str | None = getattr(self, f"{source}_url")
        return url.rstrip("/") if url else None

    def source_token(self, source: str) -> str | None:
        """The bearer token to send to ``source``."""
        token: str | None = getattr(self, f"{source}_token")
        return token

    def hook_secret(self, source: str) -> str | None:
        """The shared secret of ``source``'s change events."""
        secret: str | None = getattr(self, f"{source}_hook_secret")
        return secret

    def effective_jwt_secret(self) -> str:
        """The configured HS256 secret, else the demo one."""
        return self.jwt_secret or DEMO_JWT_SECRET
