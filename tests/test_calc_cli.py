"""`handbook calc`: the contract for tools and tests (exit codes, legacy and new fields,
unknown keys refused by name, --describe, --validate, the --help example)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from generator.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CONTENT = str(ROOT / "content")

LEGACY = [
    "ok",
    "errors",
    "warnings",
    "bmi",
    "ibw_kg",
    "dosing_weight_kg",
    "dosing_weight_basis",
    "dose_per_day_g",
    "days",
    "course_total_g",
    "rounded_dose_per_day_g",
    "vials",
    "volume_per_day_ml",
    "infusion_steps",
]
NEW = ["dispensed_course_total_g", "deviation_percent", "headline", "steps", "working"]


def calc(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["calc", *args, "--content", CONTENT])
    return result.exit_code, result.output


def test_ok_exits_0_with_legacy_and_new_fields() -> None:
    code, out = calc("ivig-dose", "--input", '{"weight_kg": 45, "regimen": "itp-400mg-5d", "product": "gamunex-c", "renal_or_thrombotic_risk": false}')
    assert code == 0
    result = json.loads(out)
    assert set(LEGACY + NEW) <= set(result)
    # 0.4 g/kg x 45 kg = 18 g a day, made exactly each day from its own vials (10 + 5 + 1 +
    # 1 + 1; vials are single-use, never shared between days): 90 g over the course.
    assert (result["dose_per_day_g"], result["dispensed_course_total_g"], result["deviation_percent"]) == (18, 90, 0)
    assert result["vials"] == [{"size_g": 10, "count": 1}, {"size_g": 5, "count": 1}, {"size_g": 1, "count": 3}]


def test_grade_has_evidence_and_citations() -> None:
    inputs = '{"platelet_count": 0, "platelet_unit": "x10^9/L", "bleeding": "none", "age_group": "adult", "procedure": "none"}'
    code, out = calc("itp-grade", "--input", inputs)
    result = json.loads(out)
    assert code == 0 and result["grade"] == "grade-4"
    assert {"grade", "recommendation", "evidence", "citations", "actions"} <= set(result)


def test_refused_exits_1_and_unknown_keys_are_named() -> None:
    code, out = calc("ivig-dose", "--input", '{"wieght_kg": 70, "regimen": "itp-1g-once"}')
    assert code == 1
    errors = json.loads(out)["errors"]
    assert errors[0] == {
        "field": "wieght_kg",
        "message": "Unknown input 'wieght_kg': not an input of this calculator (did you mean 'weight_kg'?).",
    }


def test_unknown_calculator_exits_2() -> None:
    code, out = calc("nope", "--describe")
    assert code == 2
    assert "error: no calculator 'nope' (known: creatinine-clearance, enoxaparin-dose, hit-4ts, itp-grade, ivig-dose, rituximab-dose, romiplostim-dose)" in out


def test_describe_lists_inputs_units_choices_and_regimens() -> None:
    code, out = calc("ivig-dose", "--describe")
    assert code == 0
    assert "  weight_kg (Weight; required): number in kg, 0.3 to 350; or weight_lb in lb" in out
    assert "  itp-1g-once: Single high dose, 1 g/kg once, 1 day" in out
    assert "  sex (Sex; required when needed): one of female, male" in out


def test_the_help_example_works_as_printed() -> None:
    help_text = CliRunner().invoke(cli, ["calc", "--help"]).output
    example = re.search(r"^\s+(handbook calc .+)$", help_text, re.M)
    assert example is not None
    args = shlex.split(example.group(1))[2:]
    code, out = calc(*args)
    assert code == 0 and json.loads(out)["headline"].startswith("Give 70 g = 700 mL Privigen")


def test_validate_passes_and_fails_on_a_mismatch(tmp_path: Path) -> None:
    # Every calculator of the sample handbook, so CI runs --validate on each.
    for calculator in sorted(p.stem for p in (ROOT / "content" / "calculators").glob("*.yaml")):
        code, out = calc(calculator, "--validate")
        assert code == 0, out
        assert re.search(r"(\d+) of \1 vectors pass in both engines", out)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    (tmp_path / "tests" / "vectors").mkdir(parents=True)
    data = json.loads((ROOT / "tests" / "vectors" / "itp-grade.json").read_text(encoding="utf-8"))
    data["cases"][0]["expect"]["grade"] = "grade-3"
    (tmp_path / "tests" / "vectors" / "itp-grade.json").write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(cli, ["calc", "itp-grade", "--validate", "--content", str(tmp_path / "content")])
    assert result.exit_code == 1
    assert f"MISMATCH: {data['cases'][0]['name']} (Python differs from the expected values)" in result.output
