"""Every error comptoir's sources raise, drawn in one tree.

::

    Exception
    ├── SourceError                  a failure talking to an upstream system (carries ``source``)
    │   ├── SourceUnavailable        5xx, timeout, refused connection, saturated: stale values may serve
    │   │   └── CircuitOpen          the source's breaker is open: no call was made
    │   ├── SourceRejected           4xx: the request was wrong (``status``, ``error``, ``message``)
    │   ├── SourceRequestInvalid     the request could not be written (an over-long URL): never sent
    │   └── SourceResponseInvalid    the answer is not JSON, or not of the contract's shape
    ├── OutboxError                  the held writes' store refused an operation (sources/outbox/errors.py)
    │   ├── IdempotencyConflict      same source, path and idempotency key, different input
    │   ├── WriteIdTaken             the provisional id is already another write's
    │   ├── UnknownDependency        ``depends_on`` names no held write
    │   └── LeaseLost                the write is no longer claimed by this process
    └── ValueError
        └── UnknownEventCollection   a change event names a collection its source does not have

Resolvers let :class:`SourceError` through and the GraphQL layer turns it into
an error whose ``extensions`` name the source, so that one source's failure
nulls only the fields that depend on it. The cache never raises: an outage is
a miss. The reference sources answer their own errors over HTTP (they are the
upstream, seen from here); nothing of theirs is raised in comptoir.
"""

from __future__ import annotations


class SourceError(Exception):
    """A failure of one upstream source."""

    code = "SOURCE_ERROR"

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


class SourceUnavailable(SourceError):
    """The source did not answer usefully (5xx, timeout, refused, saturated)."""

    code = "SOURCE_UNAVAILABLE"


class CircuitOpen(SourceUnavailable):
    """The source's circuit breaker is open, so comptoir did not call it."""


class SourceRejected(SourceError):
    """The source answered 4xx: comptoir's request was wrong or not allowed."""

    code = "SOURCE_REJECTED"

    def __init__(self, source: str, status: int, error: str, message: str) -> None:
        super().__init__(source, f"HTTP {status} {error}: {message}")
        self.status = status
        self.error = error


class SourceRequestInvalid(SourceError):
    """comptoir could not write the request (an over-long URL, an unencodable value): never sent.

    Says nothing of the source's health. Arguments are checked before they
    reach a source, so this is a safety net, not the caller's answer.
    """

    code = "SOURCE_REQUEST_INVALID"


class SourceResponseInvalid(SourceError):
    """The source answered something that is not the contract's JSON."""

    code = "SOURCE_RESPONSE_INVALID"


class UnknownEventCollection(ValueError):
    """A change event names a collection its source does not have."""
