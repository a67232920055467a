"""The reference dam: every asset of a batch of products."""

from __future__ import annotations

from pathlib import Path

from comptoir.sources.reference.db import Database
from comptoir.sources.reference.pim import batch
from comptoir.sources.reference.web import RequestRefused, SourceParts, Worker, parse_ids
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.routing import Route


def build(data_dir: Path, worker: Worker) -> SourceParts:
    """The dam's routes over ``<data_dir>/dam.sqlite``."""
    db = Database(data_dir / "dam.sqlite")

    def assets(params: QueryParams) -> Response:
        product_ids = parse_ids(params, "product_ids", required=False)
        if product_ids is not None:
            return batch(
                db, "assets", "product_id", product_ids, "assets", " ORDER BY product_id, position"
            )
        ids = parse_ids(params, "ids", required=False)
        if ids is None:
            raise RequestRefused(400, "missing_parameter", "the product_ids parameter is required")
        return batch(db, "assets", "id", ids, "assets")

    return SourceParts([Route("/assets", worker.get(assets), methods=["GET"])], [db])
