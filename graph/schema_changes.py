"""What a schema change does to the queries front-end teams already send (graphql-core's checks).

A *breaking* change makes a valid query invalid or changes what it returns (a field, type,
argument or enum value removed, an argument made required, a type changed); a *dangerous* one
keeps queries valid but may surprise a client (an enum value or a union member added, a
default value changed). Federation's directives (`@link`, `@key`) are read but not compared:
what a gateway composes is not what a client queries.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    BreakingChange,
    DangerousChange,
    GraphQLError,
    GraphQLSchema,
    build_ast_schema,
    find_breaking_changes,
    find_dangerous_changes,
    parse,
)


class InvalidSchemaText(ValueError):
    """A text that is not a GraphQL schema (SDL): not parsable, or naming unknown types."""


@dataclass(frozen=True)
class SchemaChanges:
    """The breaking and dangerous changes from one schema to the next."""

    breaking: list[BreakingChange]
    dangerous: list[DangerousChange]


def load_sdl(text: str) -> GraphQLSchema:
    """A schema from its SDL, as `comptoir schema` prints it (federation directives included)."""
    try:
        # The printed subgraph uses @link and @key without defining them: skip the SDL
        # validation that would refuse them; a reference to an unknown type still fails.
        return build_ast_schema(parse(text), assume_valid_sdl=True)
    except (GraphQLError, TypeError) as exc:
        raise InvalidSchemaText(str(exc)) from exc


def schema_changes(old_sdl: str, new_sdl: str) -> SchemaChanges:
    """What changing the schema from `old_sdl` to `new_sdl` does to existing queries."""
    old, new = load_sdl(old_sdl), load_sdl(new_sdl)
    return SchemaChanges(
        breaking=find_breaking_changes(old, new), dangerous=find_dangerous_changes(old, new)
    )
