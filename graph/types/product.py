"""Products and their variants: PIM documents joined with DAM media, ERP prices and stock.

Argument-free scalars are plain attributes, set from the loaded document;
the fields that join other sources are catalog fields, which declare what
they read so that a list of products loads it for all of them at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from comptoir.graph.context import GraphInfo, scope_of
from comptoir.graph.errors import public_errors
from comptoir.graph.fields import catalog_field, field
from comptoir.graph.lookahead import reads_below
from comptoir.graph.types.common import Money, money
from comptoir.graph.types.delivery import DeliveryOption, DestinationInput, options_for
from comptoir.graph.types.location import Availability
from comptoir.graph.types.media import Media, media_list
from comptoir.resolvers import catalog, inventory, pricing
from comptoir.resolvers.localization import pick_attributes, pick_text
from comptoir.resolvers.prefetch import CatalogReads
from comptoir.resolvers.pricing import PriceInForce
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.pim.models import ProductDoc, VariantDoc

if TYPE_CHECKING:
    from comptoir.graph.types.category import Category


def _product_name(root: Product, info: GraphInfo, locale: str | None = strawberry.UNSET) -> str:
    return pick_text(root.doc["name"], locale, scope_of(info).channel.locale) or root.doc["id"]


def _product_description(
    root: Product, info: GraphInfo, locale: str | None = strawberry.UNSET
) -> str | None:
    return pick_text(root.doc.get("description"), locale, scope_of(info).channel.locale)


def _variant_product(root: Variant) -> Product:
    return Product(root.product_doc)


def _variant_color(
    root: Variant, info: GraphInfo, locale: str | None = strawberry.UNSET
) -> str | None:
    return pick_text(root.doc["options"].get("color"), locale, scope_of(info).channel.locale)


@strawberry.type(description="A product attribute, e.g. material or care, in the asked locale.")
class Attribute:
    """One attribute of a product."""

    key: str = strawberry.field(description="The attribute's name, e.g. material.")
    value: str = strawberry.field(description="Its value, localized.")


@strawberry.type(description="The price of a variant on the channel's price list.")
class Price:
    """The price in force now."""

    amount: Money = strawberry.field(description="What the shopper pays.")
    compare_at: Money | None = strawberry.field(
        description="The former or reference price, for a sale."
    )
    price_list: str = strawberry.field(description="The price list it comes from, e.g. EUR-WEB.")

    @classmethod
    def of(cls, found: PriceInForce | None) -> Price | None:
        """The GraphQL price of a price in force."""
        if found is None:
            return None
        compare = money(found.compare_at, found.currency) if found.compare_at is not None else None
        return cls(
            amount=money(found.amount, found.currency),
            compare_at=compare,
            price_list=found.price_list,
        )


@strawberry.type(description="The lowest and highest price of a product's variants.")
class PriceRange:
    """Over the variants priced on the channel's list."""

    min: Money = strawberry.field(description="The lowest variant price.")
    max: Money = strawberry.field(description="The highest variant price.")


@strawberry.federation.type(keys=["id"], description="A product model (a style), sold in variants.")
class Product:
    """A PIM product this channel may show."""

    doc: strawberry.Private[ProductDoc]
    products: strawberry.Private[tuple[ProductDoc, ...]]
    id: strawberry.ID = strawberry.field(description="The PIM's product id.")

    # Declared as attributes with a resolver, so that the fields keep their
    # order around the plain attributes (brand follows them in the schema).
    name: str = strawberry.field(
        resolver=_product_name,
        description="Name in `locale`, else the channel's locale, else English, else any.",
    )
    description: str | None = strawberry.field(
        resolver=_product_description, description="Description, localized like `name`."
    )
    brand: str | None = strawberry.field(description="Brand name.")

    def __init__(self, doc: ProductDoc) -> None:
        self.doc = doc
        self.products = (doc,)
        self.id = strawberry.ID(doc["id"])
        self.brand = doc.get("brand")

    @field(description="Attributes (material, care…), localized like `name`.")
    def attributes(self, info: GraphInfo, locale: str | None = strawberry.UNSET) -> list[Attribute]:
        default = scope_of(info).channel.locale
        found = pick_attributes(self.doc.get("attributes"), locale, default)
        return [Attribute(key=key, value=value) for key, value in found]

    @catalog_field(
        reads=CatalogReads.CATEGORIES,
        description="The categories the product is filed under.",
        graphql_type=list[Annotated["Category", strawberry.lazy("comptoir.graph.types.category")]],
    )
    def categories(self, scope: RequestScope) -> list[Category]:
        from comptoir.graph.types.category import Category

        return [Category(doc=c) for c in catalog.product_categories(scope, self.doc)]

    @catalog_field(
        reads=CatalogReads.MEDIA,
        description="Every asset of the product (variant ones too) this channel may show,"
        " by position. Null when the DAM is unavailable.",
        graphql_type=list[Media] | None,
    )
    def media(self, scope: RequestScope) -> list[Media]:
        return media_list(catalog.shown_media(scope, self.doc))

    @catalog_field(
        reads=CatalogReads.VARIANTS,
        description="The variants, in the PIM's order.",
        graphql_type=list["Variant"],
    )
    def variants(self, scope: RequestScope) -> list[Variant]:
        return [Variant(v, self.doc) for v in catalog.product_variants(scope, self.doc)]

    @catalog_field(
        reads=CatalogReads.PRICES,
        description="Lowest and highest variant price on this channel's list;"
        " null when none is priced.",
        graphql_type=PriceRange | None,
    )
    def price_range(self, scope: RequestScope) -> PriceRange | None:
        bounds = pricing.product_price_range(scope, self.doc)
        if bounds is None:
            return None
        currency = scope.channel.currency
        return PriceRange(min=money(bounds[0], currency), max=money(bounds[1], currency))

    @catalog_field(
        reads=CatalogReads.PRICES | CatalogReads.STOCK | CatalogReads.LOCATIONS,
        description="Active, in this channel's assortment, and some variant priced and in stock.",
        graphql_type=bool | None,
    )
    def available_for_sale(self, scope: RequestScope) -> bool:
        return inventory.available_for_sale(scope, self.doc)

    @classmethod
    async def resolve_reference(cls, info: GraphInfo, id: strawberry.ID) -> Product | None:
        """`_entities`: the same rules as `product(id)`."""
        with public_errors():
            doc = await catalog.shown_product(scope_of(info), str(id), reads_below(info))
        return cls(doc) if doc else None


@strawberry.federation.type(
    keys=["sku"], description="A sellable unit of a product: one colour and size."
)
class Variant:
    """A PIM variant of a product this channel may show."""

    doc: strawberry.Private[VariantDoc]
    product_doc: strawberry.Private[ProductDoc]
    products: strawberry.Private[tuple[ProductDoc, ...]]
    sku: strawberry.ID = strawberry.field(description="The stock-keeping unit, the variant's id.")
    gtin: str | None = strawberry.field(description="The GTIN (EAN) barcode.")

    def __init__(self, doc: VariantDoc, product_doc: ProductDoc) -> None:
        self.doc = doc
        self.product_doc = product_doc
        self.products = (product_doc,)
        self.sku = strawberry.ID(doc["id"])
        self.gtin = doc.get("gtin")
        self.size = doc["options"].get("size")

    # Declared as attributes with a resolver, so that the fields keep their
    # order around the plain attributes (size follows them in the schema).
    product: Product = strawberry.field(
        resolver=_variant_product, description="The product this variant belongs to."
    )
    color: str | None = strawberry.field(
        resolver=_variant_color, description="Colour name in `locale` (with fallback)."
    )
    size: str | None = strawberry.field(description="Size, e.g. M or 42.")

    @catalog_field(
        reads=CatalogReads.MEDIA,
        description="This variant's own assets, then the product-level ones;"
        " null when the DAM is unavailable.",
        graphql_type=list[Media] | None,
    )
    def media(self, scope: RequestScope) -> list[Media]:
        return media_list(catalog.shown_variant_media(scope, self.doc["id"], self.product_doc))

    @catalog_field(
        reads=CatalogReads.PRICES,
        description="The price in force on this channel's list;"
        " null when there is none (not for sale here).",
        graphql_type=Price | None,
    )
    def price(self, scope: RequestScope) -> Price | None:
        return Price.of(pricing.variant_price(scope, self.doc["id"]))

    @catalog_field(
        reads=CatalogReads.STOCK | CatalogReads.LOCATIONS,
        description="Stock for delivery and in stores; null when stock is unavailable.",
        graphql_type=Availability | None,
    )
    def availability(self, scope: RequestScope) -> Availability:
        return Availability(inventory.variant_stock(scope, self.doc["id"]))

    @field(
        description="How and when `quantity` units can reach `destination`, fastest first, as the"
        " OMS promises it (estimated while it is unavailable); empty when it cannot.",
    )
    async def delivery_options(
        self,
        info: GraphInfo,
        destination: Annotated[
            DestinationInput, strawberry.argument(description="Where to deliver.")
        ],
        quantity: Annotated[int, strawberry.argument(description="Units, 1 to 99.")] = 1,
    ) -> list[DeliveryOption] | None:
        return await options_for(info, [(self.doc["id"], quantity)], destination)

    @classmethod
    async def resolve_reference(cls, info: GraphInfo, sku: strawberry.ID) -> Variant | None:
        """`_entities`: the same rules as `variant(sku)`."""
        with public_errors():
            found = await catalog.shown_variant(scope_of(info), str(sku), reads_below(info))
        return cls(*found) if found else None
