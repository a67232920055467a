"""Generate the pim's documents: categories, products (styles) and variants (colour by size)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar

from comptoir.sources.reference.kinds import KIND_BY_CATEGORY, KINDS, Kind
from comptoir.sources.reference.materials import CARES, MATERIALS
from comptoir.sources.reference.scale import ANCHOR, DemoScale, iso
from comptoir.sources.reference.vocab import BRANDS, CATEGORIES, COLOURS, T3, TAGLINES

LOCALES = ("en", "fr", "de")
V = TypeVar("V")
COLOUR_NAMES: dict[str, T3] = dict(COLOURS)


@dataclass(frozen=True)
class Override:
    """The fixed shape of one guaranteed product (see :mod:`cases`)."""

    category: str
    colours: tuple[str, ...]
    sizes: tuple[str, ...]
    status: str = "active"
    channels: tuple[str, ...] = ("web", "app", "store")
    locales: tuple[str, ...] = ("en", "fr")
    extra_categories: tuple[str, ...] = ()
    price: str | None = None
    words: tuple[int, int, str] | None = None


OVERRIDES: dict[int, Override] = {
    1: Override(
        "C-knitwear",
        ("teal", "navy"),
        ("S", "M", "L"),
        locales=LOCALES,
        price="129.90",
        words=(0, 0, "cashmere"),
    ),
    2: Override("C-dresses", ("green",), ("S", "M", "L"), locales=("en", "de")),
    3: Override("C-tops", ("white",), ("S", "M"), status="draft"),
    4: Override("C-shirts", ("sky",), ("M", "L"), status="discontinued"),
    5: Override("C-sneakers", ("white",), ("38", "39", "40"), channels=("web",)),
    6: Override("C-cushions", ("ecru",), ("40x40",), channels=("store",)),
    7: Override("C-bags", ("camel",), ("ONE",), channels=("web", "marketplace")),
    8: Override("C-scarves", ("red",), ("ONE",), extra_categories=("C-gifts",)),
    9: Override("C-boots", ("black",), ("38", "39", "40", "41")),
    10: Override("C-lighting", ("brass",), ("ONE",)),
    11: Override("C-tableware", ("terracotta",), ("ONE",)),
    12: Override("C-trousers", ("navy",), ("M", "L")),
    13: Override("C-scarves", ("black",), ("ONE",), price="59.90"),
    14: Override("C-bags", ("navy",), ("ONE",), price="149.00"),
    15: Override("C-lighting", ("white",), ("ONE",), price="89.90"),
    16: Override("C-tableware", ("ecru",), ("ONE",), price="24.90"),
    17: Override("C-tableware", ("sand",), ("ONE",), price="19.90"),
    18: Override("C-scarves", ("grey",), ("ONE",), price="39.90"),
    19: Override("C-bags", ("camel",), ("ONE",), price="89.00"),
    20: Override("C-lighting", ("red",), ("ONE",)),
    21: Override("C-lighting", ("teal",), ("ONE",)),
    22: Override("C-bags", ("black",), ("ONE",)),
    23: Override("C-socks", ("navy",), ("35-38", "39-42", "43-46"), price="12.00"),
}

_CHANNEL_MIX: tuple[tuple[tuple[str, ...], int], ...] = (
    (("web", "app", "store"), 70),
    (("web", "app", "store", "marketplace"), 10),
    (("web",), 7),
    (("web", "app"), 5),
    (("store",), 5),
    (("web", "marketplace"), 3),
)
_STATUS_MIX: tuple[tuple[str, int], ...] = (("active", 90), ("draft", 6), ("discontinued", 4))
# Apparel and shoes make most of the assortment; home and accessories the rest.
_KIND_WEIGHTS = (14, 9, 9, 5, 5, 8, 8, 6, 7, 6, 5, 5, 5, 4, 4, 4)


@dataclass
class ProductPlan:
    """What the other generators need to know about one product."""

    number: int
    id: str
    kind: Kind
    status: str
    channels: tuple[str, ...]
    base_price: Decimal
    skus: list[str] = field(default_factory=list)
    colour_skus: dict[str, list[str]] = field(default_factory=dict)
    noun: T3 = ("", "", "")
    locales: tuple[str, ...] = ("en",)
    updated_at: str = ""
    category_ids: tuple[str, ...] = ()


@dataclass
class Catalog:
    """The pim's documents plus the plans the other sources are built from."""

    categories: list[dict[str, Any]]
    products: list[dict[str, Any]]
    variants: list[dict[str, Any]]
    plans: list[ProductPlan]


def _pick(rng: random.Random, mix: tuple[tuple[V, int], ...]) -> V:
    values = [value for value, _ in mix]
    weights = [weight for _, weight in mix]
    return rng.choices(values, weights)[0]


def _local(text: T3, locales: tuple[str, ...]) -> dict[str, str]:
    return {loc: text[LOCALES.index(loc)] for loc in locales}


def _gtin(counter: int) -> str:
    """A valid EAN-13 from the French GS1 prefix range."""
    body = f"376{counter:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def category_documents() -> list[dict[str, Any]]:
    """Every category, parents first."""
    stamp = iso(ANCHOR - timedelta(days=200))
    return [
        {"id": cid, "parent_id": parent, "name": _local(name, LOCALES), "updated_at": stamp}
        for cid, parent, name in CATEGORIES
    ]


def _names(noun: T3, style: T3, material: T3) -> T3:
    en = f"{material[0]} {style[0]} {noun[0]}"
    fr = f"{noun[1]} {style[1]} en {material[1]}"
    de = f"{noun[2]} {style[2]} aus {material[2]}"
    return en, fr, de


def _plan(
    rng: random.Random, number: int
) -> tuple[ProductPlan, dict[str, Any], list[str], list[str]]:
    """Draw one product; returns its plan, its document (without skus), colours and sizes."""
    fixed = OVERRIDES.get(number)
    kind = (
        KIND_BY_CATEGORY[fixed.category]
        if fixed
        else (
            KINDS[(number - 1) % len(KINDS)]
            if number <= 80
            else rng.choices(KINDS, _KIND_WEIGHTS)[0]
        )
    )
    noun_i, style_i = rng.randrange(len(kind.nouns)), rng.randrange(len(kind.styles))
    material_key = rng.choice(kind.materials)
    n_colours = rng.randint(*kind.colours)
    colours = [code for code, _ in rng.sample(COLOURS, n_colours)]
    span = min(rng.randint(*kind.size_span), len(kind.sizes))
    start = rng.randint(0, len(kind.sizes) - span)
    sizes = list(kind.sizes[start : start + span])
    status = _pick(rng, _STATUS_MIX)
    channels: tuple[str, ...] = _pick(rng, _CHANNEL_MIX)
    locales = (
        ("en",)
        + (("fr",) if rng.random() < 0.95 else ())
        + (("de",) if rng.random() < 0.35 else ())
    )
    price = Decimal(rng.randint(*kind.price)) + (
        Decimal("0.90") if rng.random() < 0.7 else Decimal(0)
    )
    brand = rng.choice(BRANDS)
    tagline = rng.choice(TAGLINES)
    care_locales = locales if rng.random() < 0.7 else ("en",)
    updated = iso(ANCHOR - timedelta(days=rng.uniform(0, 120)))
    extra: tuple[str, ...] = ("C-gifts",) if rng.random() < 0.04 else ()
    if fixed:
        colours, sizes, status, channels = (
            list(fixed.colours),
            list(fixed.sizes),
            fixed.status,
            fixed.channels,
        )
        locales, extra = fixed.locales, fixed.extra_categories
        care_locales = locales
        if fixed.price:
            price = Decimal(fixed.price)
        if fixed.words:
            noun_i, style_i, material_key = fixed.words
    noun, style = kind.nouns[noun_i], kind.styles[style_i]
    material = MATERIALS[material_key]
    names = _names(noun, style, material.name)
    descriptions: T3 = tuple(  # type: ignore[assignment]
        f"{names[i]}. {tagline[i]} {label} {material.composition[i]}. {credit} {brand}."
        for i, (label, credit) in enumerate(
            (
                ("Made from", "Designed by"),
                ("Composition :", "Une création"),
                ("Material:", "Entworfen von"),
            )
        )
    )
    category_ids = (kind.category_id, *extra)
    product_id = f"P-{number:05d}"
    doc: dict[str, Any] = {
        "id": product_id,
        "status": status,
        "name": _local(names, locales),
        "description": _local(descriptions, locales),
        "brand": brand,
        "category_ids": list(category_ids),
        "attributes": {
            "material": _local(material.composition, locales),
            "care": _local(CARES[material.care], care_locales),
        },
        "variant_skus": [],
        "channels": list(channels),
        "updated_at": updated,
    }
    plan = ProductPlan(
        number,
        product_id,
        kind,
        status,
        channels,
        price,
        noun=noun,
        locales=locales,
        updated_at=updated,
        category_ids=category_ids,
    )
    return plan, doc, colours, sizes


def generate_catalog(scale: DemoScale, seed: int) -> Catalog:
    """Draw the whole catalogue for ``scale`` from ``seed``."""
    rng = random.Random(f"{seed}:catalog")
    products: list[dict[str, Any]] = []
    variants: list[dict[str, Any]] = []
    plans: list[ProductPlan] = []
    for number in range(1, scale.products + 1):
        plan, doc, colours, sizes = _plan(rng, number)
        for colour in colours:
            for size in sizes:
                sku = f"V-{number:05d}-{colour.upper()}-{size}"
                plan.skus.append(sku)
                plan.colour_skus.setdefault(colour, []).append(sku)
                variants.append(
                    {
                        "id": sku,
                        "product_id": plan.id,
                        "gtin": _gtin(len(variants) + 1),
                        "options": {
                            "color": _local(COLOUR_NAMES[colour], plan.locales),
                            "color_code": colour,
                            "size": size,
                        },
                        "updated_at": plan.updated_at,
                    }
                )
        doc["variant_skus"] = list(plan.skus)
        products.append(doc)
        plans.append(plan)
    return Catalog(category_documents(), products, variants, plans)
