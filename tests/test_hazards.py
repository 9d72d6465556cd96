"""The clinical hazard log (content/safety/hazards.yaml) and the release gate it feeds:
the log validates with located errors, every control it names exists, every
calculator has a hazard, and `--release` refuses an unsigned log, a calculator without
a hazard entry and placeholder contacts, with exact messages."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.editorial import release_problems
from generator.model.safety import ControlKind
from generator.render import build_pages
from generator.validate import load_handbook, validate_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
MINI = ROOT / "tests" / "fixtures" / "mini"
UNSIGNED = (
    "content/safety/hazards.yaml: the hazard log has no clinical safety officer sign-off "
    "(expected sign_off: name, role, date)"
)
SIGN_OFF = "status: signed\nsign_off: {name: Dr Test Officer, role: Clinical safety officer, date: 2026-11-30}\n"


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture handbook, seen from its parent so paths read content/..."""
    shutil.copytree(MINI, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    return Path("content")


def _log(content: Path) -> Path:
    return content / "safety" / "hazards.yaml"


def _sign(content: Path) -> None:
    path = _log(content)
    path.write_text(path.read_text(encoding="utf-8").replace("status: draft\n", SIGN_OFF), encoding="utf-8")


def _errors(content: Path) -> list[str]:
    _, report = validate_content(content, on=dt.date(2027, 1, 1))
    return [str(d) for d in report.sorted() if d.severity == "error"]


# --------------------------------------------------------------------------- the real log


def _resolve(ref: str, kind: ControlKind) -> Any:
    if kind is ControlKind.test:
        file, name = ref.split("::")
        source = (ROOT / file).read_text(encoding="utf-8")
        return f"def {name}(" in source or None
    if kind is ControlKind.code:
        module, name = ref.split(":")
        return getattr(importlib.import_module(module), name, None)
    if kind is ControlKind.content:
        file, dotted = ref.split("#")
        node: Any = yaml.safe_load((ROOT / file).read_text(encoding="utf-8"))
        for part in dotted.split("."):
            node = node[int(part)] if isinstance(node, list) else node.get(part)
        return node
    return True  # a process: named, not provable by a test


def test_every_named_control_exists() -> None:
    handbook = load_handbook(CONTENT)
    assert handbook.hazards is not None
    for hazard in handbook.hazards.hazards:
        for control in hazard.controls:
            assert _resolve(control.ref, control.kind) not in (None, False), f"{hazard.id}: {control.ref}"


def test_every_calculator_has_a_hazard_entry_and_the_sample_is_unsigned() -> None:
    handbook = load_handbook(CONTENT)
    assert handbook.hazards is not None
    named = {calc for hazard in handbook.hazards.hazards for calc in hazard.calculators}
    assert set(handbook.calculators) <= named
    assert handbook.hazards.sign_off is None  # nobody has reviewed the sample log


def test_the_real_content_is_refused_for_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    handbook = load_handbook(Path("content"))
    problems = release_problems(handbook, on=dt.date(2026, 11, 30))
    assert problems[:3] == [
        "content/handbook.yaml:5:15: organisation: is a placeholder ('[Hospital name] Haematology and Pharmacy "
        "(placeholder)'); put in the real value and remove 'organisation' from placeholders",
        "content/handbook.yaml:20:17: report_problem: is a placeholder ('mailto:handbook-feedback@hospital.example'); "
        "put in the real value and remove 'report_problem' from placeholders",
        UNSIGNED,
    ]


# --------------------------------------------------------------------------- release gate


def test_release_refuses_an_unsigned_log(content: Path) -> None:
    assert UNSIGNED in release_problems(load_handbook(content), on=dt.date(2027, 1, 1))


def test_release_refuses_a_calculator_without_a_hazard_entry(content: Path) -> None:
    _sign(content)
    path = _log(content)
    path.write_text(path.read_text(encoding="utf-8").replace("calculators: [ivig-dose]", "calculators: []"))
    problems = release_problems(load_handbook(content), on=dt.date(2027, 1, 1))
    assert (
        "content/safety/hazards.yaml: calculator 'ivig-dose' has no hazard entry (expected calculators: "
        "[ivig-dose] on at least one hazard)" in problems
    )
    assert UNSIGNED not in problems


def test_release_refuses_a_missing_log(content: Path) -> None:
    _log(content).unlink()
    problems = release_problems(load_handbook(content), on=dt.date(2027, 1, 1))
    assert (
        "content/safety/hazards.yaml: no hazard log (expected content/safety/hazards.yaml listing the hazards "
        "of every calculator)" in problems
    )


def test_release_refuses_placeholders(content: Path) -> None:
    _sign(content)
    path = content / "handbook.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "placeholders: [report_problem]\n", encoding="utf-8")
    handbook = load_handbook(content)
    line = (
        path.read_text(encoding="utf-8")
        .splitlines()
        .index(next(x for x in path.read_text(encoding="utf-8").splitlines() if x.startswith("report_problem:")))
    )
    problems = release_problems(handbook, on=dt.date(2027, 1, 1))
    assert problems[0] == (
        f"content/handbook.yaml:{line + 1}:17: report_problem: is a placeholder ('{handbook.meta.report_problem}'); "
        "put in the real value and remove 'report_problem' from placeholders"
    )


def test_build_release_refuses_with_the_messages(content: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--release", "--content", str(content), "--output", "out", "--no-pdf"])
    assert result.exit_code != 0
    assert UNSIGNED in result.output
    assert not Path("out").exists()


def test_signed_log_passes_the_hazard_checks(content: Path) -> None:
    _sign(content)
    problems = release_problems(load_handbook(content), on=dt.date(2027, 1, 1))
    assert not [p for p in problems if "hazards.yaml" in p or "placeholder" in p]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "calculators: [itp-grade]",
            "calculators: [itp-grde]",
            "content/safety/hazards.yaml:14:19: hazards[0].calculators[0]: no calculator 'itp-grde' "
            "(no content/calculators/itp-grde.yaml)",
        ),
        (
            "ref: generator.editorial:release_problems",
            "ref: editorial.release_problems",
            "content/safety/hazards.yaml:20:9: hazards[1].controls[0]: a code control's ref must match "
            "^generator(\\.\\w+)+:\\w+$ (got 'editorial.release_problems')",
        ),
        (
            "    residual_risk: low\n",
            "    residual_risk: none\n",
            "content/safety/hazards.yaml:23:20: hazards[1].residual_risk: unknown value (expected one of low, "
            "medium, high; got 'none')",
        ),
        (
            "status: draft\n",
            "status: signed\n",
            "content/safety/hazards.yaml:2:1: <file>: a signed hazard log names its clinical safety officer "
            "(expected sign_off: {name, ...})",
        ),
    ],
    ids=["unknown-calculator", "bad-control-ref", "unknown-risk", "signed-without-officer"],
)
def test_log_errors_are_located(content: Path, old: str, new: str, expected: str) -> None:
    path = _log(content)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert _errors(content) == [expected]


def test_clinical_safety_page_is_rendered_and_in_the_nav() -> None:
    result = build_pages(load_handbook(CONTENT))
    page = result.files["clinical-safety.md"].decode()
    assert "No clinical safety officer has signed this hazard log." in page
    assert (
        "## Platelet transfusion or triple therapy for minor bleeding { #platelet-transfusion-for-minor-bleeding }"
        in page
    )
    assert {"Clinical safety": "clinical-safety.md"} in result.nav
