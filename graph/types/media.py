"""Media: images, videos and documents from the DAM."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from comptoir.graph.context import scope_of
from comptoir.resolvers.localization import pick_text
from comptoir.sources.dam.models import AssetDoc
from strawberry.types import Info


@strawberry.enum(description="What a media file is.")
class MediaKind(enum.Enum):
    """The DAM's asset kinds."""

    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"


@strawberry.type(description="An image, video or document this channel may show.")
class Media:
    """A DAM asset whose rights allow the channel and have not expired."""

    doc: strawberry.Private[AssetDoc]

    @strawberry.field(description="The DAM's asset id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["id"])

    @strawberry.field(description="Image, video or document.")
    def kind(self) -> MediaKind:
        return MediaKind(self.doc["kind"])

    @strawberry.field(description="Where the file is served (a CDN URL).")
    def url(self) -> str:
        return self.doc["url"]

    @strawberry.field(description="The file's MIME type, e.g. image/jpeg.")
    def mime_type(self) -> str | None:
        return self.doc.get("mime_type")

    @strawberry.field(description="Width in pixels (images and videos).")
    def width(self) -> int | None:
        return self.doc.get("width")

    @strawberry.field(description="Height in pixels (images and videos).")
    def height(self) -> int | None:
        return self.doc.get("height")

    @strawberry.field(
        description="Alternative text, in `locale` or the channel's locale (with fallback)."
    )
    def alt(self, info: Info[Any, Any], locale: str | None = strawberry.UNSET) -> str | None:
        return pick_text(self.doc.get("alt"), locale, scope_of(info).channel.locale)


def media_list(assets: list[AssetDoc]) -> list[Media]:
    """Media objects of allowed assets, in the order given."""
    return [Media(doc=a) for a in assets]
