"""Generate the dam's documents: images per product and per colour, some videos and documents."""

from __future__ import annotations

import random
from typing import Any

from comptoir.sources.reference.cases import (
    PRODUCT_EXPIRED_ASSET,
    PRODUCT_FULL,
    PRODUCT_RESTRICTED_ASSET,
    PRODUCT_WITHOUT_ASSETS,
)
from comptoir.sources.reference.gen_catalog import LOCALES, Catalog, ProductPlan
from comptoir.sources.reference.vocab import T3, VIEWS

_PAST_EXPIRY = "2025-06-30T23:59:59+00:00"
_FUTURE_EXPIRY = "2028-12-31T23:59:59+00:00"
_VIDEO: T3 = ("video", "vidéo", "Video")
_GUIDE: T3 = (
    "care and size guide",
    "guide d'entretien et des tailles",
    "Pflege- und Größenratgeber",
)


def _alt(noun: T3, suffix: T3, locales: tuple[str, ...]) -> dict[str, str]:
    return {
        loc: f"{noun[i][:1].upper()}{noun[i][1:]}, {suffix[i]}"
        for i, loc in enumerate(LOCALES)
        if loc in locales
    }


def _rights(rng: random.Random) -> dict[str, Any]:
    draw = rng.random()
    if draw < 0.04:
        return {"channels": ["web"], "expires_at": None}
    if draw < 0.06:
        return {"channels": ["web", "app"], "expires_at": None}
    if draw < 0.09:
        return {"channels": None, "expires_at": _PAST_EXPIRY}
    if draw < 0.12:
        return {"channels": None, "expires_at": _FUTURE_EXPIRY}
    return {"channels": None, "expires_at": None}


class _AssetWriter:
    """Numbers assets and builds their documents."""

    def __init__(self) -> None:
        self.assets: list[dict[str, Any]] = []

    def add(
        self,
        plan: ProductPlan,
        kind: str,
        alt: dict[str, str],
        position: int,
        rights: dict[str, Any],
        variant_sku: str | None = None,
    ) -> None:
        number = len(self.assets) + 1
        extension, mime, width, height = {
            "image": ("jpg", "image/jpeg", 2000, 2500),
            "video": ("mp4", "video/mp4", 1920, 1080),
            "document": ("pdf", "application/pdf", None, None),
        }[kind]
        self.assets.append(
            {
                "id": f"A-{number}",
                "product_id": plan.id,
                "variant_sku": variant_sku,
                "kind": kind,
                "url": f"https://cdn.example.com/a/{number}.{extension}",
                "mime_type": mime,
                "width": width,
                "height": height,
                "alt": alt,
                "position": position,
                "rights": rights,
                "updated_at": plan.updated_at,
            }
        )


def generate_assets(catalog: Catalog, seed: int) -> list[dict[str, Any]]:
    """Every asset of every product, numbered A-1, A-2… in product order."""
    rng = random.Random(f"{seed}:assets")
    writer = _AssetWriter()
    open_rights: dict[str, Any] = {"channels": None, "expires_at": None}
    for plan in catalog.plans:
        if plan.id == PRODUCT_WITHOUT_ASSETS:
            continue
        forced = plan.id in (PRODUCT_FULL, PRODUCT_EXPIRED_ASSET, PRODUCT_RESTRICTED_ASSET)
        position = 0
        for view in range(rng.randint(2, 4)):
            position += 1
            rights = dict(open_rights) if forced else _rights(rng)
            if view == 1 and plan.id == PRODUCT_EXPIRED_ASSET:
                rights = {"channels": None, "expires_at": _PAST_EXPIRY}
            if view == 1 and plan.id == PRODUCT_RESTRICTED_ASSET:
                rights = {"channels": ["web"], "expires_at": None}
            writer.add(plan, "image", _alt(plan.noun, VIEWS[view], plan.locales), position, rights)
        for skus in plan.colour_skus.values():
            for view in range(rng.randint(1, 2)):
                position += 1
                writer.add(
                    plan,
                    "image",
                    _alt(plan.noun, VIEWS[view], plan.locales),
                    position,
                    dict(open_rights) if forced else _rights(rng),
                    variant_sku=skus[0],
                )
        if plan.id == PRODUCT_FULL or rng.random() < 0.12:
            position += 1
            writer.add(
                plan,
                "video",
                _alt(plan.noun, _VIDEO, plan.locales),
                position,
                dict(open_rights) if forced else _rights(rng),
            )
        if plan.id == PRODUCT_FULL or rng.random() < 0.15:
            position += 1
            writer.add(
                plan, "document", _alt(plan.noun, _GUIDE, plan.locales), position, dict(open_rights)
            )
    return writer.assets
