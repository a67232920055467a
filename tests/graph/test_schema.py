"""The printed schema is committed, described, and federated."""

from __future__ import annotations

from pathlib import Path

from comptoir.graph.schema import build_schema, printed_schema
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

ROOT = Path(__file__).resolve().parents[2]


def test_schema_graphql_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert printed_schema() == committed, "run `comptoir schema -o schema.graphql` and commit it"


def test_every_type_and_field_has_a_description() -> None:
    schema = build_schema()._schema
    missing = []
    for name, gql_type in schema.type_map.items():
        if name.startswith("_") or "__" in name:  # introspection and federation's own types
            continue
        described = GraphQLObjectType | GraphQLInputObjectType | GraphQLEnumType
        if isinstance(gql_type, described) and not gql_type.description:
            missing.append(name)
        if isinstance(gql_type, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in gql_type.fields.items():
                if field_name.startswith("_"):
                    continue
                if not field.description:
                    missing.append(f"{name}.{field_name}")
    assert missing == []


def test_entities_are_federation_keys() -> None:
    sdl = printed_schema()
    for entity, key in (("Product", "id"), ("Variant", "sku"), ("Customer", "id"), ("Order", "id")):
        assert f'type {entity} @key(fields: "{key}")' in sdl
