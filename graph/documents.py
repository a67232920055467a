"""Parsing and validating each distinct document once, and what comptoir needs to know of it.

A :class:`PreparedDocument` is the parsed and validated document (or its
errors), and for each of its operations whether it is a query, a mutation,
whether its answer is **public**: it reads nothing of a shopper, so the
whole answer may be stored and served to anyone on the same channel
(``SCHEMA.md``, "Caching seen from outside"), and its cost, compiled once
into a function of the variables (:mod:`comptoir.graph.cost`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Final

from comptoir.graph.cost import FREE, OperationCost, operation_cost
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import ASTValidationRule

MAX_CACHED_TEXT: Final = 64 * 1024
"""Longer documents are parsed every time rather than kept (a bound on what the cache holds)."""

NESTED_TOO_DEEP: Final = "Document is nested too deeply to be parsed."

EARLY_ROOT_FIELDS: Final = 4
"""The most root fields a query may select and still start before it is validated."""


@dataclass(frozen=True, slots=True)
class OperationInfo:
    """One operation of a document: its name, kind, whether its answer is public, its cost."""

    name: str | None
    kind: OperationType
    public: bool
    cost: OperationCost = FREE


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A document parsed on first sight, not yet validated."""

    text: str
    text_hash: str
    document: DocumentNode


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A document parsed and validated once: its AST, or why it cannot run."""

    text_hash: str
    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    operations: tuple[OperationInfo, ...] = field(default=())

    def operation(self, name: str | None) -> OperationInfo | GraphQLError:
        """The operation a request names (or the only one), or the error that says why not."""
        if name is None:
            if len(self.operations) == 1:
                return self.operations[0]
            return GraphQLError(
                "Must provide operation name if query contains multiple operations."
            )
        for operation in self.operations:
            if operation.name == name:
                return operation
        return GraphQLError(f"Unknown operation named '{name}'.")


def _root_fields(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                seen.add(name)
                yield from _root_fields(fragment.selection_set, fragments, seen)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def classify(
    document: DocumentNode, private_roots: Collection[str], schema: GraphQLSchema | None = None
) -> tuple[OperationInfo, ...]:
    """Every operation of ``document``; a query is public unless it selects a private root field.

    With ``schema``, each operation's cost is compiled too.
    """
    fragments = _fragments(document)
    found = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        kind = definition.operation
        public = kind is OperationType.QUERY and not any(
            name in private_roots
            for name in _root_fields(definition.selection_set, fragments, set())
        )
        name = definition.name.value if definition.name else None
        cost = FREE if schema is None else operation_cost(schema, document, definition)
        found.append(OperationInfo(name, kind, public, cost))
    return tuple(found)


class DocumentCache:
    """Parses and validates documents against one schema, keeping the last ``maxsize`` (LRU)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        extra_rules: Sequence[type[ASTValidationRule]] = (),
        max_tokens: int,
        private_roots: Collection[str],
        maxsize: int = 256,
    ) -> None:
        self._schema = schema
        self._rules = (*specified_rules, *extra_rules)
        self._max_tokens = max_tokens
        self._private_roots = frozenset(private_roots)
        self._maxsize = maxsize
        self._documents: OrderedDict[str, PreparedDocument] = OrderedDict()

    def get(self, text: str) -> PreparedDocument:
        """The prepared document of ``text``, parsed and validated on first sight."""
        prepared = self.cached(text)
        if prepared is not None:
            return prepared
        parsed = self.parse(text)
        if isinstance(parsed, PreparedDocument):
            return parsed
        return self.validate(parsed)

    def cached(self, text: str) -> PreparedDocument | None:
        """The prepared document of ``text`` when it was seen before, else ``None``."""
        documents = self._documents
        prepared = documents.get(text)
        if prepared is not None:
            documents.move_to_end(text)
        return prepared

    def parse(self, text: str) -> ParsedDocument | PreparedDocument:
        """``text`` parsed, not yet validated; or, kept, the document of why it does not parse."""
        text_hash = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        try:
            return ParsedDocument(text, text_hash, parse(text, max_tokens=self._max_tokens))
        except GraphQLError as error:
            return self._keep(text, PreparedDocument(text_hash, None, (error,)))
        except RecursionError:
            return self._keep(
                text, PreparedDocument(text_hash, None, (GraphQLError(NESTED_TOO_DEEP),))
            )

    def validate(self, parsed: ParsedDocument) -> PreparedDocument:
        """``parsed`` validated and classified, kept for the next requests of the same text."""
        try:
            errors = validate(self._schema, parsed.document, self._rules)
        except RecursionError:
            errors = [GraphQLError(NESTED_TOO_DEEP)]
        if errors:
            prepared = PreparedDocument(parsed.text_hash, None, tuple(errors))
        else:
            operations = classify(parsed.document, self._private_roots, self._schema)
            prepared = PreparedDocument(parsed.text_hash, parsed.document, (), operations)
        return self._keep(parsed.text, prepared)

    def early(self, parsed: ParsedDocument, name: str | None) -> bool:
        """Whether the operation ``name`` of ``parsed`` may start before it is validated.

        Only a public query of at most :data:`EARLY_ROOT_FIELDS` root fields
        does: it reads, and what it reads is bounded, should validation refuse it.
        """
        definitions = [
            d
            for d in parsed.document.definitions
            if isinstance(d, OperationDefinitionNode)
            and (name is None or (d.name is not None and d.name.value == name))
        ]
        if len(definitions) != 1 or definitions[0].operation is not OperationType.QUERY:
            return False
        try:
            roots = list(
                islice(
                    _root_fields(definitions[0].selection_set, _fragments(parsed.document), set()),
                    EARLY_ROOT_FIELDS + 1,
                )
            )
        except RecursionError:
            return False
        return len(roots) <= EARLY_ROOT_FIELDS and not any(
            root in self._private_roots for root in roots
        )

    def _keep(self, text: str, prepared: PreparedDocument) -> PreparedDocument:
        if len(text) <= MAX_CACHED_TEXT:
            documents = self._documents
            documents[text] = prepared
            if len(documents) > self._maxsize:
                documents.popitem(last=False)
        return prepared
