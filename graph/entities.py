"""`_entities`: the Federation entry point, with the bounds of every other read.

A router asks for entities by representation (``{"__typename": "Product",
"id": "P-00001"}``). At most :data:`MAX_REPRESENTATIONS` per request, as
``products(ids)``: more is refused with ``BAD_USER_INPUT`` before anything
is loaded. A representation that is not an object naming one of comptoir's
entity types with its key (an id within the bounds of every ``ID``) is
refused alone, at its own place in the list.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, Final

import strawberry
from comptoir.graph.errors import bad_input
from comptoir.graph.inputs import MAX_ID_LENGTH
from comptoir.resolvers.catalog import MAX_IDS
from comptoir.sources.http import unsendable
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types.info import Info

MAX_REPRESENTATIONS: Final = MAX_IDS
"""The most representations one `_entities` request may hold: as many ids as ``products(ids)``."""


def representations_problem(count: int) -> str | None:
    """Why ``count`` representations are refused as a whole, or ``None``."""
    if count > MAX_REPRESENTATIONS:
        return (
            f"`representations` takes at most {MAX_REPRESENTATIONS} entities per request,"
            f" got {count}"
        )
    return None


def checked_representation(
    representation: Any, keys: Mapping[str, str], index: int
) -> dict[str, Any] | Exception:
    """The representation reduced to its type and key, or the error that refuses it.

    ``keys`` maps each entity type's name to its key field (``id``, ``sku``).
    """
    where = f"`representations[{index}]`"
    if not isinstance(representation, dict):
        return bad_input(f"{where} must be an object with `__typename` and its key")
    type_name = representation.get("__typename")
    key = keys.get(type_name) if isinstance(type_name, str) else None
    if key is None:
        known = ", ".join(sorted(keys))
        return bad_input(f"{where}: `__typename` must be one of {known}")
    value = representation.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return bad_input(f"{where}: a {type_name} is named by its `{key}` (a string)")
    problem = unsendable(value, MAX_ID_LENGTH)
    if problem is not None:
        return bad_input(f"{where}.{key}: an ID is {problem}")
    return {"__typename": type_name, key: value}


def merged(size: int, refused: Mapping[int, Exception], resolved: Sequence[Any]) -> list[Any]:
    """The answers in the order asked: each refused one's error, the others' results in turn."""
    answers = iter(resolved)
    return [refused[index] if index in refused else next(answers) for index in range(size)]


class FederatedSchema(strawberry.federation.Schema):
    """The Federation subgraph, whose `_entities` checks its representations before resolving any."""

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """`_entities`: refused as a whole over the maximum, each bad representation alone."""
        problem = representations_problem(len(representations))
        if problem is not None:
            raise bad_input(problem)
        keys = self._entity_keys
        refused: dict[int, Exception] = {}
        accepted: list[FederationAny] = []
        for index, representation in enumerate(representations):
            checked = checked_representation(representation, keys, index)
            if isinstance(checked, Exception):
                refused[index] = checked
            else:
                accepted.append(FederationAny(checked))
        resolved = super().entities_resolver(info, accepted) if accepted else []
        return [FederationAny(answer) for answer in merged(len(representations), refused, resolved)]

    @functools.cached_property
    def _entity_keys(self) -> dict[str, str]:
        """Each entity type's name and its key field, read once from the ``@key`` directives."""
        keys = {}
        for name, graphql_type in self.schema_converter.type_map.items():
            definition = getattr(graphql_type, "definition", None)
            for directive in getattr(definition, "directives", None) or ():
                if isinstance(directive, Key):
                    keys[name] = str(directive.fields)
        return keys
