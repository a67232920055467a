"""Requests that name a registered document, and channels that run nothing else.

A request may name a document registered for its channel instead of sending
it (GraphQL-over-HTTP persisted documents):

- ``{"documentId": "sha256:<hex>", "variables": …}`` in a POST body, or
  ``?documentId=sha256:<hex>&variables=…`` in a GET;
- Apollo's automatic persisted queries shape,
  ``{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}``.

An id that is not registered for the channel is ``404``
``PERSISTED_QUERY_NOT_FOUND``. On a channel with ``trusted_documents = true``
a document sent in full runs only when it is registered too (its sha256 is
looked up): anything else is ``403`` ``DOCUMENT_NOT_TRUSTED``. A document
sent in full with an APQ hash that is not its own is ``400``
``PERSISTED_QUERY_HASH_MISMATCH``.

Registered documents never change, so that each process keeps those it has
read (a bounded LRU) and looks up only what it has not seen.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

import orjson
from comptoir.graph.requests import BadRequest, GraphQLRequest
from comptoir.graph.trusted.store import DocumentStore, DocumentStoreUnavailable

from comptoir.channels import ChannelConfig
from comptoir.metrics import LIMIT_REFUSALS

DOCUMENT_ID: Final = re.compile(r"(?:sha256:)?([0-9a-f]{64})")
"""A document id: ``sha256:`` and 64 lowercase hex digits (the bare digits are accepted too)."""

NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
NOT_TRUSTED: Final = "DOCUMENT_NOT_TRUSTED"
HASH_MISMATCH: Final = "PERSISTED_QUERY_HASH_MISMATCH"
UNAVAILABLE: Final = "DOCUMENT_STORE_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class DocumentReference:
    """A request naming a registered document by id rather than sending it."""

    document_id: str
    """The sha256 of the document's text, 64 hex digits."""
    operation_name: str | None
    variables: dict[str, Any]
    extensions: dict[str, Any]


def document_id_of(text: str) -> str:
    """The id of a document: the sha256 of its exact text (UTF-8), hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _apq_hash(extensions: Any) -> Any:
    if not isinstance(extensions, dict):
        return None
    persisted = extensions.get("persistedQuery")
    return persisted.get("sha256Hash") if isinstance(persisted, dict) else None


def _reference(
    document_id: Any, operation_name: Any, variables: Any, extensions: Any
) -> DocumentReference:
    if not isinstance(document_id, str) or (found := DOCUMENT_ID.fullmatch(document_id)) is None:
        raise BadRequest("`documentId` must be `sha256:` followed by 64 lowercase hex digits")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string or null")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("`variables` must be a JSON object or null")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest("`extensions` must be a JSON object or null")
    return DocumentReference(found[1], operation_name or None, variables or {}, extensions or {})


def reference_in_body(body: bytes) -> DocumentReference | None:
    """The document a POSTed body names without sending it, else ``None`` (a plain request)."""
    if b"documentId" not in body and b"persistedQuery" not in body:
        return None  # the common case, decided without decoding the body
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None  # the plain reading says what is wrong with it
    if not isinstance(doc, dict) or doc.get("query"):
        return None
    document_id = doc.get("documentId")
    if document_id is None:
        document_id = _apq_hash(doc.get("extensions"))
        if document_id is None:
            return None
    return _reference(
        document_id, doc.get("operationName"), doc.get("variables"), doc.get("extensions")
    )


def reference_in_params(params: dict[str, str]) -> DocumentReference | None:
    """The document a GET's query string names, else ``None`` (a plain request)."""
    if params.get("query"):
        return None
    document_id: Any = params.get("documentId")
    extensions: Any = None
    if params.get("extensions"):
        try:
            extensions = orjson.loads(params["extensions"])
        except orjson.JSONDecodeError:
            raise BadRequest("`extensions` is not JSON") from None
    if not document_id:
        document_id = _apq_hash(extensions)
        if document_id is None:
            return None
    variables: Any = None
    if params.get("variables"):
        try:
            variables = orjson.loads(params["variables"])
        except orjson.JSONDecodeError:
            raise BadRequest("`variables` is not JSON") from None
    return _reference(document_id, params.get("operationName") or None, variables, extensions)


class TrustedDocuments:
    """The registered documents as a request sees them: the store, with what was read kept."""

    def __init__(self, store: DocumentStore, *, kept: int = 10_000) -> None:
        self.store = store
        self._kept = kept
        self._texts: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def text_of(self, channel: str, document_id: str) -> str | None:
        """The text registered under ``document_id`` for ``channel``, or ``None``."""
        key = (channel, document_id)
        text = self._texts.get(key)
        if text is not None:
            self._texts.move_to_end(key)
            return text
        text = await self.store.find(channel, document_id)
        if text is not None:
            self._texts[key] = text
            if len(self._texts) > self._kept:
                self._texts.popitem(last=False)
        return text

    async def resolve(
        self, request: GraphQLRequest | DocumentReference, channel: ChannelConfig
    ) -> GraphQLRequest:
        """The request to run: a named document looked up; a channel's trust enforced."""
        try:
            if isinstance(request, DocumentReference):
                text = await self.text_of(channel.code, request.document_id)
                if text is None:
                    LIMIT_REFUSALS.labels(channel.code, "document").inc()
                    raise BadRequest(
                        f"no document sha256:{request.document_id} is registered for this"
                        " channel (comptoir documents push)",
                        404,
                        NOT_FOUND,
                    )
                return GraphQLRequest(
                    text, request.operation_name, request.variables, request.extensions
                )
            claimed = _apq_hash(request.extensions)
            if not channel.trusted_documents and claimed is None:
                return request
            document_id = document_id_of(request.query)
            if claimed is not None and claimed != document_id:
                raise BadRequest(
                    "`extensions.persistedQuery.sha256Hash` is not the sha256 of `query`",
                    400,
                    HASH_MISMATCH,
                )
            if channel.trusted_documents and (
                await self.text_of(channel.code, document_id) is None
            ):
                LIMIT_REFUSALS.labels(channel.code, "document").inc()
                raise BadRequest(
                    "this channel runs only registered documents: send"
                    ' {"documentId": "sha256:…"} of a document registered with'
                    " `comptoir documents push`",
                    403,
                    NOT_TRUSTED,
                )
            return request
        except DocumentStoreUnavailable:
            unavailable = BadRequest(
                "registered documents cannot be read right now; try again shortly",
                503,
                UNAVAILABLE,
            )
            unavailable.headers = [(b"retry-after", b"1")]  # type: ignore[attr-defined]  # read by the endpoint
            raise unavailable from None
