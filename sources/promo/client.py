"""The promotion engine's HTTP call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from comptoir.sources.http import SourceClient
from comptoir.sources.models import validate_items
from comptoir.sources.promo.models import EVALUATED_CART, EvaluatedCart


async def evaluate_cart(client: SourceClient, body: Mapping[str, Any]) -> EvaluatedCart:
    """Price a cart with coupons, automatic promotions and loyalty points (a pure computation)."""
    response = await client.post("/carts/evaluate", body, "carts", idempotency_key=None)
    return validate_items(EVALUATED_CART, [response.body], client.name, "carts")[0]
