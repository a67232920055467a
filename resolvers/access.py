"""Who may read what: a shopper reads their own data, a staff channel reads everyone's."""

from __future__ import annotations

from comptoir.resolvers.scope import RequestScope


def may_read_customer(scope: RequestScope, customer_id: str) -> bool:
    """The signed-in shopper is that customer, or the channel is a staff channel."""
    return scope.staff or (scope.shopper_id is not None and scope.shopper_id == customer_id)
