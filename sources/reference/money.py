"""Decimal money helpers: amounts travel as strings with two decimals, never floats."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
VAT_RATE = Decimal("0.20")

_DECIMAL_RE = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")


def to_cents(value: Decimal) -> Decimal:
    """Round half up to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """Format an amount as a two-decimal string (``"129.90"``)."""
    return f"{to_cents(value):.2f}"


def parse_amount(text: str, *, allow_negative: bool = False) -> Decimal:
    """Parse a decimal money string; ``ValueError`` when it is not one."""
    if not isinstance(text, str) or not _DECIMAL_RE.match(text):
        raise ValueError(f"not a decimal amount string: {text!r}")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards
        raise ValueError(f"not a decimal amount string: {text!r}") from exc
    if value < 0 and not allow_negative:
        raise ValueError(f"negative amount: {text!r}")
    return value


def included_vat(gross: Decimal, rate: Decimal = VAT_RATE) -> Decimal:
    """The VAT included in a gross amount (20 %: gross / 6), rounded to cents."""
    return to_cents(gross * rate / (1 + rate))
