"""What a resolver raises for the caller's mistakes in a read (a source's own errors pass through).

A mutation never raises these: what its caller got wrong is a
:class:`~comptoir.resolvers.outcomes.Problem` of its payload.
"""

from __future__ import annotations


class InvalidArgument(ValueError):
    """An argument out of range or malformed: a page size, a cursor, a radius, too many ids."""


class Forbidden(PermissionError):
    """The caller's channel or shopper may not read this at all."""
