"""The Python twin of the calculator engine against the shared vectors, the compiled
spec against its committed snapshot, the cross-checks of a spec, and `handbook calc`.

Each tests/vectors/*.json holds the compiled spec both engines read and hand-checked
cases (inputs, expected outputs). tests/js/vectors.test.js runs the same files
against calculator.js. After a deliberate content change, refresh the spec snapshots
with `UPDATE_VECTORS=1 python -m pytest tests/test_calculate.py` and re-check the cases.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.calculate import UnknownCalculator, compile_spec, compute, fmt, weight_band_rows
from generator.validate import load_handbook, validate_content

ROOT = Path(__file__).resolve().parent.parent
VECTORS = sorted((ROOT / "tests" / "vectors").glob("*.json"))


def load_vectors(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def close(actual: Any, expected: Any, where: str = "") -> list[str]:
    """Differences between an output and an expected (sub)value; numbers to 1e-9 relative."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return [] if actual == expected and type(actual) is type(expected) else [f"{where}: {actual!r} != {expected!r}"]
    if isinstance(expected, int | float):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return [f"{where}: {actual!r} is not a number ({expected!r})"]
        ok = math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
        return [] if ok else [f"{where}: {actual!r} != {expected!r}"]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: {actual!r} != {expected!r}"]
        return [d for i, (a, e) in enumerate(zip(actual, expected, strict=True)) for d in close(a, e, f"{where}[{i}]")]
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(actual) != set(expected):
            return [f"{where}: {actual!r} != {expected!r}"]
        return [d for key in expected for d in close(actual[key], expected[key], f"{where}.{key}")]
    raise TypeError(expected)


def vector_cases() -> list[Any]:
    params = []
    for path in VECTORS:
        data = load_vectors(path)
        for i, case in enumerate(data["cases"]):
            params.append(pytest.param(path, i, id=f"{path.stem}[{i}] {case['name']}"))
    return params


@pytest.mark.parametrize(("path", "index"), vector_cases())
def test_vector(path: Path, index: int) -> None:
    data = load_vectors(path)
    case = data["cases"][index]
    result = json.loads(json.dumps(compute(data["spec"], case["inputs"])))
    differences = [d for key, value in case["expect"].items() for d in close(result.get(key, "<absent>"), value, key)]
    assert differences == []


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_vector_spec_is_the_compiled_content(path: Path) -> None:
    """The spec both engines are tested on is exactly what the page embeds today."""
    data = load_vectors(path)
    compiled = json.loads(json.dumps(compile_spec(load_handbook(ROOT / data["content"]), data["calculator"])))
    if os.environ.get("UPDATE_VECTORS") == "1" and compiled != data["spec"]:
        data["spec"] = compiled
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert compiled == data["spec"], (
        f"{path.name}: content changed; refresh with UPDATE_VECTORS=1 and re-check the cases"
    )


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_every_refused_case_has_no_numbers(path: Path) -> None:
    """Refused input never yields a dose, a grade or a NaN: every result field is null."""
    data = load_vectors(path)
    for case in data["cases"]:
        result = compute(data["spec"], case["inputs"])
        if not result["ok"]:
            assert result["errors"], case["name"]
            rest = {k: v for k, v in result.items() if k not in ("ok", "errors", "warnings", "working")}
            assert set(rest.values()) == {None}, case["name"]


@pytest.mark.parametrize(
    ("x", "text"), [(75.26220472440946, "75.26"), (75.0, "75"), (0.125, "0.13"), (2.5, "2.5"), (66.929, "66.93")]
)
def test_fmt(x: float, text: str) -> None:
    assert fmt(x) == text


def test_weight_band_rows_come_from_compute() -> None:
    data = load_vectors(ROOT / "tests" / "vectors" / "mini-ivig-dose.json")
    rows = weight_band_rows(data["spec"], "alpha-once", [10, 72.5, 960], "product-x")
    assert [r["weight_kg"] for r in rows] == [10, 72.5, 960]
    assert [r["rounded_dose_per_day_g"] for r in rows] == [10, 75, None]
    assert rows[1]["vials"] == [{"size_g": 20, "count": 3}, {"size_g": 10, "count": 1}, {"size_g": 5, "count": 1}]
    assert rows[2]["ok"] is False
    assert rows[1] == {
        "weight_kg": 72.5,
        **compute(data["spec"], {"weight_kg": 72.5, "regimen": "alpha-once", "product": "product-x"}),
    }


def test_unknown_calculator() -> None:
    handbook = load_handbook(ROOT / "tests" / "fixtures" / "mini")
    with pytest.raises(UnknownCalculator, match="no calculator 'nope'"):
        compile_spec(handbook, "nope")


def test_compiled_spec_resolves_regimen_and_products() -> None:
    spec = compile_spec(load_handbook(ROOT / "tests" / "fixtures" / "mini"), "ivig-dose")
    assert spec["regimens"][0] | {"cite": None} == {
        "id": "alpha-once",
        "name": "Single dose",
        "population": "Adults",
        "dose_text": "1 g/kg",
        "dose_g_per_kg": 1.0,
        "days": 1,
        "frequency": "once",
        "max_per_dose": None,
        "max_per_course": None,
        "dosing_weight": "policy",
        "note": None,
        "use_when": None,
        "cite": None,
    }
    assert spec["products"][0]["vial_sizes_g"] == [20, 10, 5]
    assert spec["products"][0]["grams_per_ml"] == 0.1
    assert spec["references"]["guide-2020"] == {
        "id": "guide-2020",
        "label": "Doe 2020",
        "text": "Doe J, Roe R. A test guideline for dosing. Test Journal. 2020;1(2):10-20.",
        "url": "https://doi.org/10.1000/test.2020",
    }


# --------------------------------------------------------------------------- cross-checks


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(content: Path) -> list[str]:
    _, report = validate_content(content)
    return [f"{Path(d.path).name}:{d.line}:{d.col}: {d.field}: {d.message}" for d in report.errors]


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "ivig-dose.yaml",
            "topic: alpha",
            "topic: gamma",
            ["ivig-dose.yaml:6:8: topic: no topic 'gamma' (expected content/topics/gamma.yaml)"],
        ),
        (
            "ivig-dose.yaml",
            "    - regimen: alpha-once",
            "    - regimen: alpha-twice",
            [
                "ivig-dose.yaml:23:16: weight_dose.regimens[0].regimen: no regimen 'alpha-twice' in topic 'alpha' "
                "(expected one of alpha-once)"
            ],
        ),
        (
            "ivig-dose.yaml",
            "products: [product-x]",
            "products: [product-x, privigen]",
            [
                "ivig-dose.yaml:25:25: weight_dose.products[1]: no product 'privigen' in content/products.yaml "
                "(expected one of product-x)"
            ],
        ),
        (
            "itp-grade.yaml",
            "table: grade-table",
            "table: itp-grade-algorithm",
            [
                "itp-grade.yaml:8:10: decision.table: no decision table 'itp-grade-algorithm' in topic 'alpha' "
                "(expected one of grade-table)"
            ],
        ),
        (
            "ivig-dose.yaml",
            "adjusted: {factor: 0.4, cite: [guide-2020]}",
            "adjusted: {factor: 0.4}",
            [
                "ivig-dose.yaml:20:15: weight_dose.dosing_weight.adjusted: this statement carries a number but "
                "cites no reference (expected cite: [reference-id, ...])"
            ],
        ),
        (
            "ivig-dose.yaml",
            "rounding: {policy: nearest-5g, step_g: 5, cite: [guide-2020]}",
            "rounding: {policy: nearest-5g, cite: [guide-2020]}",
            [
                "ivig-dose.yaml:24:13: weight_dose.rounding: policy nearest-5g needs step_g "
                "(expected step_g: <grams>, got none)"
            ],
        ),
        (
            "ivig-dose.yaml",
            "  infusion_indication: ITP",
            "  infusion_indication: ITP\n  rounding_policy: x",
            [
                "ivig-dose.yaml:27:3: weight_dose.rounding_policy: unknown field 'rounding_policy' (did you mean "
                "'rounding'?); expected one of: inputs, dosing_weight, regimens, rounding, products, "
                "infusion_indication"
            ],
        ),
        (
            "itp-grade.yaml",
            "kind: decision",
            "kind: weight-dose",
            [
                "itp-grade.yaml:4:7: kind: kind weight-dose needs a weight_dose section (got none)",
                "itp-grade.yaml:8:3: decision: kind weight-dose takes no decision section",
            ],
        ),
        (
            "itp-grade.yaml",
            "{min: 0, max: 2000, warn_below: 1, warn_above: 1000, basis: Test plausibility range.}",
            "{min: 0, max: 2000, warn_below: 1, warn_above: 3000, basis: Test plausibility range.}",
            [
                "itp-grade.yaml:11:13: decision.measure.limits: limits must satisfy min <= warn_below < warn_above "
                "<= max (got min=0, warn_below=1, warn_above=3000, max=2000)"
            ],
        ),
        (
            "itp-grade.yaml",
            'units: ["x10^9/L", "/uL"]',
            'units: ["x10^9/L", "g/dL"]',
            ["itp-grade.yaml:12:22: decision.units[1]: cannot convert g/dL to the table's unit x10^9/L"],
        ),
    ],
)
def test_spec_errors_are_located(mini: Path, file: str, old: str, new: str, expected: list[str]) -> None:
    _edit(mini / "calculators" / file, old, new)
    assert _errors(mini) == expected


def test_regimen_the_engine_cannot_compute_is_refused(mini: Path) -> None:
    _edit(mini / "topics" / "alpha.yaml", "    frequency: once", "    frequency: twice-daily")
    assert _errors(mini) == [
        "ivig-dose.yaml:23:16: weight_dose.regimens[0].regimen: regimen 'alpha-once' is given twice-daily; "
        "the dose engine handles once or daily"
    ]


def test_invalid_topic_is_not_echoed_by_its_calculators(mini: Path) -> None:
    _edit(mini / "topics" / "alpha.yaml", "    days: 1", "    days: 0")
    errors = _errors(mini)
    assert errors == ["alpha.yaml:32:11: regimens[0].days: must be at least 1 (got 0)"]


# --------------------------------------------------------------------------- CLI


def run_calc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "calc", *args, "--content", "tests/fixtures/mini"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_calc_ok() -> None:
    result = run_calc("ivig-dose", "--input", '{"weight_kg": 72.5, "regimen": "alpha-once", "product": "product-x"}')
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["ok"], out["rounded_dose_per_day_g"]) == (True, 75)


def test_cli_calc_refused_exits_1() -> None:
    result = run_calc("ivig-dose", "--input", '{"weight_kg": 960, "regimen": "alpha-once"}')
    assert result.returncode == 1
    assert json.loads(result.stdout)["errors"] == [
        {"field": "weight_kg", "message": "Weight must be between 0.3 and 350 kg."}
    ]


def test_cli_calc_unknown_calculator_exits_2() -> None:
    result = run_calc("nope", "--spec")
    assert result.returncode == 2
    assert result.stderr == "error: no calculator 'nope' (known: itp-grade, ivig-dose)\n"


def test_cli_calc_spec_is_the_compiled_spec() -> None:
    result = run_calc("itp-grade", "--spec")
    assert result.returncode == 0
    assert json.loads(result.stdout) == load_vectors(ROOT / "tests" / "vectors" / "mini-itp-grade.json")["spec"]


def test_cli_calc_needs_input_or_spec() -> None:
    result = run_calc("itp-grade")
    assert result.returncode == 2
    assert "give exactly one of --input JSON and --spec" in result.stderr


def run_calc_real(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "calc", *args, "--content", "content"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "code", "check"),
    [
        (
            ("ivig-dose", "--input", '{"weight_kg": 96, "height_cm": 170, "sex": "female", "regimen": "itp-1g-once"}'),
            0,
            lambda out: (out["dosing_weight_basis"], fmt(out["dose_per_day_g"])) == ("adjusted", "75.26"),
        ),
        (
            ("ivig-dose", "--input", '{"weight_lb": 960, "regimen": "itp-1g-once"}'),
            1,
            lambda out: out["errors"] == [{"field": "weight_lb", "message": "Weight must be between 0.3 and 350 kg."}],
        ),
        (
            (
                "itp-grade",
                "--input",
                '{"platelet_count": 25000, "platelet_unit": "/uL", "bleeding": "life-threatening/adult/none"}',
            ),
            0,
            lambda out: (out["grade"], out["pathway"]) == ("grade-3-below-30", "itp-emergency"),
        ),
        (
            ("itp-grade", "--spec"),
            0,
            lambda out: out == load_vectors(ROOT / "tests" / "vectors" / "itp-grade.json")["spec"],
        ),
        (
            ("ivig-dose", "--spec"),
            0,
            lambda out: out == load_vectors(ROOT / "tests" / "vectors" / "ivig-dose.json")["spec"],
        ),
    ],
    ids=["dose-ok", "refused-lb", "grade-ok", "grade-spec", "dose-spec"],
)
def test_cli_calc_on_the_real_content(args: tuple[str, ...], code: int, check: Any) -> None:
    result = run_calc_real(*args)
    assert result.returncode == code, result.stderr
    assert check(json.loads(result.stdout))


def test_cli_calc_unknown_on_the_real_content_exits_2() -> None:
    result = run_calc_real("ivig-dos", "--input", "{}")
    assert (result.returncode, result.stderr) == (2, "error: no calculator 'ivig-dos' (known: itp-grade, ivig-dose)\n")
