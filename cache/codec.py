"""How an entry is written to a shared store: a fixed binary header, then the value.

``<version byte> <fetched_at: f64> <max_age: f64> <kind byte> <payload>``: the
payload is the value as JSON (orjson) or, for a cached answer, the raw bytes
as they go on the wire, so that a hit neither parses nor re-encodes it.
Anything that does not decode is a miss, never an error.
"""

from __future__ import annotations

import struct
from typing import Final

import orjson
from comptoir.cache.entry import CacheEntry

_VERSION: Final = 1
_HEADER = struct.Struct("<BddB")
_JSON: Final = 0
_RAW: Final = 1


class Unencodable(ValueError):
    """A value that is neither JSON-encodable nor bytes."""


def encode(entry: CacheEntry) -> bytes:
    """The stored form of ``entry``."""
    value = entry.value
    if isinstance(value, bytes):
        return _HEADER.pack(_VERSION, entry.fetched_at, entry.max_age, _RAW) + value
    try:
        payload = orjson.dumps(value)
    except TypeError as exc:  # orjson raises JSONEncodeError, a TypeError
        raise Unencodable(str(exc)) from exc
    return _HEADER.pack(_VERSION, entry.fetched_at, entry.max_age, _JSON) + payload


def decode(raw: bytes) -> CacheEntry | None:
    """The entry stored in ``raw``, or ``None`` when it is not one."""
    if len(raw) < _HEADER.size:
        return None
    try:
        version, fetched_at, max_age, kind = _HEADER.unpack_from(raw)
    except struct.error:
        return None
    if version != _VERSION or fetched_at != fetched_at or max_age != max_age:  # NaN
        return None
    payload = raw[_HEADER.size :]
    if kind == _RAW:
        return CacheEntry(payload, fetched_at, max_age)
    if kind != _JSON:
        return None
    try:
        return CacheEntry(orjson.loads(payload), fetched_at, max_age)
    except orjson.JSONDecodeError:
        return None
