"""The promotion engine's arithmetic: automatic promotions, then coupons, line by line.

Deterministic: automatic promotions apply in id order, then coupons in the
order given; each promotion discounts what the previous ones left, so a
line's discount never exceeds its amount. Amounts round half up to cents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from math import floor
from typing import Any

from comptoir.sources.reference.money import ZERO, fmt, to_cents


@dataclass
class CartLine:
    """A cart line being discounted."""

    sku: str
    quantity: int
    unit_price: Decimal
    categories: frozenset[str]
    discount: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        """Unit price times quantity."""
        return self.unit_price * self.quantity

    @property
    def net(self) -> Decimal:
        """What is left to pay for the line."""
        return self.gross - self.discount


@dataclass
class Evaluation:
    """The outcome of one cart evaluation."""

    lines: list[CartLine]
    applied: list[dict[str, object]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def is_live(promotion: dict[str, Any], now: str, channel: str) -> bool:
    """Whether ``promotion`` is valid at ``now`` (ISO, UTC) on ``channel``."""
    if promotion["valid_from"] > now or (
        promotion["valid_to"] is not None and promotion["valid_to"] <= now
    ):
        return False
    return promotion["channels"] is None or channel in promotion["channels"]


def _eligible(promotion: dict[str, Any], lines: list[CartLine]) -> list[CartLine]:
    scope = promotion.get("category_ids")
    return [line for line in lines if scope is None or line.categories & set(scope)]


def _percent(promotion: dict[str, Any], lines: list[CartLine]) -> Decimal:
    rate = Decimal(promotion["percent"]) / 100
    total = ZERO
    for line in lines:
        cut = min(line.net, to_cents(line.net * rate))
        line.discount += cut
        total += cut
    return total


def _amount(promotion: dict[str, Any], lines: list[CartLine]) -> Decimal:
    base = sum((line.net for line in lines), ZERO)
    off = min(Decimal(promotion["amount"]), base)
    if off <= 0:
        return ZERO
    left = off
    payable = [line for line in lines if line.net > 0]
    for index, line in enumerate(payable):
        cut = left if index == len(payable) - 1 else min(line.net, to_cents(off * line.net / base))
        line.discount += cut
        left -= cut
    return off


def _buy_x_pay_y(promotion: dict[str, Any], lines: list[CartLine]) -> Decimal:
    buy, pay = int(promotion["buy"]), int(promotion["pay"])
    units = sorted(
        (line.unit_price, index) for index, line in enumerate(lines) for _ in range(line.quantity)
    )
    free = len(units) // buy * (buy - pay)
    cuts: dict[int, Decimal] = {}
    for price, index in units[:free]:  # the cheapest units are free
        cuts[index] = cuts.get(index, ZERO) + price
    total = ZERO
    for index, cut in cuts.items():
        cut = min(cut, lines[index].net)
        lines[index].discount += cut
        total += cut
    return total


def _apply(promotion: dict[str, Any], lines: list[CartLine]) -> Decimal:
    kind = promotion["kind"]
    eligible = _eligible(promotion, lines)
    if kind == "percent_off":
        return _percent(promotion, eligible)
    if kind == "amount_off":
        return _amount(promotion, eligible)
    if kind == "buy_x_pay_y":
        return _buy_x_pay_y(promotion, eligible)
    return ZERO  # free_shipping: no line discount


def _conditions_met(promotion: dict[str, Any], lines: list[CartLine], currency: str) -> bool:
    subtotal = sum((line.gross for line in lines), ZERO)
    if promotion.get("min_subtotal") is not None and subtotal < Decimal(promotion["min_subtotal"]):
        return False
    return promotion["kind"] != "amount_off" or promotion.get("currency") == currency


def evaluate(
    lines: list[CartLine],
    automatic: list[dict[str, Any]],
    coupons: dict[str, dict[str, Any]],
    codes: list[str],
    *,
    channel: str,
    currency: str,
    now: str,
) -> Evaluation:
    """Apply live automatic promotions, then coupons ``codes`` (unknown or unusable: rejected)."""
    result = Evaluation(lines)
    for promotion in sorted(automatic, key=lambda p: (len(p["id"]), p["id"])):
        if is_live(promotion, now, channel) and _conditions_met(promotion, lines, currency):
            amount = _apply(promotion, lines)
            if amount > 0:
                result.applied.append(
                    {"id": promotion["id"], "label": promotion["label"], "amount": fmt(amount)}
                )
    seen: set[str] = set()
    for code in codes:
        key = code.strip().upper()
        if key in seen:
            continue
        seen.add(key)
        coupon = coupons.get(key)
        if (
            coupon is None
            or not is_live(coupon, now, channel)
            or not _conditions_met(coupon, lines, currency)
        ):
            result.rejected.append(code)
            continue
        entry: dict[str, object] = {
            "id": coupon["id"],
            "label": coupon["label"],
            "amount": fmt(_apply(coupon, lines)),
        }
        if coupon["kind"] == "free_shipping":
            entry["free_shipping"] = True
        result.applied.append(entry)
    return result


def response_document(result: Evaluation) -> dict[str, object]:
    """The body of ``POST /carts/evaluate``."""
    subtotal = sum((line.gross for line in result.lines), ZERO)
    discount = sum((line.discount for line in result.lines), ZERO)
    grand = subtotal - discount
    return {
        "lines": [
            {
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": fmt(line.unit_price),
                "discount": fmt(line.discount),
                "total": fmt(line.net),
            }
            for line in result.lines
        ],
        "promotions": result.applied,
        "totals": {"subtotal": fmt(subtotal), "discount": fmt(discount), "grand_total": fmt(grand)},
        "loyalty_points": floor(grand),
        "rejected_coupons": result.rejected,
    }
