"""Schemas built for the executor's differential tests: a strawberry one and a graphql-core one.

Every resolver is deterministic, so that graphql-core's executor and comptoir's
give comparable answers; ``LOG`` records the order in which mutations ran.
"""

from __future__ import annotations

import asyncio
import enum
from decimal import Decimal
from typing import Annotated, Any, NewType, cast

import strawberry
from graphql import GraphQLError, GraphQLSchema, build_schema
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

LOG: list[str] = []
"""What the mutations appended, in the order they ran."""


def _odd_serialize(value: int) -> int:
    if value % 2 == 0:
        raise ValueError(f"{value} is not odd")
    return value


def _odd_parse(value: Any) -> int:
    if not isinstance(value, int) or value % 2 == 0:
        raise ValueError(f"{value!r} is not an odd integer")
    return value


Odd = NewType("Odd", int)
ODD = strawberry.scalar(
    name="Odd",
    serialize=_odd_serialize,
    parse_value=_odd_parse,
    description="An odd integer.",
)


@strawberry.enum(description="A colour.")
class Color(enum.Enum):
    """A colour."""

    RED = "red"
    GREEN = "green"
    BLUE = "blue"


@strawberry.input(description="Which items.")
class Filter:
    """Filters items."""

    prefix: str = ""
    colors: list[Color] | None = None
    minimum: int = 0


@strawberry.interface(description="Something with a name.")
class Named:
    """Has a name."""

    name: str


@strawberry.type(description="A person.")
class Person(Named):
    """A person, whose friends are people."""

    age: int
    email: str | None = None
    friend_names: strawberry.Private[list[str]] = strawberry.field(default_factory=list)

    @strawberry.field(description="Friends, by name.")
    def friends(self) -> list[Person]:
        return [PEOPLE[n] for n in self.friend_names]

    @strawberry.field(description="The first friend, later.")
    async def best_friend(self) -> Person | None:
        await asyncio.sleep(0)
        return PEOPLE[self.friend_names[0]] if self.friend_names else None

    @strawberry.field(description="Fails for people over 60.")
    def checked_age(self) -> int:
        if self.age > 60:
            raise ValueError(f"{self.name} is too old")
        return self.age


@strawberry.type(description="A robot.")
class Robot(Named):
    """A robot."""

    model: str


Entity = Annotated[Person | Robot, strawberry.union("Entity", description="A person or a robot.")]

PEOPLE = {
    "ada": Person(name="ada", age=36, email="ada@example.org", friend_names=["bob", "cyd"]),
    "bob": Person(name="bob", age=70, friend_names=["ada"]),
    "cyd": Person(name="cyd", age=25, email=None, friend_names=[]),
}


@strawberry.type(description="An item with every kind of field.")
class Item:
    """Plain attributes of every kind, and resolvers."""

    id: strawberry.ID
    count: int
    price: Decimal
    color: Color
    tags: list[str]
    matrix: list[list[int | None] | None]
    grid: list[list[int]]
    odd: Odd
    ratio: float
    active: bool
    note: str | None = None
    serial: str = strawberry.field(default="", description="Non-null, yet missing on odd items.")

    @strawberry.field(description="The id, with options.")
    def label(self, upper: bool = False, suffix: str | None = None) -> str:
        text = str(self.id).upper() if upper else str(self.id)
        return text + (suffix or "")

    @strawberry.field(description="The id, later.")
    async def slow_label(self, info: Info) -> str:
        await asyncio.sleep(0)
        return f"{info.path.key}:{self.id}"

    @strawberry.field(description="Always fails, nullable.")
    def fails(self) -> str | None:
        raise ValueError(f"item {self.id} failed")

    @strawberry.field(description="Always fails, non-null.")
    def fails_hard(self) -> str:
        raise ValueError(f"item {self.id} failed hard")

    @strawberry.field(description="Fails later, nullable.")
    async def fails_later(self) -> int | None:
        await asyncio.sleep(0)
        raise ValueError(f"item {self.id} failed later")

    @strawberry.field(description="Fails with a GraphQL error carrying extensions.")
    def coded(self) -> str | None:
        raise GraphQLError("coded failure", extensions={"code": "TEAPOT", "id": str(self.id)})

    @strawberry.field(description="Returns an exception instead of raising it.")
    def returned_error(self) -> str | None:
        return ValueError("returned, not raised")  # type: ignore[return-value]

    @strawberry.field(description="Children, some of them failing deep down.")
    def children(self) -> list[Item]:
        return [make_item(f"{self.id}.{n}", n) for n in range(2)]

    @strawberry.field(description="Items later, one at a time.")
    def later_items(self) -> list[Item | None]:
        async def one(n: int) -> Item | None:
            await asyncio.sleep(0)
            if n == 1:
                raise ValueError("no second item")
            return make_item(f"{self.id}~{n}", n)

        return [one(n) for n in range(3)]  # type: ignore[misc]


def make_item(item_id: str, n: int) -> Item:
    """A deterministic item; some values do not serialize (the odd scalar, non-finite floats)."""
    return Item(
        id=strawberry.ID(item_id),
        count=n * 10,
        price=Decimal(f"{n}.50"),
        color=list(Color)[n % 3],
        tags=[f"t{n}", f"u{n}"],
        matrix=[[n, None], None, [n + 1]],
        grid=[[n], [n, n]],
        odd=Odd(2 * n + 1),
        ratio=n / 4,
        active=n % 2 == 0,
        note=None if n % 2 else f"note {n}",
        serial=cast("str", None) if n % 2 else f"s{n}",
    )


@strawberry.type(description="A chain whose non-null end fails.")
class Chain:
    """Nested non-null fields."""

    @strawberry.field(description="The next link.")
    def next(self) -> Chain:
        return Chain()

    @strawberry.field(description="Fails.")
    def end(self) -> str:
        raise ValueError("the chain broke")

    @strawberry.field(description="Fine.")
    def ok(self) -> str:
        return "ok"


@strawberry.type(description="Reads.")
class Query:
    """Every read of the test schema."""

    @strawberry.field(description="Items, filtered.")
    def items(self, filter: Filter | None = None, first: int = 3) -> list[Item]:
        found = [make_item(f"i{n}", n) for n in range(5)]
        if filter is not None:
            found = [
                i
                for i in found
                if str(i.id).startswith(filter.prefix)
                and (filter.colors is None or i.color in filter.colors)
                and i.count >= filter.minimum
            ]
        return found[:first]

    @strawberry.field(description="Items, each one nullable, the list too.")
    def maybe_items(self, first: int = 3) -> list[Item | None] | None:
        return [make_item(f"m{n}", n) for n in range(first)]

    @strawberry.field(description="Items, non-null, in a nullable list.")
    def strict_items(self, first: int = 3) -> list[Item] | None:
        return [make_item(f"s{n}", n) for n in range(first)]

    @strawberry.field(description="One item.")
    async def item(self, id: strawberry.ID) -> Item | None:
        await asyncio.sleep(0)
        return make_item(str(id), 1) if str(id).startswith("i") else None

    @strawberry.field(description="One item, once a source has answered.")
    async def item_from_source(self, id: strawberry.ID, info: Info) -> Item | None:
        answered: asyncio.Event = info.context["source_answered"]
        await answered.wait()
        return make_item(str(id), 1)

    @strawberry.field(description="People.")
    def people(self) -> list[Person | None]:
        return list(PEOPLE.values())

    @strawberry.field(description="Persons and robots.")
    def entities(self) -> list[Entity]:
        return [PEOPLE["ada"], Robot(name="r2", model="astromech"), PEOPLE["cyd"]]

    @strawberry.field(description="Something named.")
    def named(self, robot: bool = False) -> Named | None:
        return Robot(name="r2", model="astromech") if robot else PEOPLE["bob"]

    @strawberry.field(description="A chain.")
    def chain(self) -> Chain:
        return Chain()

    @strawberry.field(description="A chain, nullable at the top.")
    def maybe_chain(self) -> Chain | None:
        return Chain()

    @strawberry.field(description="Not a list.")
    def not_a_list(self) -> list[int] | None:
        return 5  # type: ignore[return-value]

    @strawberry.field(description="Too big for Int.")
    def big(self) -> int:
        return 2**40

    @strawberry.field(description="Not a string.")
    def not_a_string(self) -> str | None:
        return {"a": 1}  # type: ignore[return-value]

    @strawberry.field(description="Not an odd number.")
    def even(self) -> Odd | None:
        return 4  # type: ignore[return-value]

    @strawberry.field(description="An odd number given as an argument.")
    def echo_odd(self, value: Odd) -> Odd:
        return value

    @strawberry.field(description="A colour given as an argument.")
    def echo_color(self, color: Color = Color.GREEN) -> Color:
        return color

    @strawberry.field(description="Not a member of the union.")
    def wrong_entity(self) -> Entity | None:
        return make_item("x", 0)  # type: ignore[return-value]


@strawberry.type(description="Writes.")
class Mutation:
    """Writes recorded in ``LOG``."""

    @strawberry.mutation(description="Append after a delay.")
    async def append(self, value: str, delay: float = 0.0) -> list[str]:
        await asyncio.sleep(delay)
        LOG.append(value)
        return list(LOG)

    @strawberry.mutation(description="Append now.")
    def append_now(self, value: str) -> list[str]:
        LOG.append(value)
        return list(LOG)

    @strawberry.mutation(description="Fails.")
    async def refuse(self) -> str:
        raise ValueError("refused")


def strawberry_schema(**options: Any) -> strawberry.Schema:
    """The strawberry schema of the differential tests."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Person, Robot],
        config=StrawberryConfig(scalar_map={Odd: ODD}),
        **options,
    )


STRAWBERRY_SCHEMA = strawberry_schema()
"""The strawberry schema; ``STRAWBERRY_SCHEMA._schema`` is its graphql-core schema."""


CORE_SDL = """
interface Pet { name: String! }
type Cat implements Pet { name: String! lives: Int }
type Dog implements Pet { name: String! barks: Boolean! }
union Animal = Cat | Dog
type Owner { name: String! pets: [Pet!]! favourite: Animal tagged(tags: [String!]!): [String!]! }
type Query {
  pets: [Pet]
  animals: [Animal!]!
  owner: Owner
  owners: [Owner]
  pet(name: String!): Pet
  greeting(name: String = "you"): String
  later: Owner
}
"""


def core_schema() -> GraphQLSchema:
    """A graphql-core schema: dict sources, the default resolvers, is_type_of (sync and async)."""
    schema = build_schema(CORE_SDL)
    cat = schema.type_map["Cat"]
    dog = schema.type_map["Dog"]
    cat.is_type_of = lambda value, _info: value.get("kind") == "cat"  # type: ignore[attr-defined]

    async def is_dog(value: Any, _info: Any) -> bool:
        await asyncio.sleep(0)
        return bool(value.get("kind") == "dog")

    dog.is_type_of = is_dog  # type: ignore[attr-defined]
    return schema


def core_root() -> dict[str, Any]:
    """The root value of :func:`core_schema`."""

    def tagged(_info: Any, tags: list[str]) -> list[str]:
        tags.append("seen")  # graphql-core builds a literal list afresh for every call
        return tags

    tom = {"kind": "cat", "name": "tom", "lives": 9}
    rex = {"kind": "dog", "name": "rex", "barks": True}
    mute = {"kind": "dog", "name": "mute", "barks": None}
    owner = {
        "name": "ann",
        "pets": [tom, rex],
        "favourite": {"__typename": "Cat", **tom},
        "tagged": tagged,
    }

    async def later(_info: Any) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"name": "late", "pets": [mute, tom], "favourite": rex}

    return {
        "pets": [tom, rex, None, mute],
        "animals": [rex, tom],
        "owner": owner,
        "owners": [owner, {"name": "bea", "pets": [mute], "favourite": None, "tagged": tagged}],
        "pet": lambda _info, name: {"tom": tom, "rex": rex}.get(name),
        "greeting": lambda _info, name: f"hello {name}",
        "later": later,
    }
