"""One test per class of content error: exact message, exact line:col, no traceback,
every error of every file in one run."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.validate import validate_content

ON = dt.date(2026, 11, 23)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def messages(content: Path) -> list[str]:
    _, report = validate_content(content, on=ON)
    out = []
    for d in report.sorted():
        path = Path(d.path)
        short = path.relative_to(content.resolve()) if path.is_absolute() else Path(*path.parts[-2:])
        out.append(
            f"{short.as_posix()}:{d.line}:{d.col}: {'warning: ' if d.severity == 'warning' else ''}{d.field}: {d.message}"
        )
    return out


def only_errors(content: Path) -> list[str]:
    return [m for m in messages(content) if ": warning: " not in m]


def test_fixture_is_valid(mini: Path) -> None:
    handbook, report = validate_content(mini, on=ON)
    assert report.diagnostics == []
    assert handbook is not None
    assert list(handbook.topics) == ["alpha", "beta"]


CASES = [
    pytest.param(
        "topics/alpha.yaml",
        "title: Alpha treatment in ITP",
        "title: [unclosed",
        [
            "topics/alpha.yaml:4:8: <yaml>: YAML syntax error: while parsing a flow sequence: did not find expected ',' or ']'"
        ],
        id="yaml-syntax",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "specialty: Haematology\n",
        "specialty: Haematology\nspecialty: Cardiology\n",
        [
            "topics/alpha.yaml:6:1: specialty: duplicate key 'specialty' (first defined at line 5; expected each key once)"
        ],
        id="duplicate-key",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "tags: [ITP]",
        "tags: [ITP]\ncontraindicatons:\n  - text: none known",
        [
            "topics/alpha.yaml:8:1: contraindicatons: unknown field 'contraindicatons' (did you mean "
            "'contraindications'?); expected one of: id, title, summary, specialty, drugs, tags, aliases, review, "
            "bottom_line, plain_language, indications, regimens, decision_tables, calculators, response, predictors, "
            "mechanism, special_populations, contraindications, cautions, adverse_effects, monitoring, "
            "administration, emergency, pitfalls, related"
        ],
        id="unknown-key",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "summary: How to give alpha to adults with ITP.",
        "summary: !!python/object/apply:os.system [echo hacked]",
        [
            "topics/alpha.yaml:4:10: summary: YAML tag '!!python/object/apply:os.system' is not allowed "
            "(expected plain YAML values: text, numbers, lists, mappings)"
        ],
        id="python-tag",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "    cite: [guide-2020]\n    bands:",
        "    cite: [guide-2021]\n    bands:",
        [
            "topics/alpha.yaml:40:12: decision_tables[0].cite[0]: cites an undefined reference 'guide-2021' "
            "(did you mean 'guide-2020'?); references are defined in content/references.yaml"
        ],
        id="undefined-reference",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "related: [beta]",
        "related: [betta]",
        [
            "topics/alpha.yaml:60:11: related[0]: links to a missing topic 'betta' (did you mean 'beta'?); "
            "no content/topics/betta.yaml"
        ],
        id="missing-topic-link",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "dose: {amount: 1, unit: g/kg}",
        "dose: {amount: -1, unit: g/kg}",
        ["topics/alpha.yaml:30:20: regimens[0].dose.amount: must be greater than 0 (got -1)"],
        id="negative-dose",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "dose: {amount: 1, unit: g/kg}",
        "dose: {amount: 1}",
        ["topics/alpha.yaml:30:11: regimens[0].dose.unit: required field is missing"],
        id="dose-without-unit",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "dose: {amount: 1, unit: g/kg}",
        "dose: {amount: 1, unit: grams per kilo}",
        [
            "topics/alpha.yaml:30:29: regimens[0].dose.unit: unknown value (expected one of g, mg, g/kg, mg/kg, "
            "g/kg/day, mg/kg/day, mg/kg/min, mL/kg/h, mL/h, mL, kg, lb, cm, in, kg/m2, %, g/dL, x10^9/L, /uL, "
            "molecules/platelet, min, h, day, week, month, year, unit, units/kg, mcg, mcg/kg, mg/m2, m2, mL/min, "
            "umol/L, mg/dL, mg/mL, mcg/mL, points; got 'grams per kilo')"
        ],
        id="unknown-unit",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "dose: {amount: 1, unit: g/kg}",
        "dose: 1 g",
        ["topics/alpha.yaml:30:11: regimens[0].dose: expected a mapping of fields, got '1 g'"],
        id="dose-as-free-text",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "dose: {amount: 1, unit: g/kg}",
        "dose: {amount: 1, unit: mL/h}",
        [
            "topics/alpha.yaml:30:29: regimens[0].dose.unit: unit 'mL/h' is not a dose unit "
            "(expected one of g, g/kg, mcg, mcg/kg, mg, mg/kg, mg/m2, units/kg)"
        ],
        id="non-dose-unit",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "{id: high, label: High, min: 50}",
        "{id: high, label: High, min: 40}",
        [
            "topics/alpha.yaml:43:38: decision_tables[0].bands[1].min: bands overlap: 'high' starts at 40 but "
            "'low' runs below 50 (expected min: 50)"
        ],
        id="bands-overlap",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "{id: high, label: High, min: 50}",
        "{id: high, label: High, min: 60}",
        [
            "topics/alpha.yaml:43:38: decision_tables[0].bands[1].min: gap between bands: 'low' ends below 50 "
            "but 'high' starts at 60 (expected min: 50)"
        ],
        id="bands-gap",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "      - {when: {band: high}, not_covered: true}\n",
        "",
        [
            "topics/alpha.yaml:51:7: decision_tables[0].cells: no cell covers (band=high, bleeding=none); "
            "(band=high, bleeding=active) (expected a cell for each, or not_covered: true where the sources "
            "say nothing)"
        ],
        id="decision-cell-missing",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "      - {when: {band: high}, not_covered: true}\n",
        "      - {when: {bleeding: active}, not_covered: true}\n",
        [
            "topics/alpha.yaml:51:7: decision_tables[0].cells: no cell covers (band=high, bleeding=none) "
            "(expected a cell for each, or not_covered: true where the sources say nothing)",
            "topics/alpha.yaml:53:16: decision_tables[0].cells[2].when: overlaps cells[1] at "
            "(band=low, bleeding=active): each combination is covered by exactly one cell",
        ],
        id="decision-cell-overlap",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "{when: {band: low, bleeding: none}, actions: [observe]",
        "{when: {band: low, bleding: none}, actions: [observe]",
        [
            "topics/alpha.yaml:51:37: decision_tables[0].cells[0].when.bleding: no axis 'bleding' "
            "(expected one of band, bleeding)"
        ],
        id="decision-when-unknown-axis",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "{when: {band: low, bleeding: none}, actions: [observe]",
        "{when: {band: low, bleeding: none}, actions: [obsreve]",
        [
            "topics/alpha.yaml:51:55: decision_tables[0].cells[0].actions[0]: unknown value (expected one of "
            "'observe', 'corticosteroid', 'ivig', 'platelet-transfusion', 'emergency-pathway', "
            "'seek-specialist', 'investigate' or 'record'; got 'obsreve')"
        ],
        id="decision-unknown-action",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "pathway: treat, action: Give alpha., cite: [guide-2020], evidence: low}",
        "pathway: treat, action: Give alpha.}",
        [
            "topics/alpha.yaml:52:9: decision_tables[0].cells[1]: a covered cell needs cite, evidence (a "
            "recommendation says what to do, in words and as action ids, with its pathway, citations and "
            "evidence; or not_covered: true)"
        ],
        id="decision-cell-without-citation-or-evidence",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "id: alpha\n",
        "id: alpha-2\n",
        ["topics/alpha.yaml:2:5: id: id must equal the file name (expected 'alpha', got 'alpha-2')"],
        id="id-differs-from-file-name",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "  text: Give alpha 1 g/kg once when a fast rise is needed.\n  cite: [guide-2020]\n",
        "  text: Give alpha 1 g/kg once when a fast rise is needed.\n",
        [
            "topics/alpha.yaml:15:3: bottom_line: this statement carries a number but cites no reference "
            "(expected cite: [reference-id, ...])"
        ],
        id="number-without-citation",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "  last_updated: 2026-11-01",
        "  last_updated: 1 November",
        ["topics/alpha.yaml:12:17: review.last_updated: expected a date as YYYY-MM-DD, got '1 November'"],
        id="bad-date",
    ),
    pytest.param(
        "topics/alpha.yaml",
        "  status: submitted",
        "  status: aproved",
        [
            "topics/alpha.yaml:10:11: review.status: unknown value (expected one of draft, submitted, "
            "under-review, approved; got 'aproved')"
        ],
        id="unknown-status",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "expected"), CASES)
def test_error_class(mini: Path, file: str, old: str, new: str, expected: list[str]) -> None:
    edit(mini / file, old, new)
    assert only_errors(mini) == expected


def test_empty_file(mini: Path) -> None:
    (mini / "topics" / "beta.yaml").write_text("", encoding="utf-8")
    errors = only_errors(mini)
    assert "topics/beta.yaml:1:1: <file>: file is empty (expected a YAML mapping)" in errors
    # alpha links to beta: the link still resolves to a file, so nothing else is reported.
    assert len(errors) == 1


def test_every_error_of_every_file_in_one_run(mini: Path) -> None:
    for file, old, new, _ in [
        case.values
        for case in CASES
        if case.id
        in (
            "duplicate-key",
            "unknown-key",
            "negative-dose",
            "bands-overlap",
            "undefined-reference",
            "missing-topic-link",
            "id-differs-from-file-name",
        )
    ]:
        edit(mini / file, old, new)
    (mini / "topics" / "gamma.yaml").write_text("", encoding="utf-8")
    errors = only_errors(mini)
    fields = [e.split(": ")[1] for e in errors]
    assert fields == [
        "id",
        "specialty",
        "contraindicatons",
        "regimens[0].dose.amount",
        "decision_tables[0].cite[0]",
        "decision_tables[0].bands[1].min",
        "related[0]",
        "<file>",
    ]


def test_warnings_unused_reference_and_review_due(mini: Path) -> None:
    edit(mini / "topics/alpha.yaml", "    cite: [label-x]\nrelated", "    cite: [guide-2020]\nrelated")
    edit(mini / "products.yaml", "    cite: [label-x]\n", "    cite: [guide-2020]\n")
    edit(mini / "products.yaml", "    cite: [label-x]\n", "    cite: [guide-2020]\n")
    edit(mini / "topics/beta.yaml", "next_review_due: 2027-10-01", "next_review_due: 2026-12-10")
    assert messages(mini) == [
        "references.yaml:14:9: warning: references[1].id: reference 'label-x' is not cited by any content",
        "topics/beta.yaml:12:20: warning: review.next_review_due: review falls due within 30 days (2026-12-10)",
    ]


def test_overdue_review_is_a_warning(mini: Path) -> None:
    edit(mini / "topics/beta.yaml", "next_review_due: 2027-10-01", "next_review_due: 2026-11-02")
    assert messages(mini) == [
        "topics/beta.yaml:12:20: warning: review.next_review_due: review is overdue (was due 2026-11-02)",
    ]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795392000"}  # 2026-11-23
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )


def test_cli_ok_prints_one_line_summary(mini: Path) -> None:
    result = run_cli("validate", "--content", "content", cwd=mini.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: 2 topics, 2 references, 2 calculators, 1 products, 2 glossary terms\n"
    assert result.stderr == ""


def test_cli_errors_exit_1_without_traceback(mini: Path) -> None:
    edit(mini / "topics/alpha.yaml", "dose: {amount: 1, unit: g/kg}", "dose: {amount: -1, unit: g/kg}")
    (mini / "topics" / "tagged.yaml").write_text("id: tagged\ntitle: !!python/object:os.system {}\n")
    result = run_cli("validate", "--content", "content", cwd=mini.parent)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    at = lines.index("content/topics/alpha.yaml:30:20: regimens[0].dose.amount: must be greater than 0 (got -1)")
    # Run outside the repository: the hint names the guide the tool carries, by its full path.
    from generator.project import GUIDE_FILE

    assert lines[at + 1] == f"  see {GUIDE_FILE}#doses"
    assert lines[-1].endswith("error(s), 0 warning(s)")
    assert result.stdout == ""


def test_cli_strict_turns_warnings_into_failure(mini: Path) -> None:
    edit(mini / "topics/beta.yaml", "next_review_due: 2027-10-01", "next_review_due: 2026-11-02")
    assert run_cli("validate", "--content", "content", cwd=mini.parent).returncode == 0
    result = run_cli("validate", "--strict", "--content", "content", cwd=mini.parent)
    assert result.returncode == 1
    assert "1 error(s), 1 warning(s)" in result.stderr


def test_cli_usage_error_exits_2(mini: Path) -> None:
    assert run_cli("validate", "--no-such-option", cwd=mini.parent).returncode == 2
    assert run_cli("no-such-command", cwd=mini.parent).returncode == 2


def test_cli_version_and_help(mini: Path) -> None:
    from generator import __version__

    result = run_cli("--version", cwd=mini.parent)
    assert result.stdout == f"handbook, version {__version__}\n"
    for command in ("validate", "schema"):
        assert run_cli(command, "--help", cwd=mini.parent).returncode == 0


def test_revalidation_reuses_unchanged_files_and_rechecks_changed_ones(mini: Path) -> None:
    """A live preview re-validates only what changed; cross-file checks still see every edit."""
    first, _ = validate_content(mini, on=ON)
    assert first is not None
    edit(mini / "topics/beta.yaml", "related: [alpha]", "related: [gamma]")
    second, report = validate_content(mini, on=ON)
    assert second is None
    assert [str(d).split(": ", 1)[1] for d in report.errors] == [
        "related[0]: links to a missing topic 'gamma'; no content/topics/gamma.yaml"
    ]
    edit(mini / "topics/beta.yaml", "related: [gamma]", "related: [alpha]")
    third, _ = validate_content(mini, on=ON)
    assert third is not None
    assert third.topics["alpha"] is first.topics["alpha"]  # unchanged file: the same parsed model
