"""The thrombocytopenia calculators agree with their topics: numbers a calculator holds as
constants (because the engine's dose block cannot read them from a regimen yet) equal the
regimen's, every calculator is on its topic's page, and the interface the issue names
(ids and field names) holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.calc import compute
from generator.validate import load_handbook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def handbook():  # type: ignore[no-untyped-def]
    return load_handbook(ROOT / "content")


def test_rituximab_constant_is_the_topic_regimen(handbook) -> None:  # type: ignore[no-untyped-def]
    regimen = next(r for r in handbook.topics["itp-second-line-treatment"].regimens if r.id == "rituximab-375-weekly")
    constants = handbook.calculators["rituximab-dose"].constants
    assert (constants["dose_per_m2"].value, constants["dose_per_m2"].unit) == (
        regimen.dose.amount,
        regimen.dose.unit.value,
    )
    assert constants["weekly_doses"].value == regimen.weeks


def test_romiplostim_constants_are_the_topic_regimen(handbook) -> None:  # type: ignore[no-untyped-def]
    regimen = next(r for r in handbook.topics["tpo-receptor-agonists-in-itp"].regimens if r.id == "romiplostim-start")
    constants = handbook.calculators["romiplostim-dose"].constants
    assert constants["start_dose"].value == regimen.dose.amount
    assert regimen.max_per_dose is not None and constants["max_dose"].value == regimen.max_per_dose.value
    sizes = [p.strength.value for p in handbook.products["nplate"].presentations]
    assert [constants[n].value for n in ("vial_small", "vial_medium", "vial_large")] == sizes
    assert handbook.products["nplate"].concentration.value == constants["concentration"].value


def test_enoxaparin_syringes_are_the_products(handbook) -> None:  # type: ignore[no-untyped-def]
    constants = handbook.calculators["enoxaparin-dose"].constants
    held = {c.value for name, c in constants.items() if name.startswith("syringe_")}
    for product in ("clexane", "enoxaparin-lovenox"):
        assert {p.strength.value for p in handbook.products[product].presentations} <= held, product


@pytest.mark.parametrize(
    ("calculator", "topic"),
    [
        ("creatinine-clearance", "anticoagulation-with-low-platelets"),
        ("enoxaparin-dose", "anticoagulation-with-low-platelets"),
        ("hit-4ts", "heparin-induced-thrombocytopenia"),
        ("romiplostim-dose", "tpo-receptor-agonists-in-itp"),
        ("rituximab-dose", "itp-second-line-treatment"),
    ],
)
def test_each_calculator_is_on_its_topic_page(handbook, calculator: str, topic: str) -> None:  # type: ignore[no-untyped-def]
    assert handbook.calculators[calculator].topic == topic
    assert calculator in handbook.topics[topic].calculators


@pytest.mark.parametrize(
    ("calculator", "inputs", "fields"),
    [
        (
            "creatinine-clearance",
            {
                "age_years": 60,
                "weight_kg": 70,
                "sex": "male",
                "serum_creatinine": 100,
                "serum_creatinine_unit": "umol/L",
            },
            ["crcl_ml_min"],
        ),
        (
            "hit-4ts",
            {"thrombocytopenia": "2", "timing": "2", "thrombosis": "0", "other_causes": "1"},
            ["score", "probability", "recommendation"],
        ),
        (
            "romiplostim-dose",
            {
                "weight_kg": 70,
                "current_dose_mcg_per_kg": 2,
                "held_last_week": False,
                "platelet_count": 30,
                "platelet_unit": "x10^9/L",
                "weeks_above_200": 0,
            },
            ["next_dose_mcg_per_kg", "dose_mcg", "action", "volume_ml"],
        ),
        (
            "enoxaparin-dose",
            {
                "indication": "treatment",
                "weight_kg": 70,
                "platelet_count": 40,
                "platelet_unit": "x10^9/L",
                "cancer_associated": True,
                "progression_risk": "lower",
                "crcl_ml_min": 60,
                "serum_creatinine_unit": "umol/L",
                "product": "clexane",
            },
            ["dose_mg", "interval_h", "syringe_mg", "reason"],
        ),
        ("rituximab-dose", {"weight_kg": 70, "height_cm": 175}, ["bsa_m2", "dose_mg"]),
    ],
)
def test_issue_interface(handbook, calculator: str, inputs: dict, fields: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The ids and field names issue 14 fixes, so that tools and tests can rely on them."""
    result = compute(handbook.programs[calculator], inputs)
    assert result["ok"], result["errors"]
    assert all(result[f] is not None for f in fields), {f: result[f] for f in fields}
