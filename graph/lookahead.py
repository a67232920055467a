"""Reading a field's selection ahead, so that everything it needs is loaded in one round."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def _walk(selections: Iterable[Selection], names: set[str]) -> None:
    for selection in selections:
        if isinstance(selection, SelectedField):
            names.add(selection.name)
            _walk(selection.selections, names)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            _walk(selection.selections, names)


def selected_names(info: Info) -> set[str]:
    """The names of every field selected anywhere below the current field."""
    names: set[str] = set()
    for field in info.selected_fields:
        _walk(field.selections, names)
    return names
