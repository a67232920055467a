"""Sets of product positions as Python integers: bit ``n`` set means position ``n`` is in.

The search engine keeps one such set per facet value; a filter is an OR of
sets, a query an AND, a facet count ``bit_count()`` of an AND. On a
catalogue of thousands of products each operation is a few microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable


def bitset(positions: Iterable[int]) -> int:
    """The set holding ``positions``."""
    bits = bytearray()
    for position in positions:
        byte = position >> 3
        if byte >= len(bits):
            bits.extend(bytes(byte + 1 - len(bits)))
        bits[byte] |= 1 << (position & 7)
    return int.from_bytes(bits, "little")


def members(bits: int) -> list[int]:
    """The positions in ``bits``, ascending."""
    found: list[int] = []
    for index, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
        if byte:
            base = index << 3
            found.extend(base + bit for bit in range(8) if byte >> bit & 1)
    return found


class Postings:
    """A set of positions per value (the products of each brand, colour, size, …)."""

    def __init__(self) -> None:
        self.sets: dict[str, int] = {}

    def add(self, value: str, position: int) -> None:
        """Put ``position`` in ``value``'s set."""
        self.sets[value] = self.sets.get(value, 0) | 1 << position

    def discard(self, value: str, position: int) -> None:
        """Take ``position`` out of ``value``'s set (a set left empty is dropped)."""
        left = self.sets.get(value, 0) & ~(1 << position)
        if left:
            self.sets[value] = left
        else:
            self.sets.pop(value, None)

    def of(self, value: str) -> int:
        """``value``'s set (empty for a value no product has)."""
        return self.sets.get(value, 0)

    def union(self, values: Iterable[str]) -> int:
        """The products having any of ``values``."""
        bits = 0
        for value in values:
            bits |= self.sets.get(value, 0)
        return bits
