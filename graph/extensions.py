"""Schema extensions: the context and degraded report in every response, readable or masked errors."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

from comptoir.sources.errors import SourceError
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension

log = logging.getLogger("comptoir.graphql")

_LIMITS = (
    (re.compile(r"exceeds maximum operation depth"), "DEPTH_LIMIT_EXCEEDED"),
    (re.compile(r"aliases found\. Allowed"), "ALIAS_LIMIT_EXCEEDED"),
    (re.compile(r"Document contains more than \d+ tokens"), "TOKEN_LIMIT_EXCEEDED"),
)
_SUGGESTION = re.compile(r" Did you mean .*\?$")


class ResponseContext(SchemaExtension):
    """Adds ``extensions.context`` and, when a source was missing, ``extensions.degraded``."""

    def get_results(self) -> dict[str, Any]:
        """The extensions of this response."""
        context = self.execution_context.context
        extensions = getattr(context, "extensions", None)
        return extensions() if callable(extensions) else {}


class CachedParser(ParserCache):
    """Parses each distinct query text once; a text that does not parse is left to the normal path.

    Strawberry reports a syntax error raised by its own parse step like any
    other error; raised from an extension hook it would escape error shaping.
    """

    def on_parse(self) -> Iterator[None]:
        """The cached document, or nothing so that strawberry parses and reports the error."""
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        except GraphQLError:
            context.graphql_document = None
        yield


class ShapeErrors(MaskErrors):
    """Readable errors keep their message and get an ``extensions.code``; unexpected ones are masked.

    A masked error says only "Internal error" and an error id; the id is logged
    with the traceback so that an operator can find it.
    """

    def __init__(self, *, suggestions: bool = False) -> None:
        super().__init__(should_mask_error=self._unexpected)
        self.suggestions = suggestions

    @staticmethod
    def _unexpected(error: GraphQLError) -> bool:
        original = error.original_error
        return original is not None and not isinstance(original, GraphQLError | SourceError)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """Mask an unexpected error, logging it under a fresh error id."""
        error_id = uuid.uuid4().hex[:12]
        log.error("unexpected error %s at %s", error_id, error.path, exc_info=error.original_error)
        return GraphQLError(
            f"Internal error (id {error_id}).",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [self._readable(e) for e in super()._process_errors(errors)]

    def _readable(self, error: GraphQLError) -> GraphQLError:
        if error.extensions and "code" in error.extensions:
            return error
        original = error.original_error
        if isinstance(original, SourceError):
            code: str = original.code
            extensions: dict[str, Any] = {"code": code, "source": original.source}
        else:
            code = self._code_of(error)
            extensions = {"code": code}
        message = error.message
        if not self.suggestions:
            message = _SUGGESTION.sub("", message)
        return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)

    @staticmethod
    def _code_of(error: GraphQLError) -> str:
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
