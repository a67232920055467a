"""The promotion engine's JSON: an evaluated cart."""

from __future__ import annotations

from typing import NotRequired

from comptoir.sources.models import DecimalString
from pydantic import TypeAdapter
from typing_extensions import TypedDict


class EvaluatedLine(TypedDict):
    """A cart line with its discount."""

    sku: str
    quantity: int
    unit_price: DecimalString
    discount: DecimalString
    total: DecimalString


class AppliedPromotion(TypedDict):
    """A promotion the engine applied."""

    id: str
    label: str
    amount: DecimalString


class EvaluatedTotals(TypedDict):
    """The cart's amounts."""

    subtotal: DecimalString
    discount: DecimalString
    grand_total: DecimalString


class EvaluatedCart(TypedDict):
    """``POST /carts/evaluate``'s answer."""

    lines: list[EvaluatedLine]
    promotions: list[AppliedPromotion]
    totals: EvaluatedTotals
    loyalty_points: int
    rejected_coupons: NotRequired[list[str]]


EVALUATED_CART = TypeAdapter(list[EvaluatedCart])
