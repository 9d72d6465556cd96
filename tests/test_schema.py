"""The JSON Schema for editors is generated from the models and committed; content
files point editors at it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.schema import SCHEMAS, schema_text

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_up_to_date(name: str) -> None:
    committed = ROOT / "schema" / name
    assert committed.is_file(), f"schema/{name} is missing: run `handbook schema`"
    assert committed.read_text(encoding="utf-8") == schema_text(SCHEMAS[name]), (
        f"schema/{name} is stale: run `handbook schema`"
    )


def test_every_field_is_documented() -> None:
    """Each property in every schema carries a description (from the field docstring)."""
    undocumented = []
    for name, model in SCHEMAS.items():
        schema = json.loads(schema_text(model))
        for def_name, definition in {"<root>": schema, **schema.get("$defs", {})}.items():
            for prop, spec in definition.get("properties", {}).items():
                if "description" not in spec:
                    undocumented.append(f"{name}:{def_name}.{prop}")
    assert undocumented == []


def _schema_for(path: Path) -> str:
    rel = path.relative_to(ROOT / "content")
    if rel.parts[0] == "topics":
        return "../../schema/topic.schema.json"
    if rel.parts[0] == "calculators":
        return "../../schema/calculator.schema.json"
    if rel.parts[0] == "safety":
        return f"../../schema/{rel.stem}.schema.json"
    return f"../schema/{rel.stem}.schema.json"


def content_files() -> list[Path]:
    return sorted((ROOT / "content").rglob("*.yaml"))


@pytest.mark.parametrize("path", content_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_content_files_carry_the_schema_comment(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema={_schema_for(path)}"
    assert (path.parent / _schema_for(path)).resolve().is_file()
