"""Sales channels: who is asking, which price list, locale and assortment apply (the channels file)."""

from __future__ import annotations

import hmac
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


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


class ChannelRegistry:
    """The configured channels, looked up by their secret ``X-Channel-Key``."""

    def __init__(self, channels: Mapping[str, ChannelConfig]) -> None:
        self._by_code = dict(channels)

    @property
    def channels(self) -> list[ChannelConfig]:
        """Every configured channel."""
        return list(self._by_code.values())

    def by_key(self, key: str | None) -> ChannelConfig | None:
        """The channel whose key is ``key`` (compared in constant time), or ``None``."""
        if not key:
            return None
        found: ChannelConfig | None = None
        for channel in self._by_code.values():
            if hmac.compare_digest(channel.key.encode(), key.encode()):
                found = channel
        return found


def _channel_from_table(code: str, table: Mapping[str, Any]) -> ChannelConfig:
    missing = [f for f in ("key", "price_list", "currency", "locale") if not table.get(f)]
    if missing:
        raise ChannelsFileError(f"channel {code!r} lacks {', '.join(missing)}")
    staff = table.get("staff", False)
    if not isinstance(staff, bool):
        raise ChannelsFileError(f"channel {code!r}: staff must be true or false")
    return ChannelConfig(
        code=code,
        key=str(table["key"]),
        price_list=str(table["price_list"]),
        currency=str(table["currency"]),
        locale=str(table["locale"]),
        assortment=str(table.get("assortment", code)),
        staff=staff,
    )


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


def load_channels(path: Path | None) -> ChannelRegistry:
    """The channels of ``path``, or the demo channels shipped with comptoir."""
    if path is None:
        text = resources.files("comptoir").joinpath("demo/channels.toml").read_text("utf-8")
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ChannelsFileError(f"cannot read channels file {path}: {exc}") from exc
    return parse_channels(text)
