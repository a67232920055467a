"""Media: images, videos and documents from the DAM."""

from __future__ import annotations

import enum

import strawberry
from comptoir.graph.context import GraphInfo, scope_of
from comptoir.graph.fields import field
from comptoir.resolvers.localization import pick_text
from comptoir.sources.dam.models import AssetDoc


@strawberry.enum(description="What a media file is.")
class MediaKind(enum.Enum):
    """The DAM's asset kinds."""

    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"


_KINDS = {kind.value: kind for kind in MediaKind}


@strawberry.type(description="An image, video or document this channel may show.")
class Media:
    """A DAM asset whose rights allow the channel and have not expired.

    Built from the loaded document: its argument-free fields are plain
    attributes, read without a resolver call.
    """

    doc: strawberry.Private[AssetDoc]
    id: strawberry.ID = strawberry.field(description="The DAM's asset id.")
    kind: MediaKind = strawberry.field(description="Image, video or document.")
    url: str = strawberry.field(description="Where the file is served (a CDN URL).")
    mime_type: str | None = strawberry.field(description="The file's MIME type, e.g. image/jpeg.")
    width: int | None = strawberry.field(description="Width in pixels (images and videos).")
    height: int | None = strawberry.field(description="Height in pixels (images and videos).")

    def __init__(self, doc: AssetDoc) -> None:
        self.doc = doc
        self.id = strawberry.ID(doc["id"])
        self.kind = _KINDS[doc["kind"]]
        self.url = doc["url"]
        self.mime_type = doc.get("mime_type")
        self.width = doc.get("width")
        self.height = doc.get("height")

    @field(description="Alternative text, in `locale` or the channel's locale (with fallback).")
    def alt(self, info: GraphInfo, locale: str | None = strawberry.UNSET) -> str | None:
        return pick_text(self.doc.get("alt"), locale, scope_of(info).channel.locale)


def media_list(assets: list[AssetDoc]) -> list[Media]:
    """Media objects of allowed assets, in the order given."""
    return [Media(a) for a in assets]
