"""A plan-based GraphQL executor: graphql-core's answers, without its per-field machinery.

graphql-core collects the sub-fields of every object, builds a resolve info and
calls a resolver for every field of every object, and walks the field's type
anew for each value. On a catalog page (a few dozen products, some two thousand
fields) that is most of the CPU a request costs. :class:`PlanExecutor` runs the
operation's plan instead (see :mod:`comptoir.graph.plan`): a plain attribute is
read and serialized in place; a resolver is called with a resolve info built
for it alone; a strawberry resolver given no argument is called without
strawberry's wrapper (see :mod:`comptoir.graph.field_access`).

What comes out is what graphql-core's executor gives: the same data, the same
errors (message, path, locations, original error), nulls propagated to the same
nullable parent, awaitables gathered and cancelled the same way, synchronous
results kept synchronous. Operations a plan does not cover (middleware,
@defer/@stream, fragment arguments, an abort signal, subscriptions, disabled
error propagation) take graphql-core's own path.
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
    PER_REQUEST,
    PLAIN,
    TYPENAME,
    FieldPlan,
    SelectionPlan,
    Shape,
    planner_for,
)
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationType,
    located_error,
)
from graphql.execution import execute
from graphql.execution.executor import collect_iterator_awaitables, invalid_return_type_error
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel, is_iterable
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_PLANNED_OPERATIONS = (OperationType.QUERY, OperationType.MUTATION)
_INFO_HEAD = ("field_name", "field_nodes", "return_type", "parent_type", "path")

_SYNC_TYPES = frozenset({dict, list, str, int, float, bool, type(None)})
"""Types no awaitable check accepts (strawberry's check starts with the same ones): not asked."""

_new = tuple.__new__
"""Builds a named tuple (a ``Path``, a resolve info) without its Python-level ``__new__``."""


class PlanExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's graphql-core executor, running cached plans instead of per-field machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._planner = planner_for(self.schema)
        self._request_args: dict[FieldPlan, dict[str, Any]] = {}
        self._info_class: type[GraphQLResolveInfo[Any]] | None = None
        self._info_tail: tuple[Any, ...] = ()

    def planned(self) -> bool:
        """Whether this operation runs on a plan (else on graphql-core's own path)."""
        manager = self.middleware_manager
        return (
            (manager is None or not manager.middlewares)
            and self.abort_signal is None
            and self.error_propagation
            and self.operation.operation in _PLANNED_OPERATIONS
            and not self._planner.incremental
            and not any(f.variable_signatures for f in self.fragments.values())
        )

    def execute_operation(self, serially: bool | None = None) -> Any:
        """Run the operation's plan; graphql-core's execution where no plan applies."""
        if not self.planned():
            return super().execute_operation(serially)
        try:
            plan = self._planner.operation_plan(self)
            if plan.serial if serially is None else serially:
                result = self._serially(plan.root, self.root_value)
            else:
                result = self._object(plan.root, self.root_value, None)
            if self.is_awaitable(result):
                return self._response_later(result)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.finish(self.build_response(None))
        return self.finish(self.build_response(cast("dict[str, Any]", result)))

    async def _response_later(self, result: Awaitable[dict[str, Any]]) -> Any:
        try:
            data = await result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self.build_response(None)
        except Exception:
            await self.cancel_incremental_work()
            self.run_async_work_finished_hook()
            raise
        return self.build_response(data)

    # Objects

    def _object(self, plan: SelectionPlan, source: Any, path: Path | None) -> Any:
        """The fields of ``plan`` on ``source``: a dict, or an awaitable of it."""
        results: dict[str, Any] = {}
        pending: list[str] | None = None
        is_awaitable = self.is_awaitable
        try:
            for mode, key, read, attribute, fast, field in plan.entries:
                if mode == PLAIN:
                    try:
                        value = read(source, attribute)
                    except Exception as raw_error:
                        self._field_error(raw_error, field, _new(Path, (path, key, plan.type_name)))
                        results[key] = None
                        continue
                    # str, bool and int values that serialize to themselves
                    if type(value) is fast and (
                        fast is not int or MIN_INT <= value <= MAX_INT  # type: ignore[operator]
                    ):
                        results[key] = value
                        continue
                    result = self._value(field, value, path)
                elif mode == TYPENAME:
                    results[key] = plan.type_name
                    continue
                else:
                    result = self._resolve(field, source, path)
                results[key] = result
                if type(result) not in _SYNC_TYPES and is_awaitable(result):
                    if pending is None:
                        pending = [key]
                    else:
                        pending.append(key)
        except Exception:
            if pending:  # other fields' awaitables may fail too: settle them
                self.settle_in_background([results[key] for key in pending])
            raise
        if pending is None:
            return results
        return _gathered(results, pending)

    def _serially(self, plan: SelectionPlan, source: Any) -> Any:
        """The root fields of a mutation, each one started once the previous one is done."""
        results: dict[str, Any] = {}
        for index, field in enumerate(plan.fields):
            result = self._root_field(field, source)
            if self.is_awaitable(result):
                return self._serially_later(plan, source, results, index, result)
            results[field.key] = result
        return results

    async def _serially_later(
        self,
        plan: SelectionPlan,
        source: Any,
        results: dict[str, Any],
        index: int,
        pending: Awaitable[Any],
    ) -> dict[str, Any]:
        fields = plan.fields
        results[fields[index].key] = await pending
        for field in fields[index + 1 :]:
            result = self._root_field(field, source)
            results[field.key] = await result if self.is_awaitable(result) else result
        return results

    def _root_field(self, field: FieldPlan, source: Any) -> Any:
        if field.mode == TYPENAME:
            return field.parent_name
        if field.mode == PLAIN:
            try:
                value = field.read(source, field.attribute)
            except Exception as raw_error:
                path = _new(Path, (None, field.key, field.parent_name))
                self._field_error(raw_error, field, path)
                return None
            return self._value(field, value, None)
        return self._resolve(field, source, None)

    # Fields

    def _resolve(self, field: FieldPlan, source: Any, parent_path: Path | None) -> Any:
        """Call the field's resolver and complete what it returns."""
        path = _new(Path, (parent_path, field.key, field.parent_name))
        info = self._info(field, path)
        try:
            args = field.args if field.args_mode < PER_REQUEST else self._arguments(field)
            direct = field.direct
            if direct is not None and not args:
                value = direct.call(source, direct.make_info(info, direct.definition))
            else:
                resolve = field.field.resolve or self.field_resolver
                value = resolve(source, info, **args)
            if type(value) not in _SYNC_TYPES and self.is_awaitable(value):
                return self._complete_later(field, value, path, info)
            completed = self._complete(field, field.shape, value, path, info)
            if type(completed) not in _SYNC_TYPES and self.is_awaitable(completed):
                return self._completed_later(field, completed, path)
        except Exception as raw_error:
            self._field_error(raw_error, field, path)
            return None
        return completed

    def _value(self, field: FieldPlan, value: Any, parent_path: Path | None) -> Any:
        """Complete a plain attribute's value (one that does not serialize to itself)."""
        if (
            value is not None
            and value is not Undefined
            and not isinstance(value, Exception)
            and (type(value) in _SYNC_TYPES or not self.is_awaitable(value))
        ):
            # The usual cases without the general completion: a leaf, an object.
            leaf = field.leaf
            if leaf is not None:
                try:
                    return leaf(value)
                except Exception as raw_error:
                    path = _new(Path, (parent_path, field.key, field.parent_name))
                    self._field_error(raw_error, field, path)
                    return None
            object_type = field.object_type
            if object_type is not None and object_type.is_type_of is None:
                path = _new(Path, (parent_path, field.key, field.parent_name))
                plan = field.children.get(object_type) or self._child(field, object_type)
                try:
                    completed = self._object(plan, value, path)
                except Exception as raw_error:
                    self._field_error(raw_error, field, path)
                    return None
                if type(completed) is dict:
                    return completed
                return self._completed_later(field, completed, path)
        return self._complete_field(field, value, parent_path)

    def _complete_field(self, field: FieldPlan, value: Any, parent_path: Path | None) -> Any:
        """Complete a field's value, whatever it is (graphql-core's execute_field once resolved)."""
        path = _new(Path, (parent_path, field.key, field.parent_name))
        info = self._info(field, path) if field.needs_info else None
        try:
            if self.is_awaitable(value):
                return self._complete_later(field, value, path, info)
            completed = self._complete(field, field.shape, value, path, info)
            if self.is_awaitable(completed):
                return self._completed_later(field, completed, path)
        except Exception as raw_error:
            self._field_error(raw_error, field, path)
            return None
        return completed

    def _arguments(self, field: FieldPlan) -> dict[str, Any]:
        if field.args_mode == PER_REQUEST:
            args = self._request_args.get(field)
            if args is None:
                args = self._request_args[field] = self._argument_values(field)
            return args
        return self._argument_values(field)

    def _argument_values(self, field: FieldPlan) -> dict[str, Any]:
        return get_argument_values(
            field.field, field.nodes[0], self.variable_values, None, self.hide_suggestions
        )

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

    def _field_error(self, raw_error: Exception, field: FieldPlan, path: Path) -> None:
        """Report the error of a nullable field (whose value is then null); raise it otherwise."""
        error = located_error(raw_error, list(field.nodes), path.as_list())
        if field.non_null:
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
        plan = None
        if inner is not None and inner.kind == OBJECT and inner.type.is_type_of is None:
            plan = field.children.get(inner.type) or self._child(field, inner.type)
        is_awaitable = self.is_awaitable
        results: list[Any] = []
        pending: list[int] | None = None
        iterator = iter(value)
        try:
            for index, item in enumerate(iterator):
                item_path = None if leaves else _new(Path, (path, index, None))
                if type(item) not in _SYNC_TYPES and is_awaitable(item):
                    item_path = item_path or _new(Path, (path, index, None))
                    results.append(self._item_later(field, item_shape, item, item_path, info))
                else:
                    try:
                        if (
                            plan is not None
                            and item is not None
                            and not isinstance(item, Exception)
                        ):
                            completed = self._object(plan, item, item_path)
                        else:
                            completed = self._complete(field, item_shape, item, item_path, info)
                    except Exception as raw_error:
                        item_path = item_path or _new(Path, (path, index, None))
                        self._item_error(raw_error, field, item_shape, item_path)
                        results.append(None)
                        continue
                    if type(completed) in _SYNC_TYPES or not is_awaitable(completed):
                        results.append(completed)
                        continue
                    item_path = item_path or _new(Path, (path, index, None))
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
        return _gathered(results, pending)

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
            self._item_error(raw_error, field, shape, path)
            return None
        return completed

    async def _item_completed_later(
        self, field: FieldPlan, shape: Shape, completed: Awaitable[Any], path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self._item_error(raw_error, field, shape, path)
            return None

    def _item_error(self, raw_error: Exception, field: FieldPlan, shape: Shape, path: Path) -> None:
        error = located_error(raw_error, list(field.nodes), path.as_list())
        if shape.kind == NON_NULL:
            raise error
        self.collected_errors.add(error, path)


async def _gathered(results: Any, pending: Sequence[Any]) -> Any:
    """``results`` (a dict or a list), the awaitables at ``pending`` replaced by their values."""
    if len(pending) == 1:  # no task for a single awaitable
        key = pending[0]
        results[key] = await results[key]
    else:
        values = await gather_with_cancel(*(results[key] for key in pending))
        for key, value in zip(pending, values, strict=True):
            results[key] = value
    return results


def execute_planned(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variable_values: dict[str, Any] | None = None,
    context_value: Any = None,
    root_value: Any = None,
    **options: Any,
) -> AwaitableOrValue[ExecutionResult]:
    """Execute a validated document with :class:`PlanExecutor`.

    The result is an ``ExecutionResult``, or an awaitable of it when a resolver is async.

    ``options`` go to graphql-core's ``execute`` (e.g. ``middleware``, ``hide_suggestions``).
    """
    options.setdefault("is_awaitable", optimized_is_awaitable)
    return execute(
        schema,
        document,
        root_value,
        context_value,
        variable_values,
        operation_name,
        executor_class=PlanExecutor,
        **options,
    )
