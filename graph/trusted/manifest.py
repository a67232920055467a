"""The documents a client ships, read from files for ``comptoir documents push``.

Accepted, alone or anywhere under a folder:

- ``*.graphql`` / ``*.gql``: one document per file, its id the sha256 of the
  file's exact text (what the client must send, byte for byte);
- ``*.json``: an Apollo persisted query manifest (``{"format":
  "apollo-persisted-query-manifest", "operations": [{"id", "body", "name"}]}``)
  or a map of ids to texts (GraphQL Code Generator's
  ``persisted-documents.json``); each id must be the sha256 of its text.

Every document is parsed and validated against the schema, with the same
limits as a request: a document that could never run is refused, with the
file it came from and why, and nothing of the push is registered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from comptoir.graph.documents import DocumentCache
from comptoir.graph.trusted.gate import DOCUMENT_ID, document_id_of
from comptoir.graph.trusted.store import Document

SUFFIXES: Final = (".graphql", ".gql", ".json")


class ManifestError(ValueError):
    """A file that holds no document comptoir can register, and why."""


@dataclass(frozen=True, slots=True)
class Shipped:
    """A document read from a file, prepared: what is registered, and its cost when fixed."""

    document: Document
    origin: str
    cost: int
    """The cost of its costliest operation, with the variables' defaults."""
    varies: bool
    """Whether variables change that cost (``first: $first``)."""


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    if not path.is_file():
        raise ManifestError(f"{path}: no such file or folder")
    return [path]


def _texts(path: Path) -> Iterator[tuple[str | None, str, str]]:
    """(the id the file claims, or None; the text; where it came from)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot be read: {exc}") from exc
    if path.suffix != ".json":
        yield None, raw, str(path)
        return
    try:
        manifest: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not JSON: {exc}") from exc
    if isinstance(manifest, dict) and isinstance(manifest.get("operations"), list):
        for i, operation in enumerate(manifest["operations"]):
            if not isinstance(operation, dict) or not isinstance(operation.get("body"), str):
                raise ManifestError(f"{path}: operations[{i}] has no `body`")
            yield operation.get("id"), operation["body"], f"{path} operations[{i}]"
    elif isinstance(manifest, dict) and all(isinstance(v, str) for v in manifest.values()):
        for claimed, text in manifest.items():
            yield claimed, text, f"{path} {claimed}"
    else:
        raise ManifestError(
            f"{path}: neither an Apollo persisted query manifest nor a map of ids to documents"
        )


def read_documents(paths: list[Path], documents: DocumentCache) -> list[Shipped]:
    """Every document under ``paths``, checked; :class:`ManifestError` at the first bad one."""
    shipped: dict[str, Shipped] = {}
    for path in paths:
        files = _files(path)
        if not files:
            raise ManifestError(f"{path}: no {', '.join(SUFFIXES)} file")
        for file in files:
            for claimed, text, origin in _texts(file):
                document_id = document_id_of(text)
                if claimed is not None:
                    found = DOCUMENT_ID.fullmatch(str(claimed))
                    if found is None or found[1] != document_id:
                        raise ManifestError(
                            f"{origin}: its id {claimed} is not the sha256 of its text"
                            f" ({document_id})"
                        )
                prepared = documents.get(text)
                if prepared.document is None:
                    reasons = "; ".join(error.message for error in prepared.errors)
                    raise ManifestError(f"{origin}: not a valid document: {reasons}")
                operations = prepared.operations
                names = tuple(operation.name for operation in operations if operation.name)
                shipped[document_id] = Shipped(
                    Document(document_id, text, names),
                    origin,
                    max(operation.cost.of({}) for operation in operations),
                    any(operation.cost.constant is None for operation in operations),
                )
    return list(shipped.values())
