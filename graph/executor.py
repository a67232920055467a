"""A plan-based GraphQL executor: graphql-core's answers, without its per-field machinery.

graphql-core collects the sub-fields of every object, builds a resolve info and
calls a resolver for every field of every object, and walks the field's type
anew for each value. On a catalog page (a few dozen products, some two thousand
fields) that is most of the CPU a request costs. :class:`PlanExecutor` runs the
operation's plan instead (see :mod:`comptoir.graph.plan`): a plain attribute is
read and serialized in place; a resolver is called with a resolve info built
for it alone; a strawberry resolver given no argument is called without
strawberry's wrapper (see :mod:`comptoir.graph.field_access`); what it returns
is completed on the plan too (see :mod:`comptoir.graph.completion`).

What comes out is what graphql-core's executor gives: the same data, the same
errors (message, path, locations, original error), nulls propagated to the same
nullable parent, awaitables gathered and cancelled the same way, synchronous
results kept synchronous. Operations a plan does not cover (middleware,
@defer/@stream, fragment arguments, an abort signal, subscriptions, disabled
error propagation) take graphql-core's own path.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from decimal import Decimal
from types import GeneratorType
from typing import Any, cast

from comptoir.graph.compiled import COMPILE_ON_RUN, compile_every_plan, compile_plan
from comptoir.graph.completion import SYNC_TYPES, PlanCompletion, gathered, noted, tuple_of
from comptoir.graph.field_access import NEEDS_INFO
from comptoir.graph.plan import (
    MAX_INT,
    MIN_INT,
    OBJECT,
    PER_REQUEST,
    PLAIN,
    TYPENAME,
    FieldPlan,
    ObjectRunner,
    OperationPlan,
    SelectionPlan,
)
from comptoir.sources.upstream import WRITES
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationType,
)
from graphql.execution import execute
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.execution import optimized_is_awaitable

_PLANNED_OPERATIONS = (OperationType.QUERY, OperationType.MUTATION)

PLAN_AHEAD_AFTER_S = 0.001
"""How long an operation's first requests have to go out before its planning ahead starts."""

_PLANNING: set[asyncio.Task[None]] = set()
"""The plannings ahead under way (held, so that they are not collected midway)."""

log = logging.getLogger("comptoir.graph")

MAX_PLAIN_TYPES = 4096
"""How many types :func:`is_awaitable` remembers as never awaitable."""

_NOT_AWAITABLE: set[type] = set(SYNC_TYPES)
"""The types :func:`is_awaitable` answers ``False`` for without looking further."""

_PLAIN_OBJECTS: set[type] = set()
"""Of those, the ones an object's plan may run on as they are: not an exception, not None."""

_GENERIC_GETATTRIBUTE: frozenset[Any] = frozenset(
    {object.__getattribute__, Decimal.__getattribute__}  # Decimal's: the generic lookup, in C
)
"""Attribute lookups that find an instance's attributes on its class alone."""


def is_awaitable(value: Any) -> bool:
    """strawberry's ``optimized_is_awaitable``, remembering the types it found not awaitable.

    A page checks every resolver's result and every list item, a few
    thousand values of a few dozen types (a price, a media, a variant).
    Whether a value can be awaited is decided by its type, except for a
    generator (a generator-based coroutine is one) and a type that answers
    attribute lookups itself (``__getattr__``, ``__getattribute__``): such
    types are checked every time, the others once. An enum's class has a
    ``__getattr__`` of its metaclass's, which its members' lookups never use.
    """
    kind = type(value)
    if kind in _NOT_AWAITABLE:
        return False
    if optimized_is_awaitable(value):
        return True
    if (
        kind is not GeneratorType
        and kind.__getattribute__ in _GENERIC_GETATTRIBUTE
        and not any("__getattr__" in vars(base) for base in kind.__mro__)
        and len(_NOT_AWAITABLE) < MAX_PLAIN_TYPES
    ):
        _NOT_AWAITABLE.add(kind)
        if not issubclass(kind, Exception):
            _PLAIN_OBJECTS.add(kind)
    return False


class PlanExecutor(PlanCompletion):
    """Strawberry's graphql-core executor, running cached plans instead of per-field machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._request_args: dict[FieldPlan, dict[str, Any]] = {}
        if self.is_awaitable is is_awaitable:  # else only the types no check accepts
            self.not_awaitable = _NOT_AWAITABLE
            self.plain_objects = _PLAIN_OBJECTS

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
            plan.runs += 1
            if plan.runs == COMPILE_ON_RUN:
                compile_every_plan(plan)
            if plan.serial if serially is None else serially:
                result = self._serially(plan.root, self.root_value)
            else:
                result = self._object(plan.root, self.root_value, None)
            if self.is_awaitable(result):
                self._plan_ahead(plan)
                return self._response_later(result)
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self._release(self.finish(self.build_response(None)))
        return self._release(self.finish(self.build_response(cast("dict[str, Any]", result))))

    def _plan_ahead(self, plan: OperationPlan) -> None:
        """Plan the operation's sub-selections while it waits for its sources.

        Sub-selections are planned on first use, which for a cold operation is
        once every answer is in, on the critical path. The first time an
        operation waits, they are planned in the background instead.
        """
        if plan.ahead:
            return
        plan.ahead = True
        task = asyncio.get_running_loop().create_task(self._planned_ahead(plan))
        _PLANNING.add(task)
        task.add_done_callback(_PLANNING.discard)

    async def _planned_ahead(self, plan: OperationPlan) -> None:
        """Every object sub-selection of ``plan``, one per turn of the loop, after a short wait.

        The wait lets the operation's first requests go out first; a turn of
        the loop between plans lets an answer that comes in be read at once.
        Each plan is also compiled while requests to sources are unanswered:
        the process would otherwise only wait.
        """
        await asyncio.sleep(PLAN_AHEAD_AFTER_S)
        pending = [plan.root]
        try:
            while pending:
                selection = pending.pop()
                if selection.run is None and WRITES.unanswered:
                    selection.run = compile_plan(selection)
                    await asyncio.sleep(0)
                for field in selection.fields:
                    for shape in field.shape.walk():
                        if shape.kind == OBJECT:
                            pending.append(self._child(field, shape.type))
                            await asyncio.sleep(0)
        except Exception:  # the operation plans it itself, and reports what fails
            log.debug("planning ahead failed", exc_info=True)

    async def _response_later(self, result: Awaitable[dict[str, Any]]) -> Any:
        try:
            data = await result
        except GraphQLError as error:
            self.collected_errors.add(error, None)
            return self._release(self.build_response(None))
        except Exception:
            await self.cancel_incremental_work()
            self.run_async_work_finished_hook()
            raise
        return self._release(self.build_response(data))

    def _release(self, response: Any) -> Any:
        """``response``, the executor no longer holding its helpers.

        graphql-core's helpers hold bound methods of the executor, a cycle that
        keeps the request's context alive until a full garbage collection;
        broken here, the request is freed as soon as it is answered.
        """
        self.async_helpers = None  # type: ignore[assignment]
        self._info_tail = ()
        return response

    # Objects

    def _object(self, plan: SelectionPlan, source: Any, path: Path | None) -> Any:
        """The fields of ``plan`` on ``source``: a dict, or an awaitable of it."""
        run = plan.run
        if run is not None:
            return run(self, source, path)
        return self._loop(plan, source, path)

    def _child_runner(self, field: FieldPlan, object_type: GraphQLObjectType) -> ObjectRunner:
        """The runner of ``field``'s sub-selection on ``object_type`` (planned on first use)."""
        return self._runner(self._child(field, object_type))

    def _plain_error(
        self, raw_error: Exception, field: FieldPlan, path: Path | None, results: dict[str, Any]
    ) -> None:
        """A plain attribute that could not be read: reported, and null (or raised, non-null)."""
        self._field_error(raw_error, field, tuple_of(Path, (path, field.key, field.parent_name)))
        results[field.key] = None

    def _plain_value(
        self,
        field: FieldPlan,
        value: Any,
        path: Path | None,
        results: dict[str, Any],
        pending: list[str] | None,
    ) -> list[str] | None:
        """The loop's turn for a plain attribute's value that is not its own serialization."""
        key = field.key
        if value is None and not field.non_null:
            results[key] = None
            return pending
        result = results[key] = self._value(field, value, path)
        if type(result) not in SYNC_TYPES and self.is_awaitable(result):
            return noted(pending, key)
        return pending

    def _runner(self, plan: SelectionPlan) -> ObjectRunner:
        """``plan``'s compiled function; until it is compiled, the loop over it."""
        run = plan.run
        if run is not None:
            return run
        return lambda executor, source, path: executor._loop(plan, source, path)

    def _loop(self, plan: SelectionPlan, source: Any, path: Path | None) -> Any:
        """The fields of ``plan`` on ``source`` by looping over the plan (not yet compiled)."""
        results: dict[str, Any] = {}
        pending: list[str] | None = None
        is_awaitable = self.is_awaitable
        try:
            for mode, key, read, attribute, fast, field in plan.entries:
                if mode == PLAIN:
                    try:
                        value = read(source, attribute)
                    except Exception as raw_error:
                        self._plain_error(raw_error, field, path, results)
                        continue
                    # str, bool and int values that serialize to themselves
                    if type(value) is fast and (
                        fast is not int or MIN_INT <= value <= MAX_INT  # type: ignore[operator]
                    ):
                        results[key] = value
                    else:
                        pending = self._plain_value(field, value, path, results, pending)
                    continue
                if mode == TYPENAME:
                    results[key] = plan.type_name
                    continue
                result = results[key] = self._resolve(field, source, path)
                if type(result) not in SYNC_TYPES and is_awaitable(result):
                    pending = noted(pending, key)
        except Exception:
            if pending:  # other fields' awaitables may fail too: settle them
                self.settle_in_background([results[key] for key in pending])
            raise
        if pending is None:
            return results
        return gathered(results, pending)

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
                path = tuple_of(Path, (None, field.key, field.parent_name))
                self._field_error(raw_error, field, path)
                return None
            return self._value(field, value, None)
        return self._resolve(field, source, None)

    # Fields

    def _resolve(self, field: FieldPlan, source: Any, parent_path: Path | None) -> Any:
        """Call the field's resolver and complete what it returns."""
        path = tuple_of(Path, (parent_path, field.key, field.parent_name))
        info = None
        try:
            args = field.args if field.args_mode < PER_REQUEST else self._arguments(field)
            direct = field.direct
            if direct is not None and not args:
                context_call = direct.context_call
                value = (
                    NEEDS_INFO if context_call is None else context_call(source, self.context_value)
                )
                if value is NEEDS_INFO:
                    info = self._info(field, path)
                    value = direct.call(source, direct.make_info(info, direct.definition))
            else:
                info = self._info(field, path)
                resolve = field.field.resolve or self.field_resolver
                value = resolve(source, info, **args)
            return self._resolved(field, value, path, info)
        except Exception as raw_error:
            self._field_error(raw_error, field, path)
            return None

    def _resolved(
        self,
        field: FieldPlan,
        value: Any,
        path: Path,
        info: GraphQLResolveInfo[Any] | None = None,
    ) -> Any:
        """What a resolver gave, completed: the value, or an awaitable of it."""
        if type(value) not in SYNC_TYPES and self.is_awaitable(value):
            return self._complete_later(field, value, path, info)
        completed = self._complete(field, field.shape, value, path, info)
        if type(completed) not in SYNC_TYPES and self.is_awaitable(completed):
            return self._completed_later(field, completed, path)
        return completed

    def _value(self, field: FieldPlan, value: Any, parent_path: Path | None) -> Any:
        """Complete a plain attribute's value (one that does not serialize to itself)."""
        if (
            value is not None
            and value is not Undefined
            and not isinstance(value, Exception)
            and (type(value) in SYNC_TYPES or not self.is_awaitable(value))
        ):
            # The usual cases without the general completion: a leaf, an object.
            leaf = field.leaf
            if leaf is not None:
                try:
                    return leaf(value)
                except Exception as raw_error:
                    path = tuple_of(Path, (parent_path, field.key, field.parent_name))
                    self._field_error(raw_error, field, path)
                    return None
            object_type = field.object_type
            if object_type is not None and object_type.is_type_of is None:
                path = tuple_of(Path, (parent_path, field.key, field.parent_name))
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
        path = tuple_of(Path, (parent_path, field.key, field.parent_name))
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
    options.setdefault("is_awaitable", is_awaitable)
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
