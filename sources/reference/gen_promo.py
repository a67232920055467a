"""Generate the promotion engine's data: promotion rules and each sku's categories."""

from __future__ import annotations

from typing import Any

from comptoir.sources.reference.gen_catalog import Catalog
from comptoir.sources.reference.vocab import CATEGORIES

PROMOTIONS: tuple[dict[str, Any], ...] = (
    {
        "id": "PR-1",
        "label": "10% with WELCOME10",
        "coupon_code": "WELCOME10",
        "kind": "percent_off",
        "percent": "10",
        "category_ids": None,
        "channels": None,
        "min_subtotal": None,
        "valid_from": "2024-01-01T00:00:00+00:00",
        "valid_to": None,
    },
    {
        "id": "PR-2",
        "label": "Free shipping with FREESHIP",
        "coupon_code": "FREESHIP",
        "kind": "free_shipping",
        "category_ids": None,
        "channels": None,
        "min_subtotal": None,
        "valid_from": "2024-01-01T00:00:00+00:00",
        "valid_to": None,
    },
    {
        "id": "PR-3",
        "label": "15 € off from 100 € with MERCI15",
        "coupon_code": "MERCI15",
        "kind": "amount_off",
        "amount": "15.00",
        "currency": "EUR",
        "category_ids": None,
        "channels": None,
        "min_subtotal": "100.00",
        "valid_from": "2025-01-01T00:00:00+00:00",
        "valid_to": None,
    },
    {
        "id": "PR-4",
        "label": "15% with SUMMER24",
        "coupon_code": "SUMMER24",
        "kind": "percent_off",
        "percent": "15",
        "category_ids": None,
        "channels": None,
        "min_subtotal": None,
        "valid_from": "2024-06-01T00:00:00+00:00",
        "valid_to": "2024-09-01T00:00:00+00:00",
    },
    {
        "id": "PR-5",
        "label": "5% in the app with APPLI5",
        "coupon_code": "APPLI5",
        "kind": "percent_off",
        "percent": "5",
        "category_ids": None,
        "channels": ["app"],
        "min_subtotal": None,
        "valid_from": "2024-01-01T00:00:00+00:00",
        "valid_to": None,
    },
    {
        "id": "PR-10",
        "label": "20% off knitwear",
        "coupon_code": None,
        "kind": "percent_off",
        "percent": "20",
        "category_ids": ["C-knitwear", "C-mens-knitwear"],
        "channels": None,
        "min_subtotal": None,
        "valid_from": "2026-10-01T00:00:00+00:00",
        "valid_to": "2031-01-01T00:00:00+00:00",
    },
    {
        "id": "PR-11",
        "label": "Socks: buy 3, pay 2",
        "coupon_code": None,
        "kind": "buy_x_pay_y",
        "buy": 3,
        "pay": 2,
        "category_ids": ["C-socks"],
        "channels": None,
        "min_subtotal": None,
        "valid_from": "2026-01-01T00:00:00+00:00",
        "valid_to": None,
    },
    {
        "id": "PR-12",
        "label": "Spring home week: 15% off home",
        "coupon_code": None,
        "kind": "percent_off",
        "percent": "15",
        "category_ids": ["C-home"],
        "channels": None,
        "min_subtotal": None,
        "valid_from": "2028-03-01T00:00:00+00:00",
        "valid_to": "2028-03-08T00:00:00+00:00",
    },
    {
        "id": "PR-13",
        "label": "Winter sale: 30% off jackets",
        "coupon_code": None,
        "kind": "percent_off",
        "percent": "30",
        "category_ids": ["C-jackets"],
        "channels": None,
        "min_subtotal": None,
        "valid_from": "2025-01-08T00:00:00+00:00",
        "valid_to": "2025-02-05T00:00:00+00:00",
    },
)
"""Coupons PR-1…PR-5 and automatic promotions PR-10…PR-13 (PR-12 future, PR-13 ended)."""


def category_ancestry() -> dict[str, list[str]]:
    """Each category with its ancestors, itself first."""
    parent = {cid: parent_id for cid, parent_id, _ in CATEGORIES}
    out: dict[str, list[str]] = {}
    for cid in parent:
        chain: list[str] = []
        node: str | None = cid
        while node is not None:
            chain.append(node)
            node = parent[node]
        out[cid] = chain
    return out


def sku_categories(catalog: Catalog) -> list[tuple[str, str, list[str]]]:
    """``(sku, product id, categories with ancestors)`` of every sku."""
    ancestry = category_ancestry()
    rows: list[tuple[str, str, list[str]]] = []
    for plan in catalog.plans:
        categories = list(dict.fromkeys(c for cid in plan.category_ids for c in ancestry[cid]))
        rows.extend((sku, plan.id, categories) for sku in plan.skus)
    return rows
