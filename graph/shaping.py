"""What a client reads of an error: a code on readable ones, a mask on the others.

A masked error says only "Internal error" and an error id; the id is logged
with the traceback so that an operator can find it. Errors that are the
caller's (bad input, a validation error, a limit) are not logged above
debug level: a client must not be able to fill the logs.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from typing import Any, Final

from comptoir.sources.errors import SourceError
from graphql import GraphQLError, GraphQLSyntaxError

log = logging.getLogger("comptoir.graphql")

_LIMITS: Final = (
    (re.compile(r"exceeds maximum operation depth"), "DEPTH_LIMIT_EXCEEDED"),
    (re.compile(r"aliases found\. Allowed"), "ALIAS_LIMIT_EXCEEDED"),
    (re.compile(r"Document contains more than \d+ tokens"), "TOKEN_LIMIT_EXCEEDED"),
)
_SUGGESTION: Final = re.compile(r" Did you mean [^?]*\?")
"""graphql-core's hint, wherever it stands in a message (an input field's ends "… Found: {…}.").

Names cannot hold a ``?``: the hint ends at the first one."""


def shape_errors(errors: Sequence[GraphQLError], *, suggestions: bool) -> list[dict[str, Any]]:
    """The ``errors`` of a response, each with an ``extensions.code``."""
    return [_shape(error, suggestions) for error in errors]


def _shape(error: GraphQLError, suggestions: bool) -> dict[str, Any]:
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError | SourceError):
        return _masked(error)
    extensions: dict[str, Any]
    if error.extensions and "code" in error.extensions:
        extensions = dict(error.extensions)
    elif isinstance(original, SourceError):
        extensions = {"code": original.code, "source": original.source}
    else:
        extensions = {"code": code_of(error)}
    message = error.message if suggestions else _SUGGESTION.sub("", error.message)
    shaped: dict[str, Any] = {"message": message}
    if error.locations:
        shaped["locations"] = [location.formatted for location in error.locations]
    if error.path is not None:
        shaped["path"] = error.path
    shaped["extensions"] = extensions
    return shaped


def _masked(error: GraphQLError) -> dict[str, Any]:
    error_id = uuid.uuid4().hex[:12]
    log.error("unexpected error %s at %s", error_id, error.path, exc_info=error.original_error)
    shaped: dict[str, Any] = {"message": f"Internal error (id {error_id})."}
    if error.locations:
        shaped["locations"] = [location.formatted for location in error.locations]
    if error.path is not None:
        shaped["path"] = error.path
    shaped["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
    return shaped


def code_of(error: GraphQLError) -> str:
    """The code of an error raised by GraphQL itself (a limit, a syntax or validation error)."""
    for pattern, code in _LIMITS:
        if pattern.search(error.message):
            return code
    if isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"  # a variable's value does not fit its type
    if error.path is None:
        return "GRAPHQL_VALIDATION_FAILED"
    return "BAD_USER_INPUT"
