"""The DAM's JSON: assets and their usage rights."""

from __future__ import annotations

from typing import Literal, NotRequired

from comptoir.sources.models import LocalizedText
from pydantic import TypeAdapter
from typing_extensions import TypedDict


class AssetRights(TypedDict):
    """Where and until when an asset may be shown."""

    channels: list[str] | None
    expires_at: str | None


class AssetDoc(TypedDict):
    """An image, video or document of a product (or of one of its variants)."""

    id: str
    product_id: str
    variant_sku: NotRequired[str | None]
    kind: Literal["image", "video", "document"]
    url: str
    mime_type: NotRequired[str | None]
    width: NotRequired[int | None]
    height: NotRequired[int | None]
    alt: NotRequired[LocalizedText | None]
    position: NotRequired[int | None]
    rights: AssetRights
    updated_at: NotRequired[str]


ASSETS = TypeAdapter(list[AssetDoc])
