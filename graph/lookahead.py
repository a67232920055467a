"""Reading a field's selection ahead: what the catalog fields selected below it will read.

Each catalog field declares what it reads (``catalog_field(reads=…)`` in
:mod:`comptoir.graph.fields`); this walks the selection below a field with
its GraphQL types, through fragments, and adds those declarations up, so
that a list of products loads everything its page shows in one round.
"""

from __future__ import annotations

import weakref
from functools import partial
from typing import Any

from comptoir.graph.context import GraphInfo
from comptoir.resolvers.prefetch import CatalogReads
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

READS = "comptoir.reads"
"""The key of a field's declared reads in its strawberry metadata."""


def declared_reads(field: GraphQLField) -> CatalogReads:
    """What a field declares it reads of the catalog (nothing, for most fields)."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    metadata = getattr(definition, "metadata", None) or {}
    reads = metadata.get(READS, CatalogReads.NONE)
    return reads if isinstance(reads, CatalogReads) else CatalogReads.NONE


_Known = tuple[weakref.ref[FieldNode], GraphQLSchema, GraphQLNamedType, CatalogReads]

_KNOWN: dict[int, _Known] = {}
"""What :func:`reads_below` found below a field node, by the node's identity.

A document is parsed once and kept (:mod:`comptoir.graph.documents`), so each
of its nodes is walked once rather than on every request; an entry goes with
its document. By identity, not value: nodes of the same text compare equal
across documents whose fragments may differ.
"""


def reads_below(info: GraphInfo) -> CatalogReads:
    """What every field selected below the current one reads, through fragments."""
    raw: GraphQLResolveInfo[Any] = info._raw_info
    returned = get_named_type(raw.return_type)
    nodes = raw.field_nodes
    node = nodes[0] if len(nodes) == 1 else None
    if node is not None:
        known = _KNOWN.get(id(node))
        if (
            known is not None
            and known[0]() is node
            and known[1] is raw.schema
            and known[2] is returned
        ):
            return known[3]
    reads = CatalogReads.NONE
    for each in nodes:
        if each.selection_set is not None:
            reads |= _below(raw, returned, each.selection_set)
    if node is not None:
        key = id(node)
        _KNOWN[key] = (weakref.ref(node, partial(_forget, key)), raw.schema, returned, reads)
    return reads


def _forget(key: int, node: weakref.ref[FieldNode]) -> None:
    """Drop what was found below a node whose document is gone."""
    known = _KNOWN.get(key)
    if known is not None and known[0] is node:
        _KNOWN.pop(key, None)


def _below(
    raw: GraphQLResolveInfo[Any], parent: GraphQLNamedType, selections: SelectionSetNode
) -> CatalogReads:
    reads = CatalogReads.NONE
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            fields = (
                parent.fields
                if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
                else {}
            )
            field = fields.get(selection.name.value)
            if field is None:  # __typename, or a field of a fragment's narrower type
                continue
            reads |= declared_reads(field)
            if selection.selection_set is not None:
                reads |= _below(raw, get_named_type(field.type), selection.selection_set)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            target = raw.schema.get_type(condition.name.value) if condition else parent
            if target is not None:
                reads |= _below(raw, target, selection.selection_set)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = raw.fragments.get(selection.name.value)
            target = raw.schema.get_type(fragment.type_condition.name.value) if fragment else None
            if fragment is not None and target is not None:
                reads |= _below(raw, target, fragment.selection_set)
    return reads


def selects(info: GraphInfo, name: str) -> bool:
    """Whether the query reads the field ``name`` right below the current one (through fragments).

    A resolver asks a source for something costly (a search's facet counts)
    only when the query reads it.
    """
    raw: GraphQLResolveInfo[Any] = info._raw_info

    def within(selections: SelectionSetNode | None) -> bool:
        if selections is None:
            return False
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    return True
            elif isinstance(selection, InlineFragmentNode):
                if within(selection.selection_set):
                    return True
            elif isinstance(selection, FragmentSpreadNode):
                fragment = raw.fragments.get(selection.name.value)
                if fragment is not None and within(fragment.selection_set):
                    return True
        return False

    return any(within(node.selection_set) for node in raw.field_nodes)
