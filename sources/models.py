"""Shared pieces of the upstream JSON models (``SOURCES.md``, "Conventions").

Upstream documents are validated with pydantic at fetch time and then kept as
plain mappings (``TypedDict``): the hot path reads dictionaries, never
converts models, and a wrong shape is caught once, where it enters.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from comptoir.sources.errors import SourceResponseInvalid
from pydantic import StringConstraints, TypeAdapter, ValidationError

DecimalString = Annotated[str, StringConstraints(pattern=r"^-?\d+(\.\d+)?$")]
LocalizedText = dict[str, str]

T = TypeVar("T")


def validate_items(
    adapter: TypeAdapter[list[T]], items: Sequence[Any], source: str, collection: str
) -> list[T]:
    """``items`` checked against the contract, or :class:`SourceResponseInvalid` naming the source."""
    try:
        return adapter.validate_python(items)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise SourceResponseInvalid(
            source,
            f"{collection}: answer does not match the contract ({where}: {first.get('msg')})",
        ) from exc


def money_string(amount: Decimal) -> str:
    """A decimal string with two places, as the sources write money (``"129.90"``)."""
    return str(amount.quantize(Decimal("0.01")))
