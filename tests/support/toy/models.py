"""The toy source's JSON: widgets."""

from __future__ import annotations

from pydantic import TypeAdapter
from typing_extensions import TypedDict


class WidgetDoc(TypedDict):
    """A widget."""

    id: str
    label: str


WIDGETS = TypeAdapter(list[WidgetDoc])
