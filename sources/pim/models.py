"""The PIM's JSON: products, variants and categories."""

from __future__ import annotations

from typing import Literal, NotRequired

from comptoir.sources.models import LocalizedText
from pydantic import TypeAdapter
from typing_extensions import TypedDict


class ProductDoc(TypedDict):
    """A product model (a style, sold in variants)."""

    id: str
    status: Literal["active", "draft", "discontinued"]
    name: LocalizedText
    description: NotRequired[LocalizedText | None]
    brand: NotRequired[str | None]
    category_ids: list[str]
    attributes: NotRequired[dict[str, LocalizedText]]
    variant_skus: list[str]
    channels: list[str]
    updated_at: NotRequired[str]


class VariantOptions(TypedDict, total=False):
    """A variant's options: localized colour, colour code, size."""

    color: LocalizedText
    color_code: str
    size: str


class VariantDoc(TypedDict):
    """A sellable unit."""

    id: str
    product_id: str
    gtin: NotRequired[str | None]
    options: VariantOptions
    updated_at: NotRequired[str]


class CategoryDoc(TypedDict):
    """A node of the category tree."""

    id: str
    parent_id: str | None
    name: LocalizedText
    updated_at: NotRequired[str]


PRODUCTS = TypeAdapter(list[ProductDoc])
VARIANTS = TypeAdapter(list[VariantDoc])
CATEGORIES = TypeAdapter(list[CategoryDoc])
