"""Reading a GraphQL-over-HTTP request: a JSON body (POST) or query parameters (GET).

Anything that is not a well-formed request is refused here with a 4xx and a
message that says what is wrong, before any GraphQL work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


class BadRequest(Exception):
    """A request that is not a GraphQL request: answered with ``status`` and ``message``."""

    def __init__(self, message: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """What a client asked: the document, which operation, its variables and extensions."""

    query: str
    operation_name: str | None
    variables: dict[str, Any]
    extensions: dict[str, Any]


def from_body(body: bytes) -> GraphQLRequest:
    """The request in a POSTed JSON body."""
    if not body:
        raise BadRequest("the request body is empty; send a JSON object with a `query`")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the request body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise BadRequest("the request body must be a JSON object with a `query`")
    return _request(
        doc.get("query"), doc.get("operationName"), doc.get("variables"), doc.get("extensions")
    )


def from_params(params: dict[str, str]) -> GraphQLRequest:
    """The request in the query string of a GET (``variables`` and ``extensions`` JSON-encoded)."""
    return _request(
        params.get("query"),
        params.get("operationName") or None,
        _json_param(params, "variables"),
        _json_param(params, "extensions"),
    )


def _json_param(params: dict[str, str], name: str) -> Any:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest(f"`{name}` is not JSON") from None


def _request(query: Any, operation_name: Any, variables: Any, extensions: Any) -> GraphQLRequest:
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("`query` must be a non-empty string holding a GraphQL document")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string or null")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be a JSON object or null")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("`extensions` must be a JSON object or null")
    return GraphQLRequest(query, operation_name or None, variables or {}, extensions or {})
