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
from graphql import DocumentNode, GraphQLResolveInfo, GraphQLSchema, execute, parse
from strawberry.types import Info

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


def _info_of_product_search(schema: GraphQLSchema, document: DocumentNode) -> Info[Any, Any]:
    """The resolve info graphql-core builds for ``productSearch`` in ``document`` (not resolved)."""
    seen: list[GraphQLResolveInfo[Any]] = []

    def capture(_next: Any, _root: Any, info: GraphQLResolveInfo[Any], **_args: Any) -> None:
        seen.append(info)

    execute(schema, document, middleware=[capture], variable_values=PAGE)
    return Info(seen[0], None)  # type: ignore[arg-type]  # the field is not read here


def test_what_was_found_below_a_node_goes_with_its_document() -> None:
    schema = build_schema()._schema
    document = parse(PLP_QUERY)
    info = _info_of_product_search(schema, document)
    node = info._raw_info.field_nodes[0]
    key, gone = id(node), weakref.ref(node)

    reads = lookahead.reads_below(info)
    assert CatalogReads.PRICES in reads and CatalogReads.MEDIA in reads
    assert lookahead.reads_below(info) == reads
    assert lookahead._KNOWN[key][0]() is node

    del info, node, document
    gc.collect()
    assert gone() is None
    assert key not in lookahead._KNOWN or lookahead._KNOWN[key][0]() is not None
