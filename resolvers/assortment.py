"""What a channel may show: active products of its assortment, and media it has the rights to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from comptoir.resolvers.pricing import parse_time
from comptoir.sources.dam.models import AssetDoc
from comptoir.sources.pim.models import ProductDoc


def is_shown(product: ProductDoc | None, assortment: str) -> bool:
    """An ``active`` product whose ``channels`` include the channel's assortment code."""
    return (
        product is not None and product["status"] == "active" and assortment in product["channels"]
    )


def media_allowed(asset: AssetDoc, assortment: str, now: datetime) -> bool:
    """The asset's rights allow this channel (null: every channel) and have not expired."""
    rights = asset["rights"]
    channels = rights.get("channels")
    if channels is not None and assortment not in channels:
        return False
    expires = parse_time(rights.get("expires_at"))
    return expires is None or now < expires


def next_rights_change(assets: Iterable[AssetDoc], now: datetime) -> datetime | None:
    """The next time an asset's rights expire: the media a channel may show change then."""
    soonest: datetime | None = None
    for asset in assets:
        expires = parse_time(asset["rights"].get("expires_at"))
        if expires is not None and expires > now and (soonest is None or expires < soonest):
            soonest = expires
    return soonest


def _position(asset: AssetDoc) -> tuple[int, str]:
    position = asset.get("position")
    return (position if position is not None else 1_000_000, asset["id"])


def product_media(assets: Iterable[AssetDoc], assortment: str, now: datetime) -> list[AssetDoc]:
    """Every allowed asset of a product (variant ones too), by position."""
    return sorted((a for a in assets if media_allowed(a, assortment, now)), key=_position)


def media_of_variant(allowed: list[AssetDoc], sku: str) -> list[AssetDoc]:
    """Of a product's allowed assets by position, the variant's own, then the product-level ones."""
    own = [a for a in allowed if a.get("variant_sku") == sku]
    return own + [a for a in allowed if not a.get("variant_sku")]


def variant_media(
    assets: Iterable[AssetDoc], sku: str, assortment: str, now: datetime
) -> list[AssetDoc]:
    """The variant's own allowed assets, then the product-level ones, each by position."""
    return media_of_variant(product_media(assets, assortment, now), sku)
