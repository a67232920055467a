"""What a channel may show: active products of its assortment, media it has the rights to."""

from __future__ import annotations

from typing import Any

from comptoir.resolvers.assortment import is_shown, product_media, variant_media

from tests.resolvers.fakes import NOW, product


def asset(asset_id: str, position: int | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": asset_id,
        "product_id": "P",
        "kind": "image",
        "url": f"https://cdn.test/{asset_id}.jpg",
        "position": position,
        "rights": {"channels": None, "expires_at": None},
        **extra,
    }


def test_only_active_products_of_the_assortment_are_shown() -> None:
    assert is_shown(product("P", channels=("web",)), "web")  # type: ignore[arg-type]
    assert not is_shown(product("P", channels=("store",)), "web")  # type: ignore[arg-type]
    assert not is_shown(product("P", status="draft"), "web")  # type: ignore[arg-type]
    assert not is_shown(None, "web")


def test_media_respect_channel_rights_and_expiry_in_position_order() -> None:
    assets: Any = [
        asset("last", None),
        asset("second", 2),
        asset("first", 1),
        asset("store-only", 0, rights={"channels": ["store"], "expires_at": None}),
        asset("expired", 0, rights={"channels": None, "expires_at": "2026-01-01T00:00:00+00:00"}),
    ]
    assert [a["id"] for a in product_media(assets, "web", NOW)] == ["first", "second", "last"]


def test_a_variants_own_media_come_before_the_products() -> None:
    assets: Any = [
        asset("shared", 1),
        asset("teal", 2, variant_sku="V-TEAL"),
        asset("navy", 1, variant_sku="V-NAVY"),
    ]
    assert [a["id"] for a in variant_media(assets, "V-TEAL", "web", NOW)] == ["teal", "shared"]
