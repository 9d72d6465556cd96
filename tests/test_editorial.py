"""Editorial workflow: `handbook new` skeletons and the release gate."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel

from generator.cli import cli
from generator.editorial import _strip, exclude_drafts, release_problems, skeleton, write_skeleton
from generator.model import Topic
from generator.model.calculator import Calculator
from generator.validate import load_handbook, validate_content

# --------------------------------------------------------------------------- helpers


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    annotation, _ = _strip(annotation)
    if typing.get_origin(annotation) in (list, tuple):
        annotation, _ = _strip(typing.get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _missing_keys(model: type[BaseModel], data: Any, path: str) -> list[str]:
    """Fields of ``model`` (recursively) that the skeleton data does not show."""
    if isinstance(data, list):
        return [m for item in data for m in _missing_keys(model, item, path)]
    if not isinstance(data, dict):
        return [path or "<root>"]
    missing = []
    for name, info in model.model_fields.items():
        where = f"{path}.{name}" if path else name
        if name not in data:
            missing.append(where)
            continue
        if name == "grade" and data[name] is None:
            continue  # shown as one empty key with an example (editorial._field_lines)
        for sub in _nested_models(info.annotation):
            missing += _missing_keys(sub, data[name], where)
    return missing


def _fill(data: Any, path: str, values: dict[str, Any], unfilled: list[str]) -> Any:
    """Replace each empty placeholder by the value ``values`` gives for its path
    (list indices dropped); record placeholders the table does not cover."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            where = f"{path}.{key}" if path else key
            if where in values and values[where] is DELETE:
                continue
            if key == "cite":
                out[key] = ["guide-2020"]
            else:
                out[key] = _fill(value, where, values, unfilled)
        return out
    if isinstance(data, list):
        return [_fill(item, path, values, unfilled) for item in data]
    if data is None:
        # A guideline grade is optional on every statement: empty means "not graded".
        if path not in values and not path.endswith(".grade"):
            unfilled.append(path)
        return values.get(path)
    return data


DELETE = object()

# What an editor writes into the topic skeleton. Optional values may stay empty
# (None: "not given"); the test fails if the skeleton grows a placeholder this
# table does not mention.
TOPIC_VALUES: dict[str, Any] = {
    "title": "Filled topic",
    "summary": "What the filled topic covers.",
    "specialty": "Haematology",
    "review.authors": "Test Author",
    "review.last_updated": dt.date(2026, 11, 1),
    "review.last_reviewed": None,
    "review.next_review_due": dt.date(2027, 11, 1),
    "bottom_line.text": "Give alpha 1 g/kg once.",
    "bottom_line.evidence": None,
    "plain_language.summary": "A plain summary.",
    "plain_language.evidence": None,
    "indications.scenario": "Fast rise needed",
    "indications.recommendation": "Give alpha.",
    "indications.grade": {"source": "guide-2020", "strength": "conditional", "label": "2B"},
    "indications.evidence": "low",
    "regimens.id": "filled-once",
    "regimens.name": "Single dose",
    "regimens.drug": "Alpha",
    "regimens.population": "Adults",
    "regimens.route": "IV",
    "regimens.dose.amount": 1,
    "regimens.dose.unit": "g/kg",
    "regimens.frequency": "once",
    "regimens.days": 1,
    "regimens.weeks": None,  # for weekly doses only
    "regimens.repeat": None,
    "regimens.max_per_dose": DELETE,
    "regimens.max_per_course.value": 2,
    "regimens.max_per_course.unit": "g/kg",
    "regimens.use_when": None,
    "regimens.evidence": None,
    "decision_tables.id": "filled-table",
    "decision_tables.title": "By count",
    "decision_tables.measure": "Platelet count",
    "decision_tables.unit": "x10^9/L",
    "decision_tables.scale": "Test scale",
    "decision_tables.bands.id": "any",
    "decision_tables.bands.label": "Any count",
    "decision_tables.bands.min": None,
    "decision_tables.bands.below": None,
    "decision_tables.bands.boundary": None,
    "decision_tables.bands.local": None,
    "decision_tables.conditions.id": "bleeding",
    "decision_tables.conditions.name": "Bleeding",
    "decision_tables.conditions.values.id": "none",
    "decision_tables.conditions.values.label": "No bleeding",
    "decision_tables.conditions.values.definition": None,
    "decision_tables.cells.when": {"band": "any"},
    "decision_tables.cells.actions": "observe",
    "decision_tables.cells.pathway": "watch",
    "decision_tables.cells.action": "Watch.",
    "decision_tables.cells.link": None,
    "decision_tables.cells.evidence": "low",
    "decision_tables.evidence": None,
    **{
        f"{section}.{name}": value
        for section in ("response", "predictors")
        for name, value in {
            "text": "A finding.",
            "figures.label": "rate",
            "figures.value": 80,
            "figures.low": None,
            "figures.high": None,
            "figures.unit": "%",
            "figures.qualifier": "about",
            "evidence": None,
        }.items()
    },
    "special_populations.population": "pregnancy",
    "special_populations.title": "Pregnancy",
    "special_populations.text": "Advice.",
    "special_populations.regimen": "filled-once",
    "special_populations.figures": DELETE,
    "special_populations.evidence": None,
    **{
        f"{section}.{name}": value
        for section in ("mechanism", "contraindications", "cautions", "administration", "emergency", "pitfalls")
        for name, value in {"text": f"A statement on {section}.", "evidence": None}.items()
    },
    "contraindications.condition": "A patient factor",
    "cautions.title": "A hazard",
    "cautions.risk_factors": "a risk factor",
    "cautions.products": DELETE,
    "contraindications.products": DELETE,
    "adverse_effects.effect": "Headache",
    "adverse_effects.seriousness": "non-serious",
    "adverse_effects.frequency": "common",
    "adverse_effects.text": "Mild.",
    "adverse_effects.evidence": None,
    "monitoring.parameter": "Platelet count",
    "monitoring.timing": "Daily",
    "monitoring.text": None,
    "monitoring.evidence": None,
}


def _limits(prefix: str, low: float, high: float) -> dict[str, Any]:
    return {
        f"{prefix}.label": "Input",
        f"{prefix}.help": None,
        f"{prefix}.limits.min": low,
        f"{prefix}.limits.max": high,
        f"{prefix}.limits.warn_below": None,
        f"{prefix}.limits.warn_above": None,
        f"{prefix}.limits.basis": "Test plausibility range.",
    }


# A weight-dose calculator over the fixture's alpha topic (test numbers, not clinical).
CALCULATOR_VALUES: dict[str, Any] = {
    "title": "Filled calculator",
    "summary": "Dose of alpha from weight.",
    "topic": "alpha",
    "inputs.id": "weight_kg",
    "inputs.type": "number",
    "inputs.unit": "kg",
    "inputs.alternatives": DELETE,
    "inputs.unit_field": None,
    "inputs.choices": DELETE,
    "inputs.required": True,
    "inputs.missing": None,
    "inputs.empty_label": None,
    **_limits("inputs", 1, 300),
    "derived.id": "dose_basis_kg",
    "derived.label": None,
    "derived.unit": "kg",
    "derived.formula": "weight_kg",
    "derived.use": None,
    "derived.args": DELETE,
    "derived.cases": DELETE,
    "derived.of": None,
    "derived.bands": DELETE,
    "derived.provides": DELETE,
    "derived.working": None,
    "checks": DELETE,
    "dose.unit": "g",
    "dose.weight": "dose_basis_kg",
    "dose.surface_area": None,
    "dose.age_years": None,
    "dose.regimen_input": "regimen",
    "dose.regimens.regimen": "alpha-once",
    "dose.regimens.population.when": "True",
    "dose.regimens.population.refuse": "Adults.",
    "dose.regimens.table_inputs": DELETE,
    "dose.product_input": None,
    "dose.rounding": DELETE,
    "dose.infusion": DELETE,
    "constants": DELETE,
    "decision": DELETE,
    "headline.when": "True",
    "headline.text": "Dose {dose_per_day_g} g.",
}


def _errors(root: Path, name: str) -> list[str]:
    _, report = validate_content(root, on=dt.date(2027, 1, 1))
    return [d.field for d in report.sorted() if d.severity == "error" and d.path.endswith(name)]


# --------------------------------------------------------------------------- skeletons


def test_topic_skeleton_shows_every_field_of_the_model() -> None:
    text = skeleton("topic", "new-topic")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schema/topic.schema.json"
    data = yaml.safe_load(text)
    assert list(data) == list(Topic.model_fields)
    assert _missing_keys(Topic, data, "") == []


def test_topic_skeleton_comments_every_field_with_its_docstring() -> None:
    text = skeleton("topic", "new-topic")
    for name, info in Topic.model_fields.items():
        first_line = (info.description or "").strip().splitlines()[0]
        assert f"# {first_line[:60]}" in text, name


def test_calculator_skeleton_shows_every_field_of_the_model() -> None:
    text = skeleton("calculator", "new-calc")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schema/calculator.schema.json"
    assert _missing_keys(Calculator, yaml.safe_load(text), "") == []


@pytest.mark.parametrize("kind", ["topic", "calculator"])
def test_skeleton_as_written_does_not_validate(mini: Path, kind: str) -> None:
    path = write_skeleton(mini, kind, "new-one")
    handbook, report = validate_content(mini, on=dt.date(2027, 1, 1))
    assert handbook is None
    assert any(d.path.endswith(f"{path.parent.name}/new-one.yaml") for d in report.errors)


def test_topic_skeleton_blocks_on_every_required_placeholder(mini: Path) -> None:
    write_skeleton(mini, "topic", "new-topic")
    assert _errors(mini, "topics/new-topic.yaml") == [
        "title",
        "summary",
        "specialty",
        "review.authors[0]",
        "review.last_updated",
        "review.next_review_due",
        "bottom_line.text",
        "plain_language.summary",
        "indications[0].scenario",
        "indications[0].recommendation",
        "regimens[0].id",
        "regimens[0].name",
        "regimens[0].drug",
        "regimens[0].population",
        "regimens[0].route",
        "regimens[0].dose.amount",
        "regimens[0].dose.unit",
        "regimens[0].frequency",
        # days: optional (empty while a daily treatment continues)
        "regimens[0].max_per_dose.value",
        "regimens[0].max_per_dose.unit",
        "regimens[0].max_per_course.value",
        "regimens[0].max_per_course.unit",
        "decision_tables[0].id",
        "decision_tables[0].title",
        "decision_tables[0].measure",
        "decision_tables[0].unit",
        "decision_tables[0].scale",
        "decision_tables[0].bands[0].id",
        "decision_tables[0].bands[0].label",
        "decision_tables[0].conditions[0].id",
        "decision_tables[0].conditions[0].name",
        "decision_tables[0].conditions[0].values[0].id",
        "decision_tables[0].conditions[0].values[0].label",
        "decision_tables[0].cells[0].when",
        "decision_tables[0].cells[0].actions[0]",
        "response[0].text",
        "response[0].figures[0].label",
        "response[0].figures[0].unit",
        "predictors[0].text",
        "predictors[0].figures[0].label",
        "predictors[0].figures[0].unit",
        "mechanism[0].text",
        "special_populations[0].population",
        "special_populations[0].title",
        "special_populations[0].text",
        "special_populations[0].figures[0].label",
        "special_populations[0].figures[0].unit",
        "contraindications[0].text",
        "cautions[0].text",
        "adverse_effects[0].effect",
        "adverse_effects[0].seriousness",
        "adverse_effects[0].frequency",
        "adverse_effects[0].text",
        "monitoring[0].parameter",
        "monitoring[0].timing",
        "administration[0].text",
        "emergency[0].text",
        "pitfalls[0].text",
    ]


def test_topic_skeleton_validates_once_filled(mini: Path) -> None:
    path = write_skeleton(mini, "topic", "new-topic")
    unfilled: list[str] = []
    data = _fill(yaml.safe_load(path.read_text(encoding="utf-8")), "", TOPIC_VALUES, unfilled)
    assert unfilled == [], "placeholders the test does not fill"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    handbook, report = validate_content(mini, on=dt.date(2027, 1, 1))
    assert [str(d) for d in report.errors] == []
    assert handbook is not None
    topic = handbook.topics["new-topic"]
    assert topic.review.status.value == "draft"
    assert topic.regimens[0].dose.amount == 1


def test_calculator_skeleton_validates_once_filled(mini: Path) -> None:
    path = write_skeleton(mini, "calculator", "new-calc")
    unfilled: list[str] = []
    data = _fill(yaml.safe_load(path.read_text(encoding="utf-8")), "", CALCULATOR_VALUES, unfilled)
    assert unfilled == [], "placeholders the test does not fill"
    data["inputs"].append({"id": "regimen", "label": "Regimen", "type": "regimen", "required": True})
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    handbook, report = validate_content(mini, on=dt.date(2027, 1, 1))
    assert [str(d) for d in report.errors] == []
    assert handbook is not None
    assert handbook.programs["new-calc"].dose is not None


def test_new_topic_command_writes_the_skeleton(mini: Path) -> None:
    result = CliRunner().invoke(cli, ["new", "topic", "new-topic", "--content", str(mini)])
    assert result.exit_code == 0, result.output
    path = mini / "topics" / "new-topic.yaml"
    assert result.output == f"wrote {path}: fill every empty value, then run `handbook validate`\n"
    assert path.read_text(encoding="utf-8") == skeleton("topic", "new-topic")


def test_new_refuses_an_existing_file(mini: Path) -> None:
    before = (mini / "topics" / "alpha.yaml").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["new", "topic", "alpha", "--content", str(mini)])
    assert result.exit_code == 1
    assert result.output == f"error: {mini / 'topics' / 'alpha.yaml'} already exists (not overwritten)\n"
    assert (mini / "topics" / "alpha.yaml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("bad_id", ["Alpha", "two--hyphens", "trail-", "has space", "x_y", "topic.yaml"])
def test_new_refuses_a_bad_id_as_usage_error(mini: Path, bad_id: str) -> None:
    result = CliRunner().invoke(cli, ["new", "topic", bad_id, "--content", str(mini)])
    assert result.exit_code == 2
    assert f"Invalid value for ID: '{bad_id}' is not a valid id" in result.output
    assert not (mini / "topics" / f"{bad_id}.yaml").exists()


def test_new_refuses_an_unknown_kind(mini: Path) -> None:
    result = CliRunner().invoke(cli, ["new", "drug", "x", "--content", str(mini)])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- release gate

APPROVED_REVIEW = """review:
  status: approved
  authors: [Test Author]
  reviewers: [Test Reviewer]
  last_updated: 2026-11-01
  last_reviewed: 2026-11-01
  next_review_due: 2027-11-01
"""


def _approve_alpha(content: Path) -> None:
    path = content / "topics" / "alpha.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("review:\n")
    end = text.index("bottom_line:")
    path.write_text(text[:start] + APPROVED_REVIEW + text[end:], encoding="utf-8")


@pytest.fixture
def release_mini(mini: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture handbook, seen from its parent folder so paths read content/...,
    with its hazard log signed (tests/test_hazards.py tests the unsigned log)."""
    monkeypatch.chdir(mini.parent)
    log = mini / "safety" / "hazards.yaml"
    log.write_text(
        log.read_text(encoding="utf-8").replace(
            "status: draft\n",
            "status: signed\nsign_off: {name: Dr Test Officer, role: Clinical safety officer, date: 2026-11-30}\n",
        ),
        encoding="utf-8",
    )
    return Path("content")


def test_release_refuses_a_topic_not_approved(release_mini: Path) -> None:
    handbook = load_handbook(release_mini)
    assert release_problems(handbook, on=dt.date(2027, 1, 1)) == [
        "content/topics/alpha.yaml: topic 'alpha' is submitted, not approved",
    ]


@pytest.mark.parametrize("status", ["draft", "under-review"])
def test_release_names_each_state(release_mini: Path, status: str) -> None:
    path = release_mini / "topics" / "alpha.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: submitted", f"status: {status}"))
    handbook = load_handbook(release_mini)
    assert release_problems(handbook, on=dt.date(2027, 1, 1)) == [
        f"content/topics/alpha.yaml: topic 'alpha' is {status}, not approved",
    ]


def test_release_refuses_an_overdue_review(release_mini: Path) -> None:
    _approve_alpha(release_mini)
    handbook = load_handbook(release_mini)
    alpha = (release_mini / "topics" / "alpha.yaml").read_text(encoding="utf-8").splitlines()
    line = alpha.index("  next_review_due: 2027-11-01") + 1
    # beta is due 2027-10-01; alpha 2027-11-01, which falls within the 30-day warning window.
    assert release_problems(handbook, on=dt.date(2027, 10, 5)) == [
        "content/topics/beta.yaml: topic 'beta' review is overdue (was due 2027-10-01)",
        f"content/topics/alpha.yaml:{line}:20: warning: review.next_review_due: review falls due within 30 days "
        "(2027-11-01) (warnings block a release)",
    ]


def test_release_refuses_a_remaining_warning(release_mini: Path) -> None:
    _approve_alpha(release_mini)
    refs = release_mini / "references.yaml"
    refs.write_text(
        refs.read_text(encoding="utf-8")
        + "  - id: never-cited\n    type: other\n    title: An uncited source\n    publisher: Nobody\n",
        encoding="utf-8",
    )
    handbook = load_handbook(release_mini)
    line = refs.read_text(encoding="utf-8").splitlines().index("  - id: never-cited") + 1
    assert release_problems(handbook, on=dt.date(2027, 1, 1)) == [
        f"content/references.yaml:{line}:9: warning: references[2].id: reference 'never-cited' is not cited by "
        "any content (warnings block a release)",
    ]


def test_release_passes_when_all_is_approved_and_current(release_mini: Path) -> None:
    _approve_alpha(release_mini)
    handbook = load_handbook(release_mini)
    assert release_problems(handbook, on=dt.date(2027, 1, 1)) == []


def test_exclude_drafts_drops_draft_topics_and_links_to_them(release_mini: Path) -> None:
    path = release_mini / "topics" / "beta.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: approved", "status: draft"))
    handbook = load_handbook(release_mini)
    kept = exclude_drafts(handbook)
    assert list(kept.topics) == ["alpha"]
    assert kept.topics["alpha"].related == []
    assert "topics/beta" not in kept.sources
    assert list(handbook.topics) == ["alpha", "beta"], "the original handbook is not changed"
    # A draft that is not built is not a reason to refuse the release.
    assert release_problems(kept, on=dt.date(2027, 1, 1)) == [
        "content/topics/alpha.yaml: topic 'alpha' is submitted, not approved",
    ]


def test_exclude_drafts_without_drafts_is_the_same_handbook(release_mini: Path) -> None:
    handbook = load_handbook(release_mini)
    assert exclude_drafts(handbook) is handbook
