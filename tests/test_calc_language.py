"""The calculator language: formulas parsed with a whitelist, units checked with pint,
every problem located (file:line:col: field path: message), all at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.calc import units
from generator.calc.expr import ExprError, Type, compile_formula
from generator.validate import validate_content

ROOT = Path(__file__).resolve().parent.parent
KG, CM = units.parse("kg"), units.parse("cm")
ENV = {
    "weight_kg": Type("number", KG),
    "height_cm": Type("number", CM),
    "sex": Type("text", choices=("female", "male")),
}


def errors_after(tmp_path: Path, file: str, old: str, new: str) -> list[str]:
    """Validation errors of the real content with one edit in one file."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _, report = validate_content(content)
    return [str(d).replace(str(content) + "/", "") for d in report.errors]


def test_bmi_formula_converts_cm_to_m() -> None:
    node, _ = compile_formula("weight_kg / height_cm ** 2", ENV, Type("number", units.parse("kg/m2")))
    assert node == ["*", ["/", ["v", "weight_kg"], ["pow", ["v", "height_cm"], 2.0]], 10000.0]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("wieght_kg * 2", "unknown name 'wieght_kg' (did you mean 'weight_kg'?)"),
        (
            "weight_kg + height_cm",
            "adding or subtracting: 'weight_kg' is in kg but 'height_cm' is in cm (different dimensions)",
        ),
        ("weight_kg if sex == 'mael' else 0", "'mael' is never a value here (did you mean 'male'?)"),
        (
            "__import__('os')",
            "unknown function '__import__' (expected one of min, max, round_to, floor_to, ceil_to, sqrt, abs, present, value, quantity, points)",
        ),
        ("weight_kg.real", "'weight_kg.real' is not allowed in a formula"),
        ("[weight_kg][0]", "'[weight_kg][0]' is not allowed in a formula"),
        ("mins(weight_kg, 1)", "unknown function 'mins' (did you mean 'min'?)"),
        ("weight_kg ** height_cm", "a power must be a plain number, e.g. height ** 2"),
    ],
)
def test_refused_formulas(formula: str, message: str) -> None:
    with pytest.raises(ExprError) as caught:
        compile_formula(formula, ENV, Type("number", KG))
    assert str(caught.value) == message


def test_declared_unit_must_match() -> None:
    with pytest.raises(
        ExprError,
        match=r"the formula gives kg, which is not a mg/d quantity \(dimension \[mass\], expected \[mass\] / \[time\]\)",
    ):
        compile_formula("weight_kg * 2", ENV, Type("number", units.parse("mg/day")))


def test_unknown_name_is_located(tmp_path: Path) -> None:
    errors = errors_after(
        tmp_path,
        "calculators/ivig-dose.yaml",
        "formula: adjusted_kg if adjust else weight_kg",
        "formula: adjusted_kg if adjust else wieght_kg",
    )
    assert errors == [
        "calculators/ivig-dose.yaml:193:14: derived[4].formula: unknown name 'wieght_kg' (did you mean 'weight_kg'?) (at column 28 of the formula)"
    ]


def test_unit_mismatch_is_located(tmp_path: Path) -> None:
    errors = errors_after(
        tmp_path,
        "calculators/ivig-dose.yaml",
        "    label: Dosing weight\n    unit: kg\n",
        "    label: Dosing weight\n    unit: mg/day\n",
    )
    assert errors == [
        "calculators/ivig-dose.yaml:193:14: derived[4].formula: the formula gives kg, which is not a mg/d quantity "
        "(dimension [mass], expected [mass] / [time])"
    ]


def test_regimen_without_population_is_located(tmp_path: Path) -> None:
    errors = errors_after(
        tmp_path,
        "calculators/ivig-dose.yaml",
        '    - regimen: itp-400mg-5d\n      population:\n        when: "True"\n        refuse: This regimen is for patients with ITP.\n',
        "    - regimen: itp-400mg-5d\n",
    )
    assert errors == ["calculators/ivig-dose.yaml:273:7: dose.regimens[2].population: required field is missing"]


def test_band_gap_is_located(tmp_path: Path) -> None:
    errors = errors_after(
        tmp_path,
        "topics/ivig-in-itp.yaml",
        "        min: 25\n        below: 30\n",
        "        min: 26\n        below: 30\n",
    )
    assert len(errors) == 1
    assert "'grade-4' ends below 25 but 'grade-3-below-30' starts at 26 (expected min: 25)" in errors[0]


def test_unknown_library_formula_and_template_name(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "calculators" / "ivig-dose.yaml"
    text = (
        path.read_text(encoding="utf-8")
        .replace("use: devine-ibw", "use: devine-iwb")
        .replace('working: "IBW (Devine) = {ibw_kg} kg"', 'working: "IBW = {ibw_kgs} kg"')
    )
    path.write_text(text, encoding="utf-8")
    _, report = validate_content(content)
    messages = [f"{d.field}: {d.message}" for d in report.errors]
    assert "derived[1].use: no formula 'devine-iwb' in content/formulas.yaml (did you mean 'devine-ibw'?)" in messages
    assert "derived[1].working: unknown name '{ibw_kgs}' in the text (did you mean 'ibw_kg'?)" in messages


def test_library_formula_units_are_checked(tmp_path: Path) -> None:
    errors = errors_after(tmp_path, "formulas.yaml", "    unit: m2\n", "    unit: m\n")
    assert errors == [
        "formulas.yaml:44:14: formulas[3].formula: the formula gives m², which is not a m quantity (dimension [length] ** 2, expected [length])"
    ]


def test_real_content_compiles() -> None:
    handbook, report = validate_content(ROOT / "content")
    assert [str(d) for d in report.errors] == []
    assert handbook is not None
    assert set(handbook.programs) == {p.stem for p in (ROOT / "content" / "calculators").glob("*.yaml")}


def test_engines_hold_no_drug_name_dose_or_threshold() -> None:
    """Nothing clinical in either engine: no product, drug or regimen word, no clinical numbers."""
    sources = [p.read_text(encoding="utf-8") for p in (ROOT / "generator" / "calc").glob("*.py")]
    sources.append((ROOT / "theme" / "assets" / "javascripts" / "calc-engine.js").read_text(encoding="utf-8"))
    for word in (
        "ivig",
        "privigen",
        "gamunex",
        "octagam",
        "immunoglobulin",
        "platelet",
        "itp",
        "neonat",
        "bmi",
        "ctcae",
    ):
        assert all(word not in s.lower() for s in sources), word


def test_unknown_unit_in_an_input_is_one_located_error(tmp_path: Path) -> None:
    """Formulas naming the input are not checked against a unit nobody can read (no crash,
    no cascade): the one error is where the unit is written."""
    errors = errors_after(tmp_path, "calculators/ivig-dose.yaml", "    unit: kg\n", "    unit: kgs <b>\n")
    assert errors == ["calculators/ivig-dose.yaml:22:11: inputs[0].unit: unknown unit 'kgs <b>'"]


def test_unknown_unit_in_a_decision_measure_is_one_located_error(tmp_path: Path) -> None:
    errors = errors_after(tmp_path, "calculators/itp-grade.yaml", "    unit: x10^9/L\n", "    unit: x10^9/LL\n")
    assert errors == ["calculators/itp-grade.yaml:17:11: inputs[0].unit: unknown unit 'x10^9/LL'"]


def test_squares_are_raised_in_shown_units_alike_in_both_engines() -> None:
    import json
    import subprocess

    from generator.calc.display import shown_unit

    typed = ["kg/m2", "mg/m2", "m2", "cm2", "m3", "mm2", "x10^9/L", "mL/min/1.73m2"]
    expected = ["kg/m²", "mg/m²", "m²", "cm²", "m³", "mm2", "x10^9/L", "mL/min/1.73m2"]
    assert [shown_unit(u) for u in typed] == expected
    engine = ROOT / "theme" / "assets" / "javascripts" / "calc-engine.js"
    script = f"const e = require({json.dumps(str(engine))}); console.log(JSON.stringify({json.dumps(typed)}.map(e.shownUnit)))"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == expected


def test_pooling_single_use_vials_over_a_course_is_refused(tmp_path: Path) -> None:
    """Second clinical review, D5: rounding a course as one total shared its vials across
    days; only per-dose rounding exists, and the old setting stops the build, located."""
    errors = errors_after(tmp_path, "calculators/ivig-dose.yaml", "    per: dose\n", "    per: course\n")
    assert errors == [
        "calculators/ivig-dose.yaml:289:10: dose.rounding.per: unknown value (expected one of 'dose'; got 'course')"
    ]


def test_pint_keeps_its_parsed_definitions_in_the_project_cache(tmp_path):
    """generator.calc.units: the build points pint at the project's cache; a cache that
    cannot be made (a file in its place) leaves units working, parsed afresh."""
    from generator.calc import units

    saved = units._cache_folder
    try:
        units.use_cache(tmp_path / "pint")
        units.registry.cache_clear()
        units.parse.cache_clear()  # its units belong to the registry they were parsed by
        assert units.factor(units.parse("g"), units.parse("mg")) == 1000
        assert any((tmp_path / "pint").iterdir())
        # A cache file cut short (a build interrupted while writing it): parsed afresh, not a crash.
        pickles = list((tmp_path / "pint").glob("*.pickle"))
        assert pickles
        for pickled in pickles:
            pickled.write_bytes(pickled.read_bytes()[:20])
        units.registry.cache_clear()
        units.parse.cache_clear()
        assert units.factor(units.parse("g"), units.parse("mg")) == 1000
        (tmp_path / "blocked").write_text("not a folder")
        units.use_cache(tmp_path / "blocked" / "pint")
        units.registry.cache_clear()
        units.parse.cache_clear()
        assert units.factor(units.parse("g"), units.parse("mg")) == 1000
    finally:
        units.use_cache(saved)
        units.registry.cache_clear()
        units.parse.cache_clear()


def test_a_citation_label_names_a_person_by_surname_and_an_organisation_whole() -> None:
    """An organisation as author was cut to its first word ("Transfusion", "National"),
    a two-word surname too ("Samuelson" for Samuelson Bannow)."""
    from generator.calc.compile_blocks import _surname

    names = ["Provan D", "Samuelson Bannow BT", "Solberg L Jr", "Transfusion Ontario", "National Cancer Institute", "ASHP"]
    assert [_surname(n) for n in names] == [
        "Provan",
        "Samuelson Bannow",
        "Solberg",
        "Transfusion Ontario",
        "National Cancer Institute",
        "ASHP",
    ]
