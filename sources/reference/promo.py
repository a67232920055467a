"""The reference promotion engine: ``POST /carts/evaluate``, a pure computation (no key)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from comptoir.sources.reference.crm import Text
from comptoir.sources.reference.db import Database
from comptoir.sources.reference.engine import CartLine, evaluate, response_document
from comptoir.sources.reference.oms import Amount
from comptoir.sources.reference.scale import iso
from comptoir.sources.reference.storage import dumps
from comptoir.sources.reference.web import (
    SourceParts,
    Worker,
    json_text_response,
    parse_json,
    placeholders,
    validate,
)
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class CartLineIn(BaseModel):
    """A line of the cart to evaluate."""

    sku: Text
    quantity: Annotated[int, Field(strict=True, ge=1, le=10_000)]
    unit_price: Amount


class Cart(BaseModel):
    """The body of ``POST /carts/evaluate``."""

    channel: Text
    customer_id: Text | None = None
    currency: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$")]
    coupon_codes: Annotated[
        list[Annotated[str, Field(strict=True, max_length=64)]], Field(max_length=20)
    ] = Field(default_factory=list)
    lines: Annotated[list[CartLineIn], Field(max_length=500)]


def build(data_dir: Path, worker: Worker) -> SourceParts:
    """The promotion engine's routes over ``<data_dir>/promo.sqlite``."""
    db = Database(data_dir / "promo.sqlite")

    def run(payload: Any) -> Response:
        cart = validate(Cart, payload)
        skus = list(dict.fromkeys(line.sku for line in cart.lines))
        with db.connection() as conn:
            promotions = [json.loads(row[0]) for row in conn.execute("SELECT doc FROM promotions")]
            categories = (
                dict(
                    conn.execute(
                        "SELECT sku, category_ids FROM sku_categories"
                        f" WHERE sku IN ({placeholders(len(skus))})",
                        skus,
                    ).fetchall()
                )
                if skus
                else {}
            )
        lines = [
            CartLine(
                line.sku,
                line.quantity,
                Decimal(line.unit_price),
                frozenset(json.loads(categories.get(line.sku, "[]"))),
            )
            for line in cart.lines
        ]
        automatic = [p for p in promotions if p["coupon_code"] is None]
        coupons = {p["coupon_code"]: p for p in promotions if p["coupon_code"] is not None}
        result = evaluate(
            lines,
            automatic,
            coupons,
            cart.coupon_codes,
            channel=cart.channel,
            currency=cart.currency,
            now=iso(datetime.now(UTC)),
        )
        return json_text_response(dumps(response_document(result)))

    async def evaluate_cart(request: Request) -> Response:
        payload = parse_json(await request.body())
        return await worker.run(run, payload)

    return SourceParts([Route("/carts/evaluate", evaluate_cart, methods=["POST"])], [db])
