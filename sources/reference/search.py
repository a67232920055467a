"""The reference search source: ``GET /products`` with relevance, filters, facets and sorts."""

from __future__ import annotations

from pathlib import Path

from comptoir.sources.reference.search_engine import SearchEngine
from comptoir.sources.reference.search_query import parse_query
from comptoir.sources.reference.storage import dumps
from comptoir.sources.reference.web import SourceParts, Worker, json_text_response
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import Route

MAX_AGE_S = 15
"""``Cache-Control: max-age`` of search answers: they follow stock, the shortest-lived input."""


def build(data_dir: Path, worker: Worker) -> SourceParts:
    """The search source's routes over ``search.sqlite``, ``pim.sqlite`` and ``erp.sqlite``."""
    engine = SearchEngine(Path(data_dir))

    def products(params: QueryParams) -> Response:
        body = engine.search(parse_query(params))
        return json_text_response(dumps(body), headers={"Cache-Control": f"max-age={MAX_AGE_S}"})

    return SourceParts([Route("/products", worker.get(products), methods=["GET"])], [engine])
