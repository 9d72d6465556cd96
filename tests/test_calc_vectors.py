"""The Python engine on the shared vectors (tests/vectors/*.json; the JavaScript engine runs
the same files in tests/js/vectors.test.js), the program snapshot they hold, and the
engine's edges (display rounding at .5, caps that bind).

After a deliberate content change, refresh the program snapshots with
`UPDATE_VECTORS=1 python -m pytest tests/test_calc_vectors.py` and re-check every case by hand.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from generator.calc import compute
from generator.calc.display import fmt
from generator.calc.program import DisplayDef
from generator.validate import load_handbook

ROOT = Path(__file__).resolve().parent.parent
VECTORS = sorted((ROOT / "tests" / "vectors").glob("*.json"))
_PROGRAMS: dict[tuple[str, str], Any] = {}


def program(content: str, calculator: str) -> Any:
    key = (content, calculator)
    if key not in _PROGRAMS:
        _PROGRAMS[key] = load_handbook(ROOT / content).programs[calculator]
    return _PROGRAMS[key]


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
    return [
        pytest.param(path, i, id=f"{path.stem}[{i}] {case['name']}")
        for path in VECTORS
        for i, case in enumerate(json.loads(path.read_text(encoding="utf-8"))["cases"])
    ]


@pytest.mark.parametrize(("path", "index"), vector_cases())
def test_vector(path: Path, index: int) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    case = data["cases"][index]
    result = json.loads(json.dumps(compute(program(data["content"], data["calculator"]), case["inputs"])))
    differences = [d for key, value in case["expect"].items() for d in close(result.get(key, "<absent>"), value, key)]
    assert differences == []


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_vector_program_is_the_compiled_content(path: Path) -> None:
    """The program the JavaScript engine is tested on is exactly what the page embeds today."""
    data = json.loads(path.read_text(encoding="utf-8"))
    compiled = json.loads(json.dumps(program(data["content"], data["calculator"]).to_json()))
    if os.environ.get("UPDATE_VECTORS") == "1" and compiled != data["program"]:
        data["program"] = compiled
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert compiled == data["program"], (
        f"{path.name}: content changed; refresh with UPDATE_VECTORS=1 and re-check the cases"
    )


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_every_case_has_a_note_and_refusals_carry_no_numbers(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for case in data["cases"]:
        assert case["note"].strip(), case["name"]
        result = compute(program(data["content"], data["calculator"]), case["inputs"])
        if not result["ok"]:
            assert result["errors"], case["name"]
            rest = {
                k: v for k, v in result.items() if k not in ("ok", "errors", "warnings", "working", "summary", "steps")
            }
            assert set(rest.values()) == {None}, case["name"]


TWO = DisplayDef((2, None), (("mL/h", 1, None), ("sig", None, 3)))


@pytest.mark.parametrize(
    ("x", "unit", "text"),
    [
        (75.26220472440946, None, "75.26"),
        (75.0, None, "75"),
        (0.125, None, "0.13"),  # half up, not to even
        (2.5, "mL/h", "2.5"),
        (22.25, "mL/h", "22.3"),
        (-2.5, "mL/h", "-2.5"),
        (0.05, "mL/h", "0.1"),
        (0.04, "mL/h", "0"),
        (-0.001, None, "0"),  # never "-0"
        (0.5, None, "0.5"),  # leading zero
        (1234.5678, "sig", "1235"),  # significant figures never round whole units
        (0.0012345, "sig", "0.00123"),
    ],
)
def test_display_rules(x: float, unit: str | None, text: str) -> None:
    assert fmt(x, TWO, unit) == text


def test_the_programs_hash_is_stable() -> None:
    p = program("content", "ivig-dose")
    assert p.digest() == program("content", "ivig-dose").digest()
    assert len(p.digest()) == 64


def test_multi_day_courses_never_pool_vials() -> None:
    """Second clinical review, D5: a single-use vial opened for one day's dose is never kept
    for the next. Over a sweep of weights, every multi-day regimen and every product with
    vial sizes, each day is made from its own whole vials within 10% of the day's dose, the
    course is the days' sum, and it never passes the course maximum (2 g/kg for IVIG)."""
    p = program("content", "ivig-dose")
    assert p.dose is not None and p.dose.round_per == "dose"
    checked = 0
    for reg in (r for r in p.dose.regimens if r.administrations > 1):
        inputs_base = dict(reg.table_inputs) | {"regimen": reg.id}
        for product in (x for x in p.dose.products if x.sizes):
            for tenth_kg in range(20, 1500, 11):
                weight = tenth_kg / 10
                result = compute(p, inputs_base | {"weight_kg": weight, "product": product.id})
                if not result["ok"] or result["dispensed_dose_g"] is None:
                    continue
                day = result["dispensed_dose_g"]
                made = sum(v["size_g"] * v["count"] for v in result["vials"])
                assert math.isclose(made, day), (reg.id, product.id, weight)
                assert (
                    abs(day - result["dose_per_administration_g"]) <= 0.1 * result["dose_per_administration_g"] + 1e-9
                )
                assert math.isclose(result["dispensed_course_total_g"], day * reg.administrations)
                cap = next(c for c in reg.caps if c.scope == "course")
                assert result["dispensed_course_total_g"] <= cap.amount * result["dosing_weight_kg"] * (1 + 1e-9)
                assert "each day from new vials" in result["headline"]
                checked += 1
    assert checked > 500
