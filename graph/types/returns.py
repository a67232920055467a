"""Returns: what a shopper sends back, how, where, and what became of it."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from comptoir.graph.context import GraphInfo, scope_of
from comptoir.graph.errors import public_errors
from comptoir.graph.fields import field
from comptoir.graph.types.common import Money, UserError, described, money
from comptoir.graph.types.location import Location
from comptoir.resolvers import returns
from comptoir.resolvers.returns import ReturnView
from comptoir.sources.oms.models import ReturnLineDoc


@strawberry.enum(description="How a return travels back.")
class ReturnMethod(enum.Enum):
    """In a store that takes returns, or by carrier."""

    STORE = described("store", description="Brought to a store that takes returns.")
    CARRIER = described("carrier", description="Sent back by carrier.")


@strawberry.enum(description="Why an item is sent back.")
class ReturnReason(enum.Enum):
    """The shopper's reason for a return line."""

    TOO_SMALL = described("too_small", description="Too small.")
    TOO_LARGE = described("too_large", description="Too large.")
    DAMAGED = described("damaged", description="Arrived damaged.")
    NOT_AS_DESCRIBED = described("not_as_described", description="Not as described.")
    CHANGED_MIND = described("changed_mind", description="Changed their mind.")
    OTHER = described("other", description="Another reason.")


@strawberry.enum(description="Where a return stands.")
class ReturnStatus(enum.Enum):
    """The OMS's return statuses."""

    REQUESTED = described("requested", "Asked for; the items are on their way back.")
    RECEIVED = described("received", description="The items are back.")
    REFUNDED = described("refunded", description="The shopper was refunded.")
    REJECTED = described("rejected", "Refused after inspection; the units may be returned again.")


@strawberry.type(description="Units of an order line sent back.")
class ReturnLine:
    """One line of a return."""

    doc: strawberry.Private[ReturnLineDoc]

    @field(description="The order line's id (`OrderLine.id`).")
    def line_id(self) -> strawberry.ID:
        return strawberry.ID(self.doc["line_id"])

    @field(description="Units sent back.")
    def quantity(self) -> int:
        return self.doc["quantity"]

    @field(description="Why.")
    def reason(self) -> ReturnReason:
        return ReturnReason(self.doc["reason"])


@strawberry.type(description="A return of some of an order's units.")
class Return:
    """A return as the OMS has it, or held by comptoir until the OMS is back (`pending`)."""

    view: strawberry.Private[ReturnView]

    @field(description="The OMS's return id, or comptoir's provisional id while pending.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.view.doc["id"])

    @field(description="Where the return stands (REQUESTED while pending).")
    def status(self) -> ReturnStatus:
        return ReturnStatus(self.view.doc["status"])

    @field(description="In a store or by carrier.")
    def method(self) -> ReturnMethod:
        return ReturnMethod(self.view.doc["method"])

    @field(description="The store it is brought to; null for a carrier return.")
    async def location(self, info: GraphInfo) -> Location | None:
        location_id = self.view.doc.get("location_id")
        if not location_id:
            return None
        with public_errors():
            found = await returns.return_location(scope_of(info), location_id)
        return Location(found) if found else None

    @field(description="The units sent back.")
    def lines(self) -> list[ReturnLine]:
        return [ReturnLine(doc=line) for line in self.view.doc["lines"]]

    @field(description="What was refunded; null until the return is refunded.")
    def refund(self) -> Money | None:
        refund = self.view.doc.get("refund")
        return money(refund["amount"], refund["currency"]) if refund else None

    @field(description="When the return was asked for.")
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.view.doc["created_at"])

    @field(description="Held by comptoir until the OMS is back; handed over then, exactly once.")
    def pending(self) -> bool:
        return self.view.pending


@strawberry.input(description="Units of one order line to send back.")
class ReturnLineInput:
    """A line of a return."""

    line_id: strawberry.ID = strawberry.field(description="The order line's id (`OrderLine.id`).")
    quantity: int = strawberry.field(
        description="Units, at least 1 and at most the line's `returnableQuantity`."
    )
    reason: ReturnReason = strawberry.field(description="Why.")


@strawberry.input(description="A return of some of an order's units.")
class RequestReturnInput:
    """What to send back, how and where."""

    order_id: strawberry.ID = strawberry.field(description="The order.")
    lines: list[ReturnLineInput] = strawberry.field(description="The lines, 1 to 100.")
    method: ReturnMethod = strawberry.field(description="In a store or by carrier.")
    location_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The store, for STORE: one that takes returns"
        " (`locations(acceptsReturns: true)`).",
    )

    def request(self) -> returns.ReturnRequest:
        """The return as the rules take it."""
        return returns.ReturnRequest(
            order_id=str(self.order_id),
            lines=[
                returns.ReturnLineRequest(str(line.line_id), line.quantity, line.reason.value)
                for line in self.lines
            ],
            method=self.method.value,
            location_id=str(self.location_id) if self.location_id else None,
        )


@strawberry.type(description="The answer to `requestReturn`.")
class RequestReturnPayload:
    """The return asked for (or held), or what the caller got wrong."""

    return_: Return | None = strawberry.field(
        name="return",
        description="The return; with a provisional id while the OMS is unavailable.",
    )
    pending: bool = strawberry.field(
        description="Held by comptoir until the OMS is back; handed over then, exactly once."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why no return was asked for: NOT_SIGNED_IN, UNKNOWN_ORDER, NOT_RETURNABLE"
        " (not delivered, window closed, nothing left), UNKNOWN_LINE, QUANTITY_TOO_HIGH,"
        " INVALID_QUANTITY, EMPTY_RETURN, LOCATION_REQUIRED, UNKNOWN_LOCATION,"
        " LOCATION_REFUSES_RETURNS, INVALID_IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_REUSED,"
        " OUTBOX_UNAVAILABLE."
    )
