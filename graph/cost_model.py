"""What each field of the schema costs: weights and list sizes, in the spirit of IBM's ``@cost``.

The rules, as in IBM's GraphQL Cost Directive specification (``@cost`` for
a field's weight, ``@listSize`` for how many items a list holds), kept here
rather than in the printed schema:

- a field returning an object weighs that object type's weight (1, or
  more for the entities a source must load: :data:`TYPE_WEIGHTS`), a scalar
  or an enum 0, unless :data:`FIELD_COSTS` says otherwise (fields that call
  a source of their own, writes);
- a list multiplies the cost of what is selected in each item by its size:
  the value of a slicing argument (``first``, the length of ``ids`` or
  ``representations``) when the request gives one, else the argument's
  default, else the size :data:`FIELD_COSTS` assumes, else
  :data:`DEFAULT_LIST_SIZE`;
- a Relay connection (a field with a ``first`` argument returning an object
  with ``edges`` and ``nodes``) gives its ``first`` to ``edges`` and
  ``nodes``, as ``@listSize(slicingArguments: ["first"], sizedFields:
  ["edges", "nodes"])`` would;
- nested lists multiply: 10 orders of 5 lines each cost 50 lines.

A field added to the schema without an entry here gets the defaults, which
is right for most; one that calls a source per item, or returns long lists,
deserves an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class ListSize:
    """How many items a list field holds (IBM ``@listSize``)."""

    assumed: int | None = None
    """The size when no slicing argument tells it (``assumedSize``)."""
    slicing: tuple[str, ...] = ()
    """The argument (a path into an input object: ``("input", "lines")``) whose value is the size:
    an integer, or a list whose length is (``slicingArguments``)."""


@dataclass(frozen=True, slots=True)
class FieldCost:
    """The weight of one field and, for a list, its size (IBM ``@cost`` and ``@listSize``)."""

    weight: int | None = None
    """Counted once per item of the enclosing lists; ``None``: 1 for objects, 0 for scalars."""
    list_size: ListSize | None = None


DEFAULT_LIST_SIZE: Final = 10
"""Items assumed in a list field that neither a slicing argument nor :data:`FIELD_COSTS` sizes."""

CONNECTION_SLICE: Final = "first"
"""The argument that sizes a Relay connection's ``edges`` and ``nodes``."""

CONNECTION_SIZED_FIELDS: Final = frozenset({"edges", "nodes"})
"""The fields of a connection that hold ``first`` items."""

INTROSPECTION_COST: Final = 100
"""``__schema`` or ``__type``, whatever is selected below: answered from the schema, in process."""

TYPE_WEIGHTS: Final[dict[str, int]] = {
    "Product": 4,
    "Order": 3,
    "Customer": 3,
    "Variant": 2,
    "Category": 2,
}
"""Object types heavier than 1: entities loaded from a source, with what they bring along."""

FIELD_COSTS: Final[dict[str, FieldCost]] = {
    # Root fields that call a source of their own (search, promotion engine).
    "Query.productSearch": FieldCost(weight=10),
    "Query.cart": FieldCost(weight=10),
    "Query.products": FieldCost(list_size=ListSize(assumed=100, slicing=("ids",))),
    "Query._entities": FieldCost(list_size=ListSize(assumed=100, slicing=("representations",))),
    "Query.locations": FieldCost(list_size=ListSize(assumed=50)),
    # Writes: each one is a transaction upstream, or held in the outbox.
    "Mutation.placeOrder": FieldCost(weight=50),
    "Mutation.registerCustomer": FieldCost(weight=50),
    "Mutation.redeemLoyaltyPoints": FieldCost(weight=50),
    # Lists whose size the data decides (the demo data's typical sizes, rounded up).
    "Product.variants": FieldCost(list_size=ListSize(assumed=6)),
    "Product.media": FieldCost(list_size=ListSize(assumed=6)),
    "Product.categories": FieldCost(list_size=ListSize(assumed=3)),
    "Product.attributes": FieldCost(list_size=ListSize(assumed=10)),
    "Variant.media": FieldCost(list_size=ListSize(assumed=4)),
    # Stores near a point: a geographic search over stock per store.
    "Availability.stores": FieldCost(weight=2, list_size=ListSize(assumed=10)),
    "Category.children": FieldCost(list_size=ListSize(assumed=10)),
    # A search's facets: brand, color, size, category, in stock, price; their values.
    "ProductConnection.facets": FieldCost(list_size=ListSize(assumed=6)),
    "Facet.values": FieldCost(list_size=ListSize(assumed=20)),
    "Order.lines": FieldCost(list_size=ListSize(assumed=5)),
    "Order.shipments": FieldCost(list_size=ListSize(assumed=2)),
    "Cart.lines": FieldCost(list_size=ListSize(assumed=10)),
    "Cart.promotions": FieldCost(list_size=ListSize(assumed=3)),
    "Customer.identities": FieldCost(list_size=ListSize(assumed=3)),
    "LoyaltyAccount.expiring": FieldCost(list_size=ListSize(assumed=3)),
}
"""Fields whose weight or list size differs from the defaults, by ``Type.field``."""


def type_weight(type_name: str) -> int:
    """The weight of one object of ``type_name``."""
    return TYPE_WEIGHTS.get(type_name, 1)


def field_cost(type_name: str, field_name: str) -> FieldCost | None:
    """The entry of ``Type.field`` in :data:`FIELD_COSTS`, if any."""
    return FIELD_COSTS.get(f"{type_name}.{field_name}")
