"""The authoring guide, the links from errors into it, and the VS Code schema wiring."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostic
from generator.guide import RULES, guide_anchor, guide_link, with_guide_link
from generator.model.common import Unit
from generator.schema import SCHEMAS
from generator.validate import validate_content

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "authoring.md"


def _slug(heading: str) -> str:
    # Python-Markdown's toc slugify (and GitHub's): lowercase, drop punctuation, spaces to hyphens.
    text = re.sub(r"[^\w\s-]", "", heading.strip().lower())
    return re.sub(r"[\s]+", "-", text)


def _anchors() -> set[str]:
    return {_slug(line.lstrip("#")) for line in GUIDE.read_text(encoding="utf-8").splitlines() if line.startswith("#")}


def _section(title: str) -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


# --------------------------------------------------------------------------- the guide


def test_example_topic_in_the_guide_validates(mini: Path) -> None:
    block = re.search(r"```yaml\n(.*?)```", _section("Example topic"), re.S)
    assert block is not None
    (mini / "topics" / "example-alpha.yaml").write_text(block.group(1), encoding="utf-8")
    handbook, report = validate_content(mini, on=dt.date(2027, 1, 1))
    assert [str(d) for d in report.errors] == []
    assert handbook is not None
    assert handbook.topics["example-alpha"].review.status.value == "approved"


def test_unit_table_is_the_unit_vocabulary() -> None:
    listed = re.findall(r"^\| `([^`]+)` \|", _section("Units"), re.M)
    assert listed == [unit.value for unit in Unit]


def test_every_link_inside_the_guide_resolves() -> None:
    links = set(re.findall(r"\]\(#([\w-]+)\)", GUIDE.read_text(encoding="utf-8")))
    assert links - _anchors() == set()
    assert len(links) >= 15


@pytest.mark.parametrize("anchor", sorted({rule.anchor for rule in RULES} | {"error-messages"}))
def test_every_guide_anchor_exists(anchor: str) -> None:
    assert anchor in _anchors()


# --------------------------------------------------------------------------- errors -> guide sections

# (file, text to replace, replacement) -> the section the resulting error points at.
BREAKAGES = [
    ("topics/beta.yaml", "related: [alpha]", "related: [alpha]\ncontraindicatons: []", "fields"),
    ("topics/beta.yaml", "title: Beta grading", "title:", "fields"),
    ("topics/alpha.yaml", "unit: g/kg}", "unit: g/day}", "units"),
    ("topics/alpha.yaml", "unit: g/kg}", "unit: mL}", "units"),
    ("topics/alpha.yaml", "amount: 1,", "amount: -1,", "doses"),
    ("topics/alpha.yaml", "frequency: once", "frequency: weekly", "doses"),
    ("topics/alpha.yaml", "min: 50}", "min: 60}", "decision-tables"),
    ("topics/alpha.yaml", "{when: {band: high}, not", "{when: {bleeding: active}, not", "decision-tables"),
    ("topics/beta.yaml", "  text: Grade the count before you treat.", "  text: Grade below 50.", "citing"),
    ("topics/alpha.yaml", "  cite: [guide-2020]\nplain", "  cite: [guide-2021]\nplain", "citing"),
    ("topics/beta.yaml", "related: [alpha]", "related: [alpa]", "links"),
    ("topics/beta.yaml", "id: beta", "id: beta-two", "ids-and-files"),
    ("topics/beta.yaml", "title: Beta grading", "title: Beta grading\ntitle: Again", "yaml-basics"),
    ("topics/beta.yaml", "title: Beta grading", "title: [unclosed", "yaml-basics"),
    ("topics/beta.yaml", "  reviewers: [Test Reviewer]\n", "", "review"),
]


@pytest.mark.parametrize(("name", "old", "new", "anchor"), BREAKAGES)
def test_each_kind_of_error_links_to_its_section(mini: Path, name: str, old: str, new: str, anchor: str) -> None:
    path = mini / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    _, report = validate_content(mini, on=dt.date(2027, 1, 1))
    errors = report.errors
    assert errors, "the breakage must produce an error"
    assert {guide_anchor(d) for d in errors} == {anchor}, [str(d) for d in errors]


def test_overdue_review_warning_links_to_review() -> None:
    warning = Diagnostic(
        "content/topics/x.yaml", 9, 20, "review.next_review_due", "review is overdue (was due 2026-01-01)", "warning"
    )
    assert guide_anchor(warning) == "review"


def test_unmatched_message_links_to_the_error_index() -> None:
    assert guide_anchor(Diagnostic("content/x.yaml", 1, 1, "<file>", "something new")) == "error-messages"


def test_link_text() -> None:
    diagnostic = Diagnostic("content/topics/x.yaml", 3, 5, "regimens[0].dose.unit", "unknown value (got 'g/day')")
    assert guide_link(diagnostic) == "docs/authoring.md#units"
    assert with_guide_link(diagnostic) == (
        "content/topics/x.yaml:3:5: regimens[0].dose.unit: unknown value (got 'g/day')\n  see docs/authoring.md#units"
    )


# --------------------------------------------------------------------------- VS Code


def test_vscode_maps_every_schema_onto_its_files() -> None:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping: dict[str, list[str]] = settings["yaml.schemas"]
    assert sorted(Path(schema).name for schema in mapping) == sorted(SCHEMAS)
    for schema in mapping:
        assert (ROOT / schema).resolve().parent == ROOT / "schema"
    fixture_files = sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "tests" / "fixtures" / "mini").rglob("*.yaml")
    )
    for path in fixture_files:
        matched = [schema for schema, globs in mapping.items() if any(fnmatch.fnmatch(path, g) for g in globs)]
        kind = Path(path).parent.name if Path(path).parent.name in ("topics", "calculators") else Path(path).stem
        expected = {"topics": "topic", "calculators": "calculator"}.get(kind, kind)
        assert matched == [f"./schema/{expected}.schema.json"], path
