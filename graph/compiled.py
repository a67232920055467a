"""Selection plans compiled to Python: the executor's work on one selection, unrolled once per plan.

:class:`~comptoir.graph.executor.PlanExecutor` answers an object's fields by
looping over its plan: for each field, branch on how it is answered, read the
attribute through the schema's default resolver or call the resolver through
``_resolve``, then complete the value through ``_complete``. A category page
does that for some seven hundred objects of a dozen plans, and on CPython every
call and every branch costs. Each plan is therefore turned, once, into a
function of its own: one block per field, in response order, with

- a plain attribute read by name (``source.name`` is what the default
  resolver's ``getattr(source, "name")`` does);
- a resolver called directly (see :mod:`comptoir.graph.field_access`), on the
  request's context alone when it offers that, its resolve info built only
  when it is called with one;
- the value completed for the field's own type: a built-in scalar's value that
  is its own serialization kept, a leaf serialized, an object run through its
  own compiled plan, a list handed to the executor's list completion.

Everything else — an awaitable, an error, an abstract type, an argument
value, a value of an unexpected type — takes the executor's general methods at
the same point, so the answers, errors and paths are the same:
``tests/graph/test_executor.py`` holds every planned operation, compiled, to
graphql-core's answers, and ``tests/graph/test_compiled.py`` checks that the
category page's plans take the fast forms.
"""

from __future__ import annotations

import keyword
import logging
from typing import Any

from comptoir.graph.completion import gathered, noted
from comptoir.graph.field_access import NEEDS_INFO
from comptoir.graph.plan import (
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
    ObjectRunner,
    OperationPlan,
    SelectionPlan,
    Shape,
)
from graphql.pyutils import Path

log = logging.getLogger("comptoir.graph")


def _fast_check(fast: type | None) -> str | None:
    """The test that a value is its own serialization (the executor's own test)."""
    if fast is str:
        return "type(value) is str"
    if fast is bool:
        return "type(value) is bool"
    if fast is int:
        return "type(value) is int and MIN_INT <= value <= MAX_INT"
    return None


def _readable(attribute: str) -> bool:
    return attribute.isidentifier() and not keyword.iskeyword(attribute)


def _plain_object(shape: Shape) -> bool:
    """Whether ``shape`` is an object type (or a non-null one) completed by its plan alone."""
    inner = shape.of if shape.kind == NON_NULL else shape
    return inner is not None and inner.kind == OBJECT and inner.type.is_type_of is None


class _Source:
    """The function being written: its lines and the names its body reads."""

    def __init__(self, plan: SelectionPlan) -> None:
        self.names: dict[str, Any] = {
            "gathered": gathered,
            "noted": noted,
            "NEEDS_INFO": NEEDS_INFO,
            "Path": Path,
            "tuple_of": tuple.__new__,
            "MIN_INT": MIN_INT,
            "MAX_INT": MAX_INT,
            "TYPE_NAME": plan.type_name,
        }
        self.lines: list[str] = []
        self.uses_context = False
        self.uses_plain = False

    def name(self, prefix: str, index: int, value: Any) -> str:
        name = f"{prefix}{index}"
        self.names[name] = value
        return name

    def add(self, indent: int, *lines: str) -> None:
        self.lines.extend(" " * indent + line for line in lines)

    def pending(self, indent: int, key: str) -> None:
        """``result`` stored under ``key``, noted as pending when it is an awaitable."""
        self.add(
            indent,
            f"results[{key}] = result",
            "if type(result) not in known and ex.is_awaitable(result):",
            f"    pending = noted(pending, {key})",
        )

    def child_run(self, indent: int, index: int, field: FieldPlan, shape: Shape) -> None:
        """``run``: the compiled plan of the object type under ``shape``."""
        inner = shape.of if shape.kind == NON_NULL else shape
        assert inner is not None
        children = self.name("C", index, field.children)
        object_type = self.name("T", index, inner.type)
        self.add(
            indent,
            f"child = {children}.get({object_type})",
            f"run = (child and child.run) or ex._child_runner(F{index}, {object_type})",
        )


def _plain(source: _Source, index: int, field: FieldPlan, key: str) -> None:
    """One turn of the executor's loop for a plain attribute."""
    if field.read is getattr and _readable(field.attribute):
        read = f"source.{field.attribute}"
    else:
        read = f"{source.name('R', index, field.read)}(source, {source.name('A', index, field.attribute)})"
    source.add(
        8,
        "try:",
        f"    value = {read}",
        "except Exception as raw_error:",
        f"    ex._plain_error(raw_error, F{index}, path, results)",
        "else:",
    )
    rest = f"pending = ex._plain_value(F{index}, value, path, results, pending)"
    check = _fast_check(field.fast)
    if check is not None:
        source.add(12, f"if {check}:", f"    results[{key}] = value", "else:", f"    {rest}")
    elif _plain_object(field.shape):
        # A plain object: its plan at once, anything else as the loop does it.
        source.uses_plain = True
        source.add(
            12, "if type(value) in plain:", f"    p = tuple_of(Path, (path, {key}, TYPE_NAME))"
        )
        source.child_run(16, index, field, field.shape)
        source.add(
            16,
            "try:",
            "    result = run(ex, value, p)",
            "except Exception as raw_error:",
            f"    ex._field_error(raw_error, F{index}, p)",
            "    result = None",
            "else:",
            "    if type(result) is not dict:",
            f"        result = ex._completed_later(F{index}, result, p)",
            f"        pending = noted(pending, {key})",
            f"results[{key}] = result",
        )
        source.add(12, "else:", f"    {rest}")
    else:
        source.add(12, rest)


def _completion(source: _Source, index: int, field: FieldPlan) -> None:
    """``result``: ``value``, what the resolver gave, completed for the field."""
    shape = field.shape
    inner = shape.of if shape.kind == NON_NULL else shape
    assert inner is not None
    generic = f"result = ex._resolved(F{index}, value, p)"
    check = _fast_check(inner.fast) if inner.kind == LEAF else None
    if check is not None:
        source.add(12, f"if {check}:", "    result = value", "else:", f"    {generic}")
    elif _plain_object(shape):
        source.uses_plain = True
        source.add(12, "if type(value) in plain:")
        source.child_run(16, index, field, shape)
        source.add(
            16,
            "result = run(ex, value, p)",
            "if type(result) is not dict:",
            f"    result = ex._completed_later(F{index}, result, p)",
        )
        source.add(12, "else:", f"    {generic}")
    elif inner.kind == LIST and inner.of is not None and _plain_object(inner.of):
        # A list of plain objects: each through the item type's plan, in one call.
        source.uses_plain = True
        items = source.name("IS", index, inner.of)
        source.add(12, "if type(value) is list and plain.issuperset(map(type, value)):")
        source.child_run(16, index, field, inner.of)
        source.add(
            16,
            f"result = ex._plain_list(F{index}, {items}, run, value, p)",
            "if type(result) is not list:",
            f"    result = ex._completed_later(F{index}, result, p)",
        )
        source.add(12, "else:", f"    {generic}")
    else:
        source.add(12, generic)


def _direct(source: _Source, index: int, field: FieldPlan, key: str) -> None:
    """The executor's _resolve for a resolver called directly, inlined."""
    direct = field.direct
    assert direct is not None
    call = source.name("CALL", index, direct.call)
    make = source.name("MAKE", index, direct.make_info)
    definition = source.name("DEF", index, direct.definition)
    called = f"{call}(source, {make}(ex._info(F{index}, p), {definition}))"
    source.add(8, f"p = tuple_of(Path, (path, {key}, TYPE_NAME))", "try:")
    if direct.context_call is not None:
        source.uses_context = True
        in_context = source.name("CTX", index, direct.context_call)
        source.add(
            12,
            f"value = {in_context}(source, context)",
            "if value is NEEDS_INFO:",
            f"    value = {called}",
        )
    else:
        source.add(12, f"value = {called}")
    _completion(source, index, field)
    source.add(
        8,
        "except Exception as raw_error:",
        f"    ex._field_error(raw_error, F{index}, p)",
        "    result = None",
    )
    source.pending(8, key)


def _inlined(field: FieldPlan) -> bool:
    """Whether ``field``'s resolver call is inlined (else the executor's ``_resolve`` runs)."""
    return (
        field.direct is not None
        and field.args_mode < PER_REQUEST
        and not field.args
        and not field.needs_info
    )


def source_of(plan: SelectionPlan) -> tuple[str, dict[str, Any]]:
    """The Python source of ``plan``'s runner, and the names it reads."""
    source = _Source(plan)
    for index, field in enumerate(plan.fields):
        key = repr(field.key)
        source.name("F", index, field)
        if field.mode == TYPENAME:
            source.add(8, f"results[{key}] = TYPE_NAME")
        elif field.mode == PLAIN:
            _plain(source, index, field, key)
        elif _inlined(field):
            _direct(source, index, field, key)
        else:
            source.add(8, f"result = ex._resolve(F{index}, source, path)")
            source.pending(8, key)
    head = [
        "def run(ex, source, path):",
        "    results = {}",
        "    pending = None",
        "    known = ex.not_awaitable",
    ]
    if source.uses_context:
        head.append("    context = ex.context_value")
    if source.uses_plain:
        head.append("    plain = ex.plain_objects")
    body = source.lines or ["        pass"]
    tail = [
        "    except Exception:",
        "        if pending:",
        "            ex.settle_in_background([results[key] for key in pending])",
        "        raise",
        "    if pending is None:",
        "        return results",
        "    return gathered(results, pending)",
    ]
    return "\n".join([*head, "    try:", *body, *tail]) + "\n", source.names


COMPILE_ON_RUN = 2
"""The run of an operation plan at whose start every one of its plans not yet compiled is.

Compiling costs about half a millisecond per plan (a category page has fifteen):
the first run of a document loops over its plans instead, except those
compiled while it waited for its sources (planning ahead); a second run
means the document is in use, and its plans are compiled then, once.
"""


def compile_every_plan(operation: OperationPlan) -> None:
    """Compile every selection of ``operation`` planned so far (and not compiled yet)."""
    pending = [operation.root]
    while pending:
        plan = pending.pop()
        if plan.run is None:
            plan.run = compile_plan(plan)
        for field in plan.fields:
            pending.extend(field.children.values())


def compile_plan(plan: SelectionPlan) -> ObjectRunner | None:
    """``plan``'s runner: the executor's work on it, unrolled into a function of its own.

    ``None`` when it cannot be compiled (logged): the executor keeps looping
    over the plan, which answers the same.
    """
    try:
        text, names = source_of(plan)
        code = compile(text, f"<selection {plan.type_name}>", "exec")
        exec(code, names)  # noqa: S102  # source written above from the plan itself
    except Exception:
        log.exception("the selection on %s could not be compiled", plan.type_name)
        return None
    runner: ObjectRunner = names["run"]
    return runner
