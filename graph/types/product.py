"""Products and their variants: PIM documents joined with DAM media, ERP prices and stock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from comptoir.graph.context import scope_of
from comptoir.graph.errors import source_error
from comptoir.graph.lookahead import selected_names
from comptoir.graph.types.common import Money, money
from comptoir.graph.types.location import Availability
from comptoir.graph.types.media import Media, media_list
from comptoir.resolvers.assortment import product_media, variant_media
from comptoir.resolvers.catalog import CatalogNeeds, prefetch, shown_products, shown_variants
from comptoir.resolvers.inventory import ship_from_quantity
from comptoir.resolvers.localization import pick_text
from comptoir.resolvers.pricing import PriceInForce, price_in_force, price_range
from comptoir.resolvers.scope import RequestScope
from comptoir.sources.errors import SourceError
from comptoir.sources.pim.models import ProductDoc, VariantDoc
from strawberry.types import Info

if TYPE_CHECKING:
    from comptoir.graph.types.category import Category

T = TypeVar("T")


def _value(found: Any) -> Any:
    """A loaded value, or the source's error raised as a GraphQL error on this field."""
    if isinstance(found, SourceError):
        raise source_error(found)
    return found


def _when_loaded(
    info: Info[Any, Any],
    products: list[ProductDoc],
    ready: bool,
    needs: CatalogNeeds,
    compute: Callable[[RequestScope], T],
) -> T | Awaitable[T]:
    """``compute`` now when its data is loaded, else after loading it (and what is selected below)."""
    scope = scope_of(info)
    if ready:
        return compute(scope)

    async def later() -> T:
        below = CatalogNeeds.from_fields(selected_names(info))
        merged = CatalogNeeds(*(a or b for a, b in zip(_flags(needs), _flags(below), strict=True)))
        await prefetch(scope, products, merged)
        return compute(scope)

    return later()


def _flags(needs: CatalogNeeds) -> tuple[bool, bool, bool, bool, bool]:
    return (needs.variants, needs.prices, needs.stock, needs.assets, needs.categories)


def _price(scope: RequestScope, sku: str) -> PriceInForce | None:
    rows = _value(scope.catalog.prices[sku])
    channel = scope.channel
    return price_in_force(rows or (), channel.price_list, channel.currency, scope.now)


def _product_name(
    root: Product, info: Info[Any, Any], locale: str | None = strawberry.UNSET
) -> str:
    return pick_text(root.doc["name"], locale, scope_of(info).channel.locale) or root.doc["id"]


def _product_description(
    root: Product, info: Info[Any, Any], locale: str | None = strawberry.UNSET
) -> str | None:
    return pick_text(root.doc.get("description"), locale, scope_of(info).channel.locale)


def _variant_product(root: Variant) -> Product:
    return Product(doc=root.product_doc)


def _variant_color(
    root: Variant, info: Info[Any, Any], locale: str | None = strawberry.UNSET
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


def price_of(found: PriceInForce) -> Price:
    """The GraphQL price of a price in force."""
    compare = money(found.compare_at, found.currency) if found.compare_at is not None else None
    return Price(
        amount=money(found.amount, found.currency), compare_at=compare, price_list=found.price_list
    )


@strawberry.type(description="The lowest and highest price of a product's variants.")
class PriceRange:
    """Over the variants priced on the channel's list."""

    min: Money = strawberry.field(description="The lowest variant price.")
    max: Money = strawberry.field(description="The highest variant price.")


@strawberry.federation.type(keys=["id"], description="A product model (a style), sold in variants.")
class Product:
    """A PIM product this channel may show.

    Argument-free scalars are plain attributes, set from the loaded document;
    the fields that join other sources or take a locale resolve.
    """

    doc: strawberry.Private[ProductDoc]
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
        self.id = strawberry.ID(doc["id"])
        self.brand = doc.get("brand")

    @strawberry.field(description="Attributes (material, care…), localized like `name`.")
    def attributes(
        self, info: Info[Any, Any], locale: str | None = strawberry.UNSET
    ) -> list[Attribute]:
        default = scope_of(info).channel.locale
        found = []
        for key, texts in sorted((self.doc.get("attributes") or {}).items()):
            value = pick_text(texts, locale, default)
            if value is not None:
                found.append(Attribute(key=key, value=value))
        return found

    @strawberry.field(
        description="The categories the product is filed under.",
        graphql_type=list[Annotated["Category", strawberry.lazy("comptoir.graph.types.category")]],
    )
    def categories(self, info: Info[Any, Any]) -> Any:
        from comptoir.graph.types.category import Category

        def compute(scope: RequestScope) -> list[Category]:
            tree = _value(scope.catalog.whole["categories"])
            return [Category(doc=tree[c]) for c in self.doc["category_ids"] if c in tree]

        ready = "categories" in scope_of(info).catalog.whole
        return _when_loaded(info, [self.doc], ready, CatalogNeeds(categories=True), compute)

    @strawberry.field(
        description="Every asset of the product (variant ones too) this channel may show, by position."
        " Null when the DAM is unavailable.",
        graphql_type=list[Media] | None,
    )
    def media(self, info: Info[Any, Any]) -> list[Media] | Awaitable[list[Media]]:
        def compute(scope: RequestScope) -> list[Media]:
            assets = _value(scope.catalog.assets[self.doc["id"]]) or []
            return media_list(product_media(assets, scope.channel.assortment, scope.now))

        ready = self.doc["id"] in scope_of(info).catalog.assets
        return _when_loaded(info, [self.doc], ready, CatalogNeeds(assets=True), compute)

    @strawberry.field(description="The variants, in the PIM's order.", graphql_type=list["Variant"])
    def variants(self, info: Info[Any, Any]) -> list[Variant] | Awaitable[list[Variant]]:
        def compute(scope: RequestScope) -> list[Variant]:
            found = []
            for sku in self.doc["variant_skus"]:
                variant = _value(scope.catalog.variants[sku])
                if variant is not None:
                    found.append(Variant(doc=variant, product_doc=self.doc))
            return found

        loaded = scope_of(info).catalog.variants
        ready = all(sku in loaded for sku in self.doc["variant_skus"])
        return _when_loaded(info, [self.doc], ready, CatalogNeeds(variants=True), compute)

    @strawberry.field(
        description="Lowest and highest variant price on this channel's list; null when none is priced.",
        graphql_type=PriceRange | None,
    )
    def price_range(self, info: Info[Any, Any]) -> PriceRange | Awaitable[PriceRange | None] | None:
        def compute(scope: RequestScope) -> PriceRange | None:
            prices = [_price(scope, sku) for sku in self.doc["variant_skus"]]
            bounds = price_range(prices)
            if bounds is None:
                return None
            currency = scope.channel.currency
            return PriceRange(min=money(bounds[0], currency), max=money(bounds[1], currency))

        loaded = scope_of(info).catalog.prices
        ready = all(sku in loaded for sku in self.doc["variant_skus"])
        return _when_loaded(info, [self.doc], ready, CatalogNeeds(prices=True), compute)

    @strawberry.field(
        description="Active, in this channel's assortment, and some variant priced and in stock.",
        graphql_type=bool | None,
    )
    def available_for_sale(self, info: Info[Any, Any]) -> bool | Awaitable[bool]:
        def compute(scope: RequestScope) -> bool:
            locations = _value(scope.catalog.whole["locations"])
            for sku in self.doc["variant_skus"]:
                rows = _value(scope.catalog.stock[sku]) or []
                if _price(scope, sku) is not None and ship_from_quantity(rows, locations) > 0:
                    return True
            return False

        catalog = scope_of(info).catalog
        ready = "locations" in catalog.whole and all(
            sku in catalog.prices and sku in catalog.stock for sku in self.doc["variant_skus"]
        )
        return _when_loaded(info, [self.doc], ready, CatalogNeeds(prices=True, stock=True), compute)

    @classmethod
    async def resolve_reference(cls, info: Info[Any, Any], id: strawberry.ID) -> Product | None:
        """`_entities`: the same rules as `product(id)`."""
        needs = CatalogNeeds.from_fields(selected_names(info))
        doc = (await shown_products(scope_of(info), [str(id)], needs))[0]
        if isinstance(doc, SourceError):
            raise source_error(doc)
        return cls(doc=doc) if doc else None


@strawberry.federation.type(
    keys=["sku"], description="A sellable unit of a product: one colour and size."
)
class Variant:
    """A PIM variant of a product this channel may show.

    Argument-free scalars are plain attributes, set from the loaded document;
    the fields that join other sources or take a locale resolve.
    """

    doc: strawberry.Private[VariantDoc]
    product_doc: strawberry.Private[ProductDoc]
    sku: strawberry.ID = strawberry.field(description="The stock-keeping unit, the variant's id.")
    gtin: str | None = strawberry.field(description="The GTIN (EAN) barcode.")

    def __init__(self, doc: VariantDoc, product_doc: ProductDoc) -> None:
        self.doc = doc
        self.product_doc = product_doc
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

    @strawberry.field(
        description="This variant's own assets, then the product-level ones; null when the DAM is unavailable.",
        graphql_type=list[Media] | None,
    )
    def media(self, info: Info[Any, Any]) -> list[Media] | Awaitable[list[Media]]:
        def compute(scope: RequestScope) -> list[Media]:
            assets = _value(scope.catalog.assets[self.product_doc["id"]]) or []
            allowed = variant_media(assets, self.doc["id"], scope.channel.assortment, scope.now)
            return media_list(allowed)

        ready = self.product_doc["id"] in scope_of(info).catalog.assets
        return _when_loaded(info, [self.product_doc], ready, CatalogNeeds(assets=True), compute)

    @strawberry.field(
        description="The price in force on this channel's list; null when there is none (not for sale here).",
        graphql_type=Price | None,
    )
    def price(self, info: Info[Any, Any]) -> Price | Awaitable[Price | None] | None:
        def compute(scope: RequestScope) -> Price | None:
            found = _price(scope, self.doc["id"])
            return price_of(found) if found is not None else None

        ready = self.doc["id"] in scope_of(info).catalog.prices
        return _when_loaded(info, [self.product_doc], ready, CatalogNeeds(prices=True), compute)

    @strawberry.field(
        description="Stock for delivery and in stores; null when stock is unavailable.",
        graphql_type=Availability | None,
    )
    def availability(self, info: Info[Any, Any]) -> Availability | Awaitable[Availability]:
        def compute(scope: RequestScope) -> Availability:
            rows = _value(scope.catalog.stock[self.doc["id"]]) or []
            locations = _value(scope.catalog.whole["locations"])
            quantity = ship_from_quantity(rows, locations)
            return Availability(
                rows=rows, locations=locations, in_stock=quantity > 0, quantity=quantity
            )

        catalog = scope_of(info).catalog
        ready = self.doc["id"] in catalog.stock and "locations" in catalog.whole
        return _when_loaded(info, [self.product_doc], ready, CatalogNeeds(stock=True), compute)

    @classmethod
    async def resolve_reference(cls, info: Info[Any, Any], sku: strawberry.ID) -> Variant | None:
        """`_entities`: the same rules as `variant(sku)`."""
        scope = scope_of(info)
        found = (await shown_variants(scope, [str(sku)]))[0]
        if isinstance(found, SourceError):
            raise source_error(found)
        if found is None:
            return None
        await prefetch(scope, [found[1]], CatalogNeeds.from_fields(selected_names(info)))
        return cls(doc=found[0], product_doc=found[1])
