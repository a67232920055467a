"""GraphQL errors that clients may read: each carries an ``extensions.code``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from comptoir.resolvers.errors import Forbidden, InvalidArgument
from comptoir.sources.errors import SourceError
from graphql import GraphQLError


class PublicError(GraphQLError):
    """An error whose message is meant for the client (never masked)."""

    def __init__(self, message: str, code: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code, **extensions})


def source_error(error: SourceError) -> PublicError:
    """The error of a field whose source failed: names the source and why."""
    return PublicError(
        f"{error.source} is unavailable for this field: {error.message}"
        if error.code == "SOURCE_UNAVAILABLE"
        else f"{error.source}: {error.message}",
        error.code,
        source=error.source,
    )


def bad_input(message: str) -> PublicError:
    """A wrong argument: a page size over the limit, a malformed cursor."""
    return PublicError(message, "BAD_USER_INPUT")


def forbidden(message: str) -> PublicError:
    """The caller's channel or shopper may not read this."""
    return PublicError(message, "FORBIDDEN")


@contextlib.contextmanager
def public_errors() -> Iterator[None]:
    """What a resolver raises, as the error of the field that called it.

    A wrong argument is ``BAD_USER_INPUT``, a read the caller may not make
    ``FORBIDDEN``, a source's failure the code of that failure with the
    source's name; anything else is left to be masked.
    """
    try:
        yield
    except InvalidArgument as exc:
        raise bad_input(str(exc)) from exc
    except Forbidden as exc:
        raise forbidden(str(exc)) from exc
    except SourceError as exc:
        raise source_error(exc) from exc
