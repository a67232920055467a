"""The ERP's JSON: price rows, stock rows and locations."""

from __future__ import annotations

from typing import Literal, NotRequired

from comptoir.sources.models import DecimalString
from pydantic import TypeAdapter
from typing_extensions import TypedDict


class PriceRow(TypedDict):
    """One price of a sku on a price list, valid over a window."""

    sku: str
    price_list: str
    currency: str
    amount: DecimalString
    compare_at: NotRequired[DecimalString | None]
    valid_from: str | None
    valid_to: str | None


class StockRow(TypedDict):
    """Stock of a sku at one location."""

    sku: str
    location_id: str
    on_hand: int
    reserved: int
    updated_at: NotRequired[str]


class LocationDoc(TypedDict):
    """A warehouse or a store."""

    id: str
    kind: Literal["warehouse", "store"]
    name: str
    city: NotRequired[str | None]
    postal_code: NotRequired[str | None]
    country: NotRequired[str | None]
    latitude: float
    longitude: float
    ship_from: bool
    click_and_collect: bool
    accepts_returns: NotRequired[bool]
    updated_at: NotRequired[str]


PRICES = TypeAdapter(list[PriceRow])
STOCK = TypeAdapter(list[StockRow])
LOCATIONS = TypeAdapter(list[LocationDoc])
