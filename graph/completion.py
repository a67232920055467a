"""Completing a field's value on a plan: graphql-core's value completion, level by level.

A field's type is planned once into shapes (non-null, list, leaf, object,
abstract: see :mod:`comptoir.graph.plan`); completing a value walks them the way
graphql-core's ``complete_value`` walks the type: a leaf is serialized (a string,
boolean or 32-bit int of the built-in scalars is its own serialization), an
object runs its plan, an abstract type resolves its concrete type first, a list
completes each item, and an error nulls the nearest nullable value with the same
message, path and locations as graphql-core's. Awaitables are gathered as
graphql-core gathers them; synchronous values stay synchronous.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, cast

from comptoir.graph.plan import (
    ABSTRACT,
    LEAF,
    LIST,
    MAX_INT,
    MIN_INT,
    NON_NULL,
    OBJECT,
    FieldPlan,
    ObjectRunner,
    SelectionPlan,
    Shape,
    planner_for,
)
from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, located_error
from graphql.execution.executor import collect_iterator_awaitables, invalid_return_type_error
from graphql.pyutils import Path, Undefined, gather_with_cancel, is_iterable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_INFO_HEAD = ("field_name", "field_nodes", "return_type", "parent_type", "path")

SYNC_TYPES: frozenset[type] = frozenset({dict, list, str, int, float, bool, type(None)})
"""Types no awaitable check accepts (strawberry's check starts with the same ones): not asked."""

tuple_of = tuple.__new__
"""Builds a named tuple (a ``Path``, a resolve info) without its Python-level ``__new__``."""


class PlanCompletion(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's graphql-core executor, completing values on plans.

    :class:`~comptoir.graph.executor.PlanExecutor` adds how objects, fields and
    the operation are run.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._planner = planner_for(self.schema)
        self._info_class: type[GraphQLResolveInfo[Any]] | None = None
        self._info_tail: tuple[Any, ...] = ()
        self.not_awaitable: frozenset[type] | set[type] = SYNC_TYPES
        """Types whose values are known not to be awaitable: not asked."""
        self.plain_objects: frozenset[type] | set[type] = frozenset()
        """Types of values known to be neither awaitable, nor an exception, nor None."""

    def _object(self, plan: SelectionPlan, source: Any, path: Path | None) -> Any:
        """The fields of ``plan`` on ``source``: a dict, or an awaitable of it."""
        raise NotImplementedError

    def _runner(self, plan: SelectionPlan) -> ObjectRunner:
        """The function answering ``plan``'s fields on a source."""
        raise NotImplementedError

    def _info(self, field: FieldPlan, path: Path) -> GraphQLResolveInfo[Any]:
        """The field's resolve info, as strawberry's ``build_resolve_info`` makes it."""
        info_class = self._info_class
        if info_class is not None:
            head = (field.name, field.nodes, field.field.type, field.parent_type, path)
            return tuple.__new__(info_class, head + self._info_tail)
        info = self.build_resolve_info(field.field, field.nodes, field.parent_type, path)
        # The rest of the tuple is the same for every field of the request: kept, and
        # only the head is built for the next fields (when it is the named tuple expected).
        if (
            type(self).build_resolve_info
            is StrawberryGraphQLCoreExecutionContext.build_resolve_info
            and getattr(type(info), "_fields", ())[:5] == _INFO_HEAD
        ):
            self._info_class = type(info)
            self._info_tail = tuple(info[5:])
        return info

    def _info_at(self, field: FieldPlan, path: Path | None) -> GraphQLResolveInfo[Any]:
        """The field's resolve info from a path at or below the field (list indexes)."""
        assert path is not None  # a leaf is the only value completed without its path
        while isinstance(path.key, int) and path.prev is not None:
            path = path.prev
        return self._info(field, path)

    async def _complete_later(
        self, field: FieldPlan, value: Any, path: Path, info: GraphQLResolveInfo[Any] | None
    ) -> Any:
        try:
            resolved = await value
            completed = self._complete(field, field.shape, resolved, path, info)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self._field_error(raw_error, field, path)
            return None
        return completed

    async def _completed_later(
        self, field: FieldPlan, completed: Awaitable[Any], path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self._field_error(raw_error, field, path)
            return None

    def _field_error(
        self, raw_error: Exception, field: FieldPlan, path: Path, shape: Shape | None = None
    ) -> None:
        """Report the error of a nullable value (then null); raise it when non-null.

        The value is the field's, or an item of its list when ``shape`` is the item's.
        """
        error = located_error(raw_error, list(field.nodes), path.as_list())
        if (shape or field.shape).kind == NON_NULL:
            raise error
        self.collected_errors.add(error, path)

    # Values

    def _complete(
        self,
        field: FieldPlan,
        shape: Shape,
        value: Any,
        path: Path | None,
        info: GraphQLResolveInfo[Any] | None,
    ) -> Any:
        """Complete ``value`` at one level of the field's type (graphql-core's complete_value)."""
        if isinstance(value, Exception):
            raise value
        if shape.kind == NON_NULL:
            if value is None or value is Undefined:
                raise TypeError(field.null_message)
            shape = shape.of  # type: ignore[assignment]
        elif value is None or value is Undefined:
            return None
        kind = shape.kind
        if kind == OBJECT:
            object_type = shape.type
            if object_type.is_type_of is None:
                plan = field.children.get(object_type) or self._child(field, object_type)
                return self._object(plan, value, path)
            return self._complete_object(field, object_type, value, path, info)
        if kind == LEAF:
            fast = shape.fast
            if type(value) is fast and (
                fast is not int or MIN_INT <= value <= MAX_INT  # type: ignore[operator]
            ):
                return value
            return shape.complete_leaf(value)  # type: ignore[misc]
        if kind == LIST:
            return self._complete_list(field, shape, value, path, info)
        if kind == ABSTRACT:
            return self._complete_abstract(field, shape, value, path, info)
        raise TypeError(f"Cannot complete value of unexpected output type: '{shape.type}'.")

    def _child(self, field: FieldPlan, object_type: GraphQLObjectType) -> SelectionPlan:
        return self._planner.child_plan(field, object_type, self)

    def _complete_object(
        self,
        field: FieldPlan,
        object_type: GraphQLObjectType,
        value: Any,
        path: Path | None,
        info: GraphQLResolveInfo[Any] | None,
    ) -> Any:
        is_type_of = object_type.is_type_of
        if is_type_of is not None:
            accepted = is_type_of(value, info or self._info_at(field, path))
            if self.is_awaitable(accepted):
                return self._object_once_accepted(field, object_type, accepted, value, path)
            if not accepted:
                raise invalid_return_type_error(object_type, value, field.details)
        return self._object(self._child(field, object_type), value, path)

    async def _object_once_accepted(
        self,
        field: FieldPlan,
        object_type: GraphQLObjectType,
        accepted: Awaitable[bool],
        value: Any,
        path: Path | None,
    ) -> Any:
        if not await accepted:
            raise invalid_return_type_error(object_type, value, field.details)
        result = self._object(self._child(field, object_type), value, path)
        return await result if self.is_awaitable(result) else result

    def _complete_abstract(
        self,
        field: FieldPlan,
        shape: Shape,
        value: Any,
        path: Path | None,
        info: GraphQLResolveInfo[Any] | None,
    ) -> Any:
        info = info or self._info_at(field, path)
        abstract_type = shape.type
        resolve_type = abstract_type.resolve_type or self.type_resolver
        runtime_type = resolve_type(value, info, abstract_type)
        if self.is_awaitable(runtime_type):
            return self._abstract_later(field, shape, runtime_type, value, path, info)
        object_type = self.ensure_valid_runtime_type(
            runtime_type, abstract_type, field.details, info, value
        )
        return self._complete_object(field, object_type, value, path, info)

    async def _abstract_later(
        self,
        field: FieldPlan,
        shape: Shape,
        runtime_type: Awaitable[Any],
        value: Any,
        path: Path | None,
        info: GraphQLResolveInfo[Any],
    ) -> Any:
        object_type = self.ensure_valid_runtime_type(
            await runtime_type, shape.type, field.details, info, value
        )
        result = self._complete_object(field, object_type, value, path, info)
        return await result if self.is_awaitable(result) else result

    def _complete_list(
        self,
        field: FieldPlan,
        shape: Shape,
        value: Any,
        path: Path | None,
        info: GraphQLResolveInfo[Any] | None,
    ) -> Any:
        if self.is_async_iterable(value):  # rare: graphql-core's own completion
            assert path is not None  # only a leaf is completed without its path
            info = info or self._info_at(field, path)
            return self.complete_list_value(shape.type, field.details, info, path, value, None)
        if type(value) is not list and not is_iterable(value):
            message = (
                "Expected Iterable, but did not find one for field"
                f" '{field.parent_name}.{field.name}'."
            )
            raise GraphQLError(message)
        item_shape = cast("Shape", shape.of)
        inner = item_shape.of if item_shape.kind == NON_NULL else item_shape
        leaves = inner is not None and inner.kind == LEAF  # a leaf needs its path only on error
        # Items of an object type without is_type_of go straight to the object's plan.
        run = None
        if inner is not None and inner.kind == OBJECT and inner.type.is_type_of is None:
            run = self._runner(field.children.get(inner.type) or self._child(field, inner.type))
        if (
            run is not None
            and type(value) is list
            and self.plain_objects.issuperset(map(type, value))
        ):
            return self._plain_list(field, item_shape, run, value, path)
        is_awaitable = self.is_awaitable
        results: list[Any] = []
        pending: list[int] | None = None
        iterator = iter(value)
        try:
            for index, item in enumerate(iterator):
                item_path = None if leaves else tuple_of(Path, (path, index, None))
                if type(item) not in SYNC_TYPES and is_awaitable(item):
                    item_path = item_path or tuple_of(Path, (path, index, None))
                    results.append(self._item_later(field, item_shape, item, item_path, info))
                else:
                    try:
                        if run is not None and item is not None and not isinstance(item, Exception):
                            completed = run(self, item, item_path)
                        else:
                            completed = self._complete(field, item_shape, item, item_path, info)
                    except Exception as raw_error:
                        item_path = item_path or tuple_of(Path, (path, index, None))
                        self._field_error(raw_error, field, item_path, item_shape)
                        results.append(None)
                        continue
                    if type(completed) in SYNC_TYPES or not is_awaitable(completed):
                        results.append(completed)
                        continue
                    item_path = item_path or tuple_of(Path, (path, index, None))
                    results.append(
                        self._item_completed_later(field, item_shape, completed, item_path)
                    )
                if pending is None:
                    pending = [index]
                else:
                    pending.append(index)
        except Exception:
            # Settle what was started and what the iterator still holds, then go up.
            started = [results[index] for index in pending or ()]
            started.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if started:
                self.settle_in_background(started)
            raise
        if pending is None:
            return results
        return gathered(results, pending)

    def _plain_list(
        self,
        field: FieldPlan,
        item_shape: Shape,
        run: ObjectRunner,
        items: list[Any],
        path: Path | None,
    ) -> Any:
        """A list whose items are all plain objects, each through ``run`` (the item type's plan).

        What :meth:`_complete_list` does with such a list, without asking of each
        item what it is; the list, or an awaitable of it.
        """
        results: list[Any] = []
        pending: list[int] | None = None
        try:
            for index, item in enumerate(items):
                item_path = tuple_of(Path, (path, index, None))
                try:
                    completed = run(self, item, item_path)
                except Exception as raw_error:
                    self._field_error(raw_error, field, item_path, item_shape)
                    results.append(None)
                    continue
                if type(completed) is not dict:
                    completed = self._item_completed_later(field, item_shape, completed, item_path)
                    pending = noted(pending, index)
                results.append(completed)
        except Exception:
            if pending:
                self.settle_in_background([results[index] for index in pending])
            raise
        if pending is None:
            return results
        return gathered(results, pending)

    async def _item_later(
        self,
        field: FieldPlan,
        shape: Shape,
        item: Awaitable[Any],
        path: Path,
        info: GraphQLResolveInfo[Any] | None,
    ) -> Any:
        try:
            completed = self._complete(field, shape, await item, path, info)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            self._field_error(raw_error, field, path, shape)
            return None
        return completed

    async def _item_completed_later(
        self, field: FieldPlan, shape: Shape, completed: Awaitable[Any], path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self._field_error(raw_error, field, path, shape)
            return None


def noted(pending: list[Any] | None, key: Any) -> list[Any]:
    """``pending`` with ``key`` added (a list made for the first)."""
    if pending is None:
        return [key]
    pending.append(key)
    return pending


async def gathered(results: Any, pending: Sequence[Any]) -> Any:
    """``results`` (a dict or a list), the awaitables at ``pending`` replaced by their values."""
    if len(pending) == 1:  # no task for a single awaitable
        key = pending[0]
        results[key] = await results[key]
    else:
        values = await gather_with_cancel(*(results[key] for key in pending))
        for key, value in zip(pending, values, strict=True):
            results[key] = value
    return results
