"""Per-request loaders: one typed batcher per cached collection, named after what it loads.

Each source's ``loaders.py`` declares its loaders (``ProductByIdLoader``,
``PricesBySkuLoader``, …) on this base: a loader names its collection and
the type of its values, which were checked against the contract when they
were fetched. :class:`Loaders` builds them per request, over the process's
:class:`~comptoir.sources.collection.CachedCollection` of each collection and
the request's :class:`~comptoir.sources.degraded.DegradedReport`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from comptoir.sources.collection import CollectionLoader, CollectionSpec
from comptoir.sources.degraded import DegradedReport
from comptoir.sources.errors import SourceError
from comptoir.sources.pages import page_id
from comptoir.sources.plugin import WHOLE

if TYPE_CHECKING:
    from comptoir.sources.registry import SourceSet

V = TypeVar("V")


class TypedLoader(Generic[V]):
    """The loader of one collection for one request, whose values are ``V``."""

    spec: ClassVar[CollectionSpec]
    """The collection this loader reads."""

    def __init__(self, batcher: CollectionLoader) -> None:
        self._batcher = batcher
        self._known: dict[str, Any] = {}
        """What :meth:`load_many` loaded, by key (errors aside)."""

    async def load(self, key: str) -> V | None:
        """The value of ``key``, ``None`` when the source does not know it.

        Raises the :class:`~comptoir.sources.errors.SourceError` that kept it.
        """
        known = self._known
        if key in known:
            found: V | None = known[key]
            return found
        value: V | None = await self._batcher.load(key)
        return value

    async def load_many(self, keys: Sequence[str]) -> list[V | SourceError | None]:
        """Each key's value, ``None``, or the :class:`SourceError` that kept that key alone.

        The keys go to the collection as one batch, at once: a caller that asks
        for many keys together (a page's skus) needs no per-key future, nor the
        batcher's wait for the end of the tick. What they load is kept for
        :meth:`load` too (errors aside: a later :meth:`load` asks again), as
        plain values: a page's few hundred keys cost no future each.
        """
        batcher = self._batcher
        wanted = list(keys)
        found: list[Any] = await batcher.collection.load_many(wanted, batcher.report)
        known = self._known
        for key, value in zip(wanted, found, strict=True):
            if not isinstance(value, SourceError):
                known[key] = value
        return cast(list[V | SourceError | None], found)

    def forget(self) -> None:
        """Drop every value this loader holds for the request."""
        self._known.clear()
        self._batcher.clear_all()

    def clear(self, key: str) -> None:
        """Forget ``key`` for the rest of the request (after a write changed it)."""
        self._known.pop(key, None)
        self._batcher.clear(key)


class WholeLoader(TypedLoader[list[V]]):
    """A collection the source returns whole (the category tree, the locations)."""

    async def load_all(self) -> list[V]:
        """Every item; raises the :class:`SourceError` that kept them."""
        return await self.load(WHOLE) or []


class PageLoader(TypedLoader[V]):
    """Pages of a list the source pages with cursors, cached like items (an owner and parameters)."""

    async def load_page(self, owner: str, params: Mapping[str, str]) -> V | None:
        """The page of ``owner``'s list (empty: an unowned list) with ``params``."""
        return await self.load(page_id(owner, params))


L = TypeVar("L", bound=TypedLoader[Any])


class Loaders:
    """The loaders of one request, each created when first asked for."""

    def __init__(self, sources: SourceSet, report: DegradedReport) -> None:
        self._sources = sources
        self.report = report
        self._loaders: dict[type[TypedLoader[Any]], TypedLoader[Any]] = {}

    def close(self) -> None:
        """Forget what this request loaded (its batchers hold futures that reference each other)."""
        for loader in self._loaders.values():
            loader.forget()
        self._loaders.clear()

    def get(self, kind: type[L]) -> L:
        """This request's loader of ``kind``."""
        loader = self._loaders.get(kind)
        if loader is None:
            spec = kind.spec
            collection = self._sources.collection(spec.source, spec.name)
            loader = self._loaders[kind] = kind(CollectionLoader(collection, self.report))
        return cast(L, loader)
