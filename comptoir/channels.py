"""Sales channels: who is asking, which price list, locale and assortment apply (the channels file)."""

from __future__ import annotations

import hmac
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

PUBLIC_MAX_COST: Final = 10_000
"""Default most one request may cost on a channel that is not staff (``max_cost``)."""

STAFF_MAX_COST: Final = 50_000
"""Default most one request may cost on a staff channel."""

PUBLIC_RATE_LIMIT: Final = 30_000_000
"""Default cost a channel that is not staff may spend per window, all its callers together."""

STAFF_RATE_LIMIT: Final = 3_000_000
"""Default cost a staff channel may spend per window."""

SHOPPER_RATE_LIMIT: Final = 60_000
"""Default cost one signed-in shopper may spend per window, on one channel."""

RATE_LIMIT_WINDOW_S: Final = 60
"""Default length of a rate-limit window, in seconds."""


class ChannelsFileError(ValueError):
    """The channels file is missing, not TOML, or a channel block is incomplete."""


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """One sales channel, as a block of the channels file."""

    code: str
    key: str
    price_list: str
    currency: str
    locale: str
    assortment: str
    staff: bool = False
    allowed_origins: tuple[str, ...] = ()
    """Browser origins (``https://shop.example.com``) allowed to call comptoir as this channel
    (CORS); ``("*",)`` allows any origin; empty, none (the default)."""
    allow_credentials: bool = False
    """Whether those origins may send credentials (cookies, TLS client certificates)."""
    lead_time_days: int = 3
    """Days before an estimated home delivery arrives at the earliest (two more at the latest),
    while the OMS is unavailable and comptoir estimates delivery options itself."""
    delivery_price: str = "4.90"
    """The price of that estimated home delivery, in the channel's currency."""
    max_cost: int = PUBLIC_MAX_COST
    """The most one request may cost (``graph/cost_model.py``); over it, refused unexecuted."""
    rate_limit: int = PUBLIC_RATE_LIMIT
    """Cost the whole channel may spend per window, shared by every instance; 0: no limit."""
    shopper_rate_limit: int = SHOPPER_RATE_LIMIT
    """Cost one signed-in shopper may spend per window on this channel; 0: no limit of its own."""
    rate_limit_window_s: int = RATE_LIMIT_WINDOW_S
    """The length of the windows of both rate limits."""
    trusted_documents: bool = False
    """Whether the channel runs only documents registered with ``comptoir documents push``."""


class ChannelRegistry:
    """The configured channels, looked up by their secret ``X-Channel-Key``."""

    def __init__(self, channels: Mapping[str, ChannelConfig]) -> None:
        self._by_code = dict(channels)
        # Each request's key is compared with every channel's: the keys are encoded once.
        self._keys = [(channel.key.encode(), channel) for channel in self._by_code.values()]

    @property
    def channels(self) -> list[ChannelConfig]:
        """Every configured channel."""
        return list(self._by_code.values())

    def by_code(self, code: str) -> ChannelConfig | None:
        """The channel whose table is ``[channels.<code>]``, or ``None``."""
        return self._by_code.get(code)

    def by_key(self, key: str | None) -> ChannelConfig | None:
        """The channel whose key is ``key`` (compared in constant time), or ``None``."""
        if not key:
            return None
        given = key.encode()
        found: ChannelConfig | None = None
        for secret, channel in self._keys:
            if hmac.compare_digest(secret, given):
                found = channel
        return found


# An origin as browsers send it: scheme, host and an optional port; no path, no trailing slash.
_ORIGIN = re.compile(r"https?://[a-z0-9.\-\[\]:]+")


def _origins_of(code: str, table: Mapping[str, Any]) -> tuple[str, ...]:
    origins = table.get("allowed_origins", [])
    if not isinstance(origins, list) or not all(isinstance(o, str) for o in origins):
        raise ChannelsFileError(f"channel {code!r}: allowed_origins must be a list of strings")
    found: list[str] = []
    for origin in origins:
        normal = origin.strip().lower()
        if normal != "*" and not _ORIGIN.fullmatch(normal):
            raise ChannelsFileError(
                f"channel {code!r}: allowed_origins has {origin!r}; write an origin as a browser"
                ' sends it, scheme, host and port only (https://shop.example.com), or "*"'
            )
        found.append(normal)
    if "*" in found and len(found) > 1:
        raise ChannelsFileError(f'channel {code!r}: allowed_origins "*" stands alone')
    return tuple(found)


def _channel_from_table(code: str, table: Mapping[str, Any]) -> ChannelConfig:
    missing = [f for f in ("key", "price_list", "currency", "locale") if not table.get(f)]
    if missing:
        raise ChannelsFileError(f"channel {code!r} lacks {', '.join(missing)}")
    staff = table.get("staff", False)
    if not isinstance(staff, bool):
        raise ChannelsFileError(f"channel {code!r}: staff must be true or false")
    origins = _origins_of(code, table)
    credentials = table.get("allow_credentials", False)
    if not isinstance(credentials, bool):
        raise ChannelsFileError(f"channel {code!r}: allow_credentials must be true or false")
    if credentials and not origins:
        raise ChannelsFileError(f"channel {code!r}: allow_credentials needs allowed_origins")
    if credentials and origins == ("*",):
        raise ChannelsFileError(
            f'channel {code!r}: allow_credentials needs named origins, not "*" (browsers refuse'
            " credentials to any origin)"
        )
    lead_time = table.get("lead_time_days", 3)
    if not isinstance(lead_time, int) or isinstance(lead_time, bool) or not 1 <= lead_time <= 60:
        raise ChannelsFileError(f"channel {code!r}: lead_time_days must be a whole number, 1 to 60")
    price = str(table.get("delivery_price", "4.90"))
    if not re.fullmatch(r"\d{1,6}(\.\d{1,2})?", price):
        raise ChannelsFileError(f'channel {code!r}: delivery_price must be a decimal, e.g. "4.90"')
    limits = {
        "max_cost": STAFF_MAX_COST if staff else PUBLIC_MAX_COST,
        "rate_limit": STAFF_RATE_LIMIT if staff else PUBLIC_RATE_LIMIT,
        "shopper_rate_limit": SHOPPER_RATE_LIMIT,
        "rate_limit_window_s": RATE_LIMIT_WINDOW_S,
    }
    for name, default in limits.items():
        value = table.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ChannelsFileError(f"channel {code!r}: {name} must be a whole number >= 0")
        limits[name] = value
    if limits["max_cost"] < 1 or limits["rate_limit_window_s"] < 1:
        raise ChannelsFileError(f"channel {code!r}: max_cost and rate_limit_window_s must be >= 1")
    for name in ("rate_limit", "shopper_rate_limit"):
        if 0 < limits[name] < limits["max_cost"]:
            # A request that may cost more than a whole window could never run.
            raise ChannelsFileError(
                f"channel {code!r}: {name} ({limits[name]}) is below max_cost ({limits['max_cost']})"
            )
    return ChannelConfig(
        code=code,
        key=str(table["key"]),
        price_list=str(table["price_list"]),
        currency=str(table["currency"]),
        locale=str(table["locale"]),
        assortment=str(table.get("assortment", code)),
        staff=staff,
        allowed_origins=origins,
        allow_credentials=credentials,
        lead_time_days=lead_time,
        delivery_price=price,
        max_cost=limits["max_cost"],
        rate_limit=limits["rate_limit"],
        shopper_rate_limit=limits["shopper_rate_limit"],
        rate_limit_window_s=limits["rate_limit_window_s"],
        trusted_documents=_flag(code, table, "trusted_documents"),
    )


def _flag(code: str, table: Mapping[str, Any], name: str) -> bool:
    value = table.get(name, False)
    if not isinstance(value, bool):
        raise ChannelsFileError(f"channel {code!r}: {name} must be true or false")
    return value


def parse_channels(text: str) -> ChannelRegistry:
    """Parse a channels file's TOML text."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChannelsFileError(f"channels file is not valid TOML: {exc}") from exc
    tables = document.get("channels")
    if not isinstance(tables, dict) or not tables:
        raise ChannelsFileError("channels file has no [channels.<code>] table")
    channels = {code: _channel_from_table(code, table) for code, table in tables.items()}
    keys = [c.key for c in channels.values()]
    if len(set(keys)) != len(keys):
        raise ChannelsFileError("two channels share one key")
    return ChannelRegistry(channels)


def demo_channels_text() -> str:
    """The channels file shipped with comptoir (its demo channels), as text."""
    return resources.files("comptoir").joinpath("demo/channels.toml").read_text("utf-8")


def load_channels(path: Path | None) -> ChannelRegistry:
    """The channels of ``path``, or the demo channels shipped with comptoir."""
    if path is None:
        text = demo_channels_text()
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ChannelsFileError(f"cannot read channels file {path}: {exc}") from exc
    return parse_channels(text)
