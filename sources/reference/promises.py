"""``POST /promises`` of the reference oms: the request, the erp's stock and locations, the answer.

The rules live in :mod:`~comptoir.sources.reference.allocation`; this module
checks the request and reads what the engine needs, as an oms would ask the
erp (stock, locations) and the pim (which skus exist), here from their files
in the same data directory.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from comptoir.sources.reference.allocation import Destination, Engine, Stock, merge_lines
from comptoir.sources.reference.clock import Clock
from comptoir.sources.reference.crm import Text
from comptoir.sources.reference.db import Database
from comptoir.sources.reference.storage import dumps
from comptoir.sources.reference.web import (
    Id,
    RequestRefused,
    json_text_response,
    placeholders,
    validate,
)
from pydantic import BaseModel, Field, field_validator, model_validator
from starlette.responses import Response


class PromiseLineIn(BaseModel):
    """A line to promise: a sku and 1 to 99 units."""

    sku: Id  # any length: a sku the pim does not know is unknown_sku, not a bad request
    quantity: Annotated[int, Field(strict=True, ge=1, le=99)]


class DestinationIn(BaseModel):
    """Where to deliver: a country, and a postal code or both coordinates."""

    country: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z]{2}$")]
    postal_code: Annotated[str, Field(strict=True, min_length=1, max_length=20)] | None = None
    latitude: Annotated[float, Field(strict=True, ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(strict=True, ge=-180, le=180)] | None = None

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _located(self) -> DestinationIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.postal_code is None and self.latitude is None:
            raise ValueError("give a postal_code or coordinates")
        return self


class PromiseRequest(BaseModel):
    """The body of ``POST /promises``."""

    channel: Text
    lines: Annotated[list[PromiseLineIn], Field(min_length=1, max_length=500)]
    destination: DestinationIn


class Promiser:
    """Answers ``POST /promises`` from the erp's and the pim's files, at the clock's time."""

    def __init__(self, erp: Database | None, pim: Database | None, clock: Clock) -> None:
        self.erp = erp
        self.pim = pim
        self.clock = clock

    def answer(self, payload: Any) -> Response:
        """The promise for ``payload``; 400 ``invalid_body`` for a request the contract refuses."""
        body = validate(PromiseRequest, payload)
        if self.erp is None or self.pim is None:
            raise RequestRefused(
                503, "unavailable", "the oms cannot reach the erp's stock or the pim"
            )
        lines = merge_lines((line.sku, line.quantity) for line in body.lines)
        skus = [line.sku for line in lines]
        marks = placeholders(len(skus))
        with self.pim.connection() as conn:
            known = {
                row[0]
                for row in conn.execute(f"SELECT id FROM variants WHERE id IN ({marks})", skus)
            }
        with self.erp.connection() as conn:
            stock = [
                json.loads(row[0])
                for row in conn.execute(f"SELECT doc FROM stock WHERE sku IN ({marks})", skus)
            ]
            locations = [json.loads(row[0]) for row in conn.execute("SELECT doc FROM locations")]
        target = body.destination
        destination = Destination(
            target.country, target.postal_code, target.latitude, target.longitude
        )
        engine = Engine(destination, locations, Stock(stock), self.clock())
        return json_text_response(dumps(engine.promise(lines, known)))
