"""Reading ahead what a list's fields read: once per document, not once per request."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from comptoir.graph import lookahead
from comptoir.graph.schema import build_schema
from comptoir.resolvers.prefetch import CatalogReads
from graphql import GraphQLSchema, OperationDefinitionNode, parse

from tests.conftest import Comptoir
from tests.graph.queries import PLP_QUERY

PAGE = {"first": 6}


def _count_walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many selections :func:`lookahead.reads_below` walks from now on (its top calls)."""
    walked = [0]
    below = lookahead._below

    def counted(raw: Any, parent: Any, selections: Any) -> CatalogReads:
        walked[0] += 1
        return below(raw, parent, selections)

    monkeypatch.setattr(lookahead, "_below", counted)
    return walked


def test_a_document_s_selection_is_walked_on_its_first_request_only(
    start_comptoir: Callable[..., Comptoir], monkeypatch: pytest.MonkeyPatch
) -> None:
    comptoir = start_comptoir(response_cache=False)
    walked = _count_walks(monkeypatch)
    first = comptoir.query(PLP_QUERY, PAGE)
    after_first = walked[0]
    second = comptoir.query(PLP_QUERY, PAGE)

    assert "errors" not in first and second == first
    assert after_first > 0
    assert walked[0] == after_first  # the second request read what the first found
    # Another document (another text) is walked on its own first request.
    comptoir.query(PLP_QUERY.replace("query CategoryPage", "query CategoryPageAgain"), PAGE)
    assert walked[0] > after_first


class _Raw:
    """What :func:`lookahead.reads_below` reads of graphql-core's resolve info."""

    def __init__(self, schema: GraphQLSchema, operation: OperationDefinitionNode) -> None:
        self.schema = schema
        self.fragments: dict[str, Any] = {}
        self.field_nodes = [operation.selection_set.selections[0]]
        query = schema.query_type
        assert query is not None
        self.return_type = query.fields["productSearch"].type


class _Info:
    def __init__(self, raw: _Raw) -> None:
        self._raw_info = raw


def test_what_was_found_below_a_node_goes_with_its_document() -> None:
    schema = build_schema()._schema
    document = parse(PLP_QUERY)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    info: Any = _Info(_Raw(schema, operation))
    node = operation.selection_set.selections[0]
    key, gone = id(node), weakref.ref(node)

    reads = lookahead.reads_below(info)
    assert CatalogReads.PRICES in reads and CatalogReads.MEDIA in reads
    assert lookahead.reads_below(info) == reads
    assert lookahead._KNOWN[key][0]() is node

    del info, node, operation, document
    gc.collect()
    assert gone() is None
    assert key not in lookahead._KNOWN or lookahead._KNOWN[key][0]() is not None
