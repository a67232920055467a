"""Product discovery: the filters, sorts and facets of `productSearch`, and its connection."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import TypeVar

import strawberry
from comptoir.graph.types.connection import Connection, Edge, PageInfo
from comptoir.graph.types.product import Product
from comptoir.resolvers.facets import FacetCounts
from comptoir.resolvers.search import Listing
from comptoir.resolvers.search_request import ProductFilters

T = TypeVar("T")


def _given(value: T | None) -> T | None:
    """An input field's value; ``None`` when it was left out."""
    return None if value is strawberry.UNSET else value


@strawberry.enum(description="The order of a product search.")
class ProductSortKey(enum.Enum):
    """The search source's sorts; ties are broken by product id."""

    RELEVANCE = strawberry.enum_value(
        "relevance",
        description="Best match first (a name match above a description match);"
        " without `query`, the same as NEWEST. The default.",
    )
    PRICE_ASC = strawberry.enum_value(
        "price_asc",
        description="Cheapest first, by the lowest variant price on the channel's price list.",
    )
    PRICE_DESC = strawberry.enum_value(
        "price_desc",
        description="Most expensive first, by the lowest variant price on the channel's list.",
    )
    NEWEST = strawberry.enum_value(
        "newest", description="Most recently updated in the catalog first."
    )
    NAME = strawberry.enum_value(
        "name", description="By name in the channel's locale, ignoring case and accents."
    )

    @property
    def source_sort(self) -> str:
        """The search source's name of this sort."""
        return str(self.value)


@strawberry.input(description="A price range on the channel's price list, in its currency.")
class PriceRangeInput:
    """``min`` ≤ price < ``max``; either end may be left open."""

    min: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="The lowest price included; not negative. Open when null.",
    )
    max: Decimal | None = strawberry.field(
        default=strawberry.UNSET,
        description="The price from which products are left out (excluded); not below `min`."
        " Open when null.",
    )


@strawberry.input(
    description="Filters of a product search: the values of one field are OR-ed, the fields"
    " AND-ed. Each field takes at most 50 values. A product has the colours and sizes of all its"
    " variants, and as its price the lowest price of its variants on the channel's list."
)
class ProductFilterInput:
    """What a shopper picked in a listing's facets."""

    brands: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Brand names, as the `brands` facet lists them."
    )
    colors: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Colour codes (e.g. teal), as the `colors` facet lists them.",
    )
    sizes: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Sizes (e.g. M, 42), as the `sizes` facet lists them."
    )
    category_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Categories, each with its subcategories."
    )
    in_stock: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="True: only products with a variant in stock for delivery;"
        " false: only products with none.",
    )
    price: PriceRangeInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="A price range (the `price` facet's values are `min..max`).",
    )

    def filters(self) -> ProductFilters:
        """The filters as the resolvers take them."""
        price = _given(self.price)
        return ProductFilters(
            brands=tuple(self.brands or ()),
            colors=tuple(self.colors or ()),
            sizes=tuple(self.sizes or ()),
            category_ids=tuple(str(c) for c in self.category_ids or ()),
            in_stock=_given(self.in_stock),
            price_min=_given(price.min) if price else None,
            price_max=_given(price.max) if price else None,
        )


@strawberry.type(description="One value of a facet and what picking it would give.")
class FacetValue:
    """A facet value with its count."""

    value: str = strawberry.field(
        description="The value to put in the facet's `ProductFilterInput` field (a brand, a colour"
        " code, a size, a category id, true or false, or a price range such as 50..100)."
    )
    label: str = strawberry.field(description="The value in words, in the channel's locale.")
    count: int = strawberry.field(
        description="How many products the search would find with this value picked, the other"
        " facets' picks still applied."
    )
    selected: bool = strawberry.field(description="Whether the search's filters pick it.")


@strawberry.type(description="Counts of one filter's values over a search's products.")
class Facet:
    """A facet of a listing, e.g. sizes with how many products each gives."""

    key: str = strawberry.field(
        description="The `ProductFilterInput` field its values go in: brands, colors, sizes,"
        " categoryIds, inStock or price."
    )
    label: str = strawberry.field(description="The facet's name, in the channel's locale.")
    values: list[FacetValue] = strawberry.field(
        description="Values with at least one product (and any value picked), most products first;"
        " price ranges in ascending order."
    )

    @classmethod
    def of(cls, counts: FacetCounts) -> Facet:
        """The GraphQL facet of counted values."""
        return cls(
            key=counts.key,
            label=counts.label,
            values=[
                FacetValue(value=v.value, label=v.label, count=v.count, selected=v.selected)
                for v in counts.values
            ],
        )


@strawberry.type(description="A page of products (Relay connection), with a search's counts.")
class ProductConnection(Connection[Product]):
    """Products in the listing's order."""

    total_count: int | None = strawberry.field(
        default=None,
        description="How many products the search finds in all; null when the products are"
        " listed without the search source (it is unavailable: see `extensions.degraded`).",
    )
    facets: list[Facet] = strawberry.field(
        default_factory=list,
        description="Brands, colours, sizes, prices and availability of the products found,"
        " counted as if each facet's own pick were not made (so other values can be added);"
        " empty without the search source.",
    )

    @classmethod
    def of(cls, listing: Listing) -> ProductConnection:
        """The connection of a listing."""
        page = listing.page
        return cls(
            edges=[Edge(cursor=cursor, node=Product(doc)) for doc, cursor in page.edges],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
            total_count=listing.total,
            facets=[Facet.of(f) for f in listing.facets],
        )
