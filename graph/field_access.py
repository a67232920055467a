"""How the executor reads a strawberry field without strawberry's per-call wrapper.

Strawberry gives each GraphQL field a resolver of one of two shapes that can be
taken apart without changing what anyone sees:

- a field with no resolver of its own, no argument and no field extension gets
  ``_get_basic_result``, which reads the attribute ``python_name`` with the
  configured default resolver (``getattr``): the executor makes that read itself
  (a *plain attribute*);
- a field with a resolver, no field extension (permission classes are
  extensions) and no exception handler in the schema gets ``_resolver`` /
  ``_async_resolver``, which builds a ``strawberry.Info``, converts the GraphQL
  arguments and calls the resolver with the source as ``self`` / ``root`` /
  ``parent`` and the info where the resolver asks for them. When a call has no
  argument value at all, conversion gives nothing, so the executor builds the
  same ``Info`` and makes the same call (a *direct call*).

Both depend on strawberry internals (the wrappers' names, the back-reference
from a GraphQL field to its definition, the resolver's reserved parameters);
``tests/graph/test_field_access.py`` fails when one of them changes, so that a
strawberry upgrade cannot silently put every field back on the slow path.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from graphql import GraphQLField, GraphQLResolveInfo, GraphQLSchema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

BASIC_RESOLVER = "_get_basic_result"
"""The name strawberry gives the resolver of a field that has none of its own."""

WRAPPED_RESOLVERS = frozenset({"_resolver", "_async_resolver"})
"""The names strawberry gives its wrapper around a field's own resolver."""

CONTEXT_CALL = "comptoir_context_call"
"""The attribute by which a resolver offers a call that needs only the request's context.

``call(source, context)`` answers as the resolver would when called with no
argument value and an info of that context, or answers :data:`NEEDS_INFO`
when it cannot: the resolver is then called as usual. The executor builds no
resolve info for a field answered that way.
"""

NEEDS_INFO: Final = object()
"""What a context call answers when the resolver must be called with its info after all."""


@dataclass(frozen=True, slots=True)
class PlainAttribute:
    """A field answered by reading an attribute of its source object."""

    read: Callable[[Any, str], Any]
    """Strawberry's default resolver (``getattr`` unless the schema configures another)."""
    attribute: str
    """The Python attribute holding the value."""


@dataclass(frozen=True, slots=True)
class DirectCall:
    """A resolver that can be called without strawberry's wrapper when no argument is given."""

    call: Callable[[Any, Info[Any, Any]], Any]
    """Calls the resolver with the source and a ``strawberry.Info`` where it asks for them."""
    make_info: Callable[[GraphQLResolveInfo[Any], StrawberryField], Info[Any, Any]]
    """Builds the ``strawberry.Info`` from graphql-core's resolve info and the field."""
    definition: StrawberryField
    """The strawberry field, which every ``Info`` carries."""
    context_call: Callable[[Any, Any], Any] | None = None
    """The resolver's call on the request's context alone, if it offers one (:data:`CONTEXT_CALL`)."""


def definition_of(field: GraphQLField) -> StrawberryField | None:
    """The strawberry field behind a GraphQL field, if strawberry built it."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return definition if isinstance(definition, StrawberryField) else None


def _resolver_name(field: GraphQLField) -> str:
    return getattr(field.resolve, "__name__", "") if field.resolve is not None else ""


def _unchanged_get_result(definition: StrawberryField) -> bool:
    # A field class of its own may answer differently from a plain read or call.
    return type(definition).get_result is StrawberryField.get_result


def plain_attribute(field: GraphQLField) -> PlainAttribute | None:
    """How to read ``field`` as a plain attribute, or ``None`` when it needs its resolver."""
    if field.args or _resolver_name(field) != BASIC_RESOLVER:
        return None
    definition = definition_of(field)
    if definition is None or definition.base_resolver is not None or definition.extensions:
        return None
    attribute = definition.python_name
    read = definition.default_resolver
    if not isinstance(attribute, str) or not callable(read):
        return None
    if not _unchanged_get_result(definition):
        return None
    return PlainAttribute(read=read, attribute=attribute)


class FieldAccess:
    """Decides, once per field of one schema, whether it can be read or called directly."""

    def __init__(self, schema: GraphQLSchema) -> None:
        strawberry_schema = getattr(schema, "_strawberry_schema", None)
        config = getattr(strawberry_schema, "config", None)
        info_class = getattr(config, "info_class", None)
        self.make_info: (
            Callable[[GraphQLResolveInfo[Any], StrawberryField], Info[Any, Any]] | None
        ) = (
            _info_maker(info_class)
            if isinstance(info_class, type) and issubclass(info_class, Info)
            else None
        )
        # A handler may turn a resolver's exception into a value; the wrapper applies it.
        handlers = getattr(strawberry_schema, "exception_handlers", None)
        self.handles_exceptions = handlers is None or bool(handlers)

    def direct_call(self, field: GraphQLField) -> DirectCall | None:
        """How to call ``field``'s resolver directly, or ``None`` when it needs the wrapper."""
        if self.make_info is None or self.handles_exceptions:
            return None
        if _resolver_name(field) not in WRAPPED_RESOLVERS:
            return None
        definition = definition_of(field)
        if definition is None or definition.extensions or not _unchanged_get_result(definition):
            return None
        resolver = definition.base_resolver
        if resolver is None:
            return None
        function = resolver.wrapped_func
        if not inspect.isfunction(function) or inspect.isasyncgenfunction(function):
            return None
        call = _caller(
            function,
            takes_self=resolver.self_parameter is not None,
            source_names=tuple(
                p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p
            ),
            info_name=resolver.info_parameter.name if resolver.info_parameter else None,
        )
        context_call = getattr(function, CONTEXT_CALL, None)
        return DirectCall(
            call=call,
            make_info=self.make_info,
            definition=definition,
            context_call=context_call if callable(context_call) else None,
        )


def _info_maker(
    info_class: type[Info[Any, Any]],
) -> Callable[[GraphQLResolveInfo[Any], StrawberryField], Info[Any, Any]]:
    """How to build an ``Info`` as strawberry does (``info_class(_raw_info=..., _field=...)``)."""
    parameters = list(inspect.signature(info_class).parameters.values())[:2]
    if [(p.name, p.kind) for p in parameters] == [
        ("_raw_info", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        ("_field", inspect.Parameter.POSITIONAL_OR_KEYWORD),
    ]:
        return info_class  # the same call, positional: much faster than by keyword
    return lambda raw_info, field: info_class(_raw_info=raw_info, _field=field)


def _caller(
    function: Callable[..., Any],
    *,
    takes_self: bool,
    source_names: tuple[str, ...],
    info_name: str | None,
) -> Callable[[Any, Info[Any, Any]], Any]:
    """The call strawberry's ``get_arguments`` makes when no argument value is given.

    Strawberry passes the source first when the resolver takes ``self``, then by
    keyword the source as ``root`` / ``parent`` and the info. Where those
    parameters lead the signature and may be given either way, they are passed
    by position: the same binding, at a lower cost.
    """
    by_name = dict.fromkeys(source_names, "source")
    if info_name is not None:
        by_name[info_name] = "info"
    parameters = list(inspect.signature(function, follow_wrapped=False).parameters.values())
    leading = parameters[1 : 1 + len(by_name)] if takes_self else parameters[: len(by_name)]
    order = tuple(
        by_name[p.name]
        for p in leading
        if p.name in by_name and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    )
    if len(order) == len(by_name):
        positional = ("source",) * takes_self + order
        fast = _POSITIONAL_CALLS.get(positional)
        if fast is not None:
            return fast(function)

    def call(source: Any, info: Info[Any, Any]) -> Any:
        kwargs: dict[str, Any] = dict.fromkeys(source_names, source)
        if info_name is not None:
            kwargs[info_name] = info
        return function(source, **kwargs) if takes_self else function(**kwargs)

    return call


Caller = Callable[[Any, Info[Any, Any]], Any]

_POSITIONAL_CALLS: dict[tuple[str, ...], Callable[[Callable[..., Any]], Caller]] = {
    (): lambda f: lambda source, info: f(),
    ("source",): lambda f: lambda source, info: f(source),
    ("info",): lambda f: lambda source, info: f(info),
    ("source", "info"): lambda f: lambda source, info: f(source, info),
    ("info", "source"): lambda f: lambda source, info: f(info, source),
}
"""Calls by position, for the usual orders of ``self`` / ``root`` / ``parent`` and ``info``."""
