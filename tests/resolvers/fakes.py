"""Sources faked with ``httpx.MockTransport``, and a request scope over them.

No server runs here: :class:`FakeSources` answers the contract's reads
(``SOURCES.md``) from documents a test puts in it, and counts what it is
asked, so that a resolver's joins and rules are tested as plain functions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from comptoir.cache.memory import MemoryCache
from comptoir.cache.policy import FreshnessPolicy
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.http import SourceClient
from comptoir.sources.loaders import Loaders
from comptoir.sources.registry import SOURCES, SourceSet
from comptoir.sources.upstream import HttpxUpstream

from comptoir.breaker import CircuitBreaker
from comptoir.channels import ChannelConfig

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
WEB = ChannelConfig("web", "web-key", "EUR-WEB", "EUR", "en", "web")
TABLET = ChannelConfig("tablet", "tablet-key", "EUR-STORE", "EUR", "fr", "store", staff=True)

Doc = dict[str, Any]


def product(product_id: str, *skus: str, channels: tuple[str, ...] = ("web",), **extra: Any) -> Doc:
    """A PIM product, active on ``channels``."""
    return {
        "id": product_id,
        "status": "active",
        "name": {"en": f"Product {product_id}", "fr": f"Produit {product_id}"},
        "category_ids": [],
        "variant_skus": list(skus),
        "channels": list(channels),
        **extra,
    }


def variant(sku: str, product_id: str, size: str = "M") -> Doc:
    """A PIM variant."""
    return {"id": sku, "product_id": product_id, "options": {"size": size}}


def price(sku: str, amount: str, price_list: str = "EUR-WEB", **extra: Any) -> Doc:
    """An ERP price row valid since 2026-01-01."""
    return {
        "sku": sku,
        "price_list": price_list,
        "currency": "EUR",
        "amount": amount,
        "valid_from": "2026-01-01T00:00:00+00:00",
        "valid_to": None,
        **extra,
    }


def stock(sku: str, location_id: str, on_hand: int, reserved: int = 0) -> Doc:
    """An ERP stock row."""
    return {"sku": sku, "location_id": location_id, "on_hand": on_hand, "reserved": reserved}


def location(location_id: str, kind: str = "warehouse", **extra: Any) -> Doc:
    """An ERP location (a warehouse ships, a store does click and collect)."""
    return {
        "id": location_id,
        "kind": kind,
        "name": location_id,
        "latitude": 48.87,
        "longitude": 2.33,
        "ship_from": kind == "warehouse",
        "click_and_collect": kind == "store",
        **extra,
    }


@dataclass
class FakeSources:
    """The contract's reads answered from documents, and a promotion engine; counts requests."""

    products: dict[str, Doc] = field(default_factory=dict)
    variants: dict[str, Doc] = field(default_factory=dict)
    prices: list[Doc] = field(default_factory=list)
    stock: list[Doc] = field(default_factory=list)
    locations: list[Doc] = field(default_factory=list)
    assets: list[Doc] = field(default_factory=list)
    down: set[str] = field(default_factory=set)
    promotions: Callable[[Doc], Doc] | None = None
    asked: Counter[str] = field(default_factory=Counter)

    def add(self, doc: Doc, *variants: Doc) -> None:
        """A product and its variants."""
        self.products[doc["id"]] = doc
        for found in variants:
            self.variants[found["id"]] = found

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as the source named by its host would."""
        source = request.url.host.split(".")[0]
        path = request.url.path
        self.asked[f"{source}{path}"] += 1
        if source in self.down:
            return httpx.Response(503, json={"error": "down", "message": "down"})
        params = request.url.params
        ids = params.get("ids") or params.get("skus") or params.get("product_ids") or ""
        wanted = set(ids.split(",")) if ids else set()
        items: list[Doc]
        match source, path:
            case "pim", "/products":
                items = [self.products[i] for i in wanted if i in self.products]
            case "pim", "/variants":
                items = [self.variants[i] for i in wanted if i in self.variants]
            case "erp", "/prices":
                items = [row for row in self.prices if row["sku"] in wanted]
            case "erp", "/stock":
                items = [row for row in self.stock if row["sku"] in wanted]
            case "erp", "/locations":
                items = self.locations
            case "dam", "/assets":
                items = [a for a in self.assets if a["product_id"] in wanted]
            case "promo", "/carts/evaluate":
                assert self.promotions is not None, "no promotion engine in this test"
                return httpx.Response(200, json=self.promotions(json.loads(request.content)))
            case _:
                return httpx.Response(404, json={"error": "not_found", "message": path})
        return httpx.Response(200, json={"items": items}, headers={"cache-control": "max-age=60"})

    def source_set(self) -> SourceSet:
        """comptoir's sources, every one answered by this fake."""
        transport = httpx.MockTransport(self.handle)
        clients = {
            name: SourceClient(
                name=name,
                http=HttpxUpstream(f"http://{name}.test", transport),
                breaker=CircuitBreaker(1000, 30.0),
                retry_attempts=1,
            )
            for name in SOURCES.names()
        }
        return SourceSet(clients, MemoryCache(), FreshnessPolicy())


def scope_on(
    sources: SourceSet, channel: ChannelConfig = WEB, shopper: str | None = None
) -> RequestScope:
    """A request scope as the GraphQL endpoint builds one, on ``sources``."""
    return RequestScope(
        channel=channel,
        shopper_id=shopper,
        loaders=Loaders(sources, DegradedReport()),
        now=NOW,
        max_page_size=100,
    )
