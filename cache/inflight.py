"""Reads by key, each key in one read at a time: who wants a key being read waits for that read.

A page's requests ask for the same keys at the same moment (the same
products, the same prices): one read per key is enough, the others wait for
it. A read covers a batch of keys, so a waiter waits for the batch's future
(one future per batch, not per key: a batch holds dozens) and takes its
keys from the batch's result. Used in front of the sources
(:class:`~comptoir.sources.collection.CachedCollection`) and of Redis
(:class:`~comptoir.cache.tiered.TieredCache`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

V = TypeVar("V")


class InFlight(Generic[V]):
    """Per key, the future of the batch being read that holds it."""

    def __init__(self) -> None:
        self._batches: dict[str, asyncio.Future[Mapping[str, V]]] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._batches

    def split(self, keys: Iterable[str]) -> tuple[list[str], list[asyncio.Future[Mapping[str, V]]]]:
        """The keys no read holds, and the futures of the batches holding the others (each once)."""
        batches = self._batches
        free: list[str] = []
        held: dict[asyncio.Future[Mapping[str, V]], None] = {}
        for key in keys:
            batch = batches.get(key)
            if batch is None:
                free.append(key)
            else:
                held[batch] = None
        return free, list(held)

    def claim(self, keys: Iterable[str]) -> asyncio.Future[Mapping[str, V]]:
        """The future of a new read of ``keys``: later callers wanting them wait for it."""
        batch: asyncio.Future[Mapping[str, V]] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._batches[key] = batch
        return batch

    def settle(
        self, keys: Iterable[str], batch: asyncio.Future[Mapping[str, V]], values: Mapping[str, V]
    ) -> None:
        """The read of ``batch`` is over: its keys are free again, its waiters get ``values``."""
        batches = self._batches
        for key in keys:
            if batches.get(key) is batch:
                del batches[key]
        if not batch.done():
            batch.set_result(values)

    def forget(self, keys: Iterable[str]) -> None:
        """Let the next caller read ``keys`` afresh (what is being read of them is out of date)."""
        for key in keys:
            self._batches.pop(key, None)

    def clear(self) -> None:
        """:meth:`forget` every key."""
        self._batches.clear()
