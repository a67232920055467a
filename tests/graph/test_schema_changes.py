"""Schema changes: the check of `comptoir schema --check-breaking` and the released schemas."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from comptoir.graph.schema_changes import InvalidSchemaText, schema_changes
from typer.testing import CliRunner

from comptoir.cli import app

ROOT = Path(__file__).resolve().parents[2]
RELEASED = ROOT / "schema" / "released"
CURRENT = (ROOT / "schema.graphql").read_text(encoding="utf-8")


def _older(*, add: str = "", drop: str = "") -> str:
    """The current SDL as an older release would have had it: `add` in Query, `drop` gone."""
    old = CURRENT.replace("type Query {\n", f"type Query {{\n  {add}\n", 1) if add else CURRENT
    if drop:
        assert drop in old
        old = old.replace(drop, "", 1)
    return old


def test_a_removed_field_is_breaking() -> None:
    changes = schema_changes(_older(add="retired: String"), CURRENT)
    assert [c.description for c in changes.breaking] == ["Field Query.retired was removed."]


def test_an_added_enum_value_is_dangerous_not_breaking() -> None:
    changes = schema_changes(_older(drop="  CLICK_AND_COLLECT\n"), CURRENT)
    assert changes.breaking == []
    assert [c.description for c in changes.dangerous] == [
        "Enum value DeliveryMode.CLICK_AND_COLLECT was added."
    ]


def test_a_text_that_is_not_a_schema_is_refused() -> None:
    for text in ("type Query {", "type Query { a: Unknown }"):
        with pytest.raises(InvalidSchemaText):
            schema_changes(text, CURRENT)


def test_check_breaking_exits_1_and_lists_breaking_changes(tmp_path: Path) -> None:
    old = tmp_path / "old.graphql"
    old.write_text(_older(add="retired: String", drop="  CLICK_AND_COLLECT\n"), encoding="utf-8")
    result = CliRunner().invoke(app, ["schema", "--check-breaking", str(old)])
    assert result.exit_code == 1, result.output
    assert "breaking: FIELD_REMOVED: Field Query.retired was removed." in result.stdout
    assert (
        "warning: dangerous: VALUE_ADDED_TO_ENUM: "
        "Enum value DeliveryMode.CLICK_AND_COLLECT was added." in result.stderr
    )


def test_check_breaking_passes_with_dangerous_changes_only(tmp_path: Path) -> None:
    old = tmp_path / "old.graphql"
    old.write_text(_older(drop="  CLICK_AND_COLLECT\n"), encoding="utf-8")
    result = CliRunner().invoke(app, ["schema", "--check-breaking", str(old)])
    assert result.exit_code == 0, result.output
    assert "no breaking change" in result.stdout and "breaking:" not in result.stdout
    assert "warning: dangerous:" in result.stderr


def test_check_breaking_refuses_a_file_that_is_not_a_schema(tmp_path: Path) -> None:
    old = tmp_path / "old.graphql"
    old.write_text("not graphql at all {", encoding="utf-8")
    # Wide enough that the error box does not wrap the message.
    result = CliRunner().invoke(
        app, ["schema", "--check-breaking", str(old)], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2
    assert "is not a GraphQL schema" in result.output
    assert "Traceback" not in result.output


def _release_number(path: Path) -> int:
    return int(path.stem.removeprefix("v"))


def announced_breaking_changes(changelog: str) -> set[str]:
    """The descriptions listed under `### Breaking changes` of the Unreleased section."""
    unreleased = re.search(r"^## Unreleased.*?$(.*?)(?=^## |\Z)", changelog, re.M | re.S)
    assert unreleased is not None, "CHANGELOG.md has no `## Unreleased` section"
    breaking = re.search(r"^### Breaking changes$(.*?)(?=^##|\Z)", unreleased.group(1), re.M | re.S)
    assert breaking is not None, "the Unreleased section has no `### Breaking changes` list"
    return set(re.findall(r"^- `([^`]+)`", breaking.group(1), re.M))


def test_announced_breaking_changes_are_read_from_the_unreleased_section() -> None:
    changelog = (
        "## Unreleased (v3)\n\n### Breaking changes\n\n"
        "- `Field Query.retired was removed.` Ask `product` instead.\n\n"
        "### Added\n\n- `Query.new` something.\n\n"
        "## v2\n\n### Breaking changes\n\n- `Field Query.old was removed.` Long ago.\n"
    )
    assert announced_breaking_changes(changelog) == {"Field Query.retired was removed."}


def test_no_unannounced_breaking_change_since_the_last_release() -> None:
    released = sorted(RELEASED.glob("v*.graphql"), key=_release_number)
    assert released, "schema/released/ holds the schema of every release"
    latest = released[-1]
    changes = schema_changes(latest.read_text(encoding="utf-8"), CURRENT)
    found = {change.description for change in changes.breaking}
    announced = announced_breaking_changes((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert found <= announced, (
        f"breaking changes since {latest.name} not announced in CHANGELOG.md "
        f"(Unreleased → Breaking changes): {sorted(found - announced)}"
    )
    assert announced <= found, (
        "CHANGELOG.md announces breaking changes that no longer happen: "
        f"{sorted(announced - found)}"
    )
