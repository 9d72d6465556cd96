"""Print stage, part 2: the pocket guide's dose tables as printed cells.

A weight-band row says what a pharmacist dispenses for every weight in the band:
"67.5 to 72 kg: 70 g = 1×40 + 1×20 + 1×10, 700 mL, 21 to 168 mL/h, at least 4 h 10 min".
The rows are the calculator engine's (``generator.calc.tables.WeightBandRow``): the dose
printed is the dispensed dose, never one above a maximum, and a row a maximum bound says
so. This module only formats them with the engine's display rules, and asks the engine
for the dosing weight of obese adults by height and sex.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DosingWeightExample",
    "DosingWeightTable",
    "band_cells",
    "dosing_weight_example",
    "dosing_weight_table",
    "engine_message",
    "height_warning",
    "repeat_limit",
]

# Row warnings a table says once, in its caption, instead of under every row: a weight
# outside the calculator's usual range ("Weight is below 2 kg: check the value" reads as a
# typing error on paper, where the weight is the table's) and "no vial combination fits"
# (the reason a row prints an exact dose).
CAPTION_ONLY = ("warn_low", "warn_high", "no_combination")


def engine_message(program: Any, key: str) -> re.Pattern[str]:
    """A pattern matching the engine's message ``key`` whatever its values."""
    template = dict(program.text).get(key)
    if template is None:  # a message the engine no longer has: nothing to hide
        return re.compile(r"(?!)")
    parts = re.split(r"\{[^{}]+\}", template)
    return re.compile("^" + ".+?".join(re.escape(p) for p in parts) + "$")


def _floor(value: float) -> int:
    """Whole mL/h rounded down (float noise first: 12.0 computed as 11.999999999999998)."""
    return math.floor(value + 1e-6)


def repeat_limit(program: Any, table: Any, row: Any) -> str:
    """The "Day 2 max" cell: the engine's most for a repeated single dose
    (generator.calc.tables.day2_maximum) as printed; "" where the regimen has none."""
    from .calc.display import fmt
    from .calc.tables import day2_maximum

    kind, amount = day2_maximum(program, table, row)
    if kind == "none":
        return "none"
    return fmt(amount, program.display, table.unit) if kind == "amount" and amount is not None else ""


def band_cells(program: Any, table: Any, row: Any, *, milligrams: bool = False) -> dict[str, Any]:
    """The printed cells of one engine row, in the engine's unit and display rules; with
    ``milligrams`` a dose in g is printed in mg (the neonatal table: "240", never "0.24",
    a decimal point a tired reader can miss; issue 17 and print review 5, W4). The course is
    what is dispensed (the dispensed course), or the exact course where nothing is rounded."""
    from .calc.display import fmt

    show, unit = program.display, table.unit
    scale, shown_unit = (1000, "mg") if milligrams and unit == "g" else (1, unit)
    exact = row.dispensed_dose is None
    dose = row.dose if exact else row.dispensed_dose
    course = row.course if exact or row.dispensed_course is None else row.dispensed_course
    low, high = fmt(row.low_kg, show, "kg"), fmt(row.high_kg, show, "kg")
    # A band of exact doses (no vial combination fits) prints its range, each exact for the
    # weight: never one weight's dose for the whole band (generator.calc.tables).
    shown_dose = fmt(dose * scale, show, shown_unit)
    shown_course = fmt(course * scale, show, shown_unit)
    shown_volume = fmt(row.volume_ml, show, "mL") if row.volume_ml is not None else ""
    if exact and row.per_kg is not None:
        # No vials fit any weight of the band: its rule per kg, as the dose to work out for
        # the patient ("0.4 g/kg"), never a range ("18–19.8") a reader could give the top of.
        dose_kg, course_kg, volume_kg = row.per_kg
        shown_dose = f"{fmt(dose_kg * scale, show, shown_unit)} {shown_unit}/kg"
        shown_course = f"{fmt(course_kg * scale, show, shown_unit)} {shown_unit}/kg"
        shown_volume = f"{fmt(volume_kg, show, 'mL')} mL/kg" if volume_kg is not None else ""
    elif exact and row.dose_high is not None:
        shown_dose += "–" + fmt(row.dose_high * scale, show, shown_unit)
        shown_course += "–" + fmt((row.course_high or 0) * scale, show, shown_unit)
    # The vials hung for one dose (one day of a daily course): a vial is single-use, so a
    # course's vials are never pooled across days, and "2×40" beside "16 g/day" would read
    # as today's vials (print review A1). The course total has a column of its own.
    hidden = [engine_message(program, key) for key in CAPTION_ONLY]
    return {
        # "67.5–72": the band's lightest to heaviest weight (an en dash keeps the column narrow).
        "weight": low if low == high else f"{low}–{high}",
        "dose": shown_dose,
        "course": shown_course,
        "exact": exact,
        # Spaced "+": the column may wrap between vials (A6 has no room for "3×40+1×20+1×10+1×5").
        "vials": " + ".join(f"{count}×{fmt(size, show, unit)}" for size, count in row.presentations_each),
        "volume": shown_volume,
        # Whole mL/h, both rounded down: a pump is set in whole mL/h, and rounding never
        # takes a rate above the label's mg/kg/min at the band's lightest weight.
        "rate": (
            f"{_floor(row.start_ml_per_h)}–{_floor(row.max_ml_per_h)}"
            if row.start_ml_per_h is not None and row.max_ml_per_h is not None
            else (str(_floor(row.start_ml_per_h)) if row.start_ml_per_h is not None else "")
        ),
        "time": row.shortest_text or "",
        "repeat": repeat_limit(program, table, row),
        "capped": row.capped,
        "note": row.cap_reason or "",
        "warnings": [w for w in row.warnings if not any(p.match(w) for p in hidden)],
    }


@dataclass(frozen=True)
class DosingWeightTable:
    """Dosing weight (kg) by height and actual weight, for one sex, from the engine for an
    adult. Every cell says what to use for the weights from its column up to the next
    (a cell's lines, printed one under the other): the dosing weight; "A" (actual body
    weight) where the policy keeps it for all of them; or, where BMI passes the threshold
    within them, "A ≤N" over the dosing weight just above N. No cell is left
    empty: an empty cell sent an obese patient between columns back to actual weight."""

    sex: str
    heights_cm: tuple[float, ...]
    weights_kg: tuple[float, ...]
    cells: tuple[tuple[tuple[str, ...], ...], ...]


ACTUAL = "A"  # actual body weight; the caption says so (an A6 column holds "100.5", no more)
PHARMACY = "Ph"  # the calculator refuses (no dosing weight it can work out): ask pharmacy
REFUSED = -1.0  # _dosing's answer where the engine refuses the patient


def _adult(program: Any, regimen_id: str, adult_age: float, height: float, sex: str, weight: float) -> dict[str, Any]:
    """The engine's result for an adult of this height, sex and weight on the regimen."""
    from .calc.engine import compute

    inputs = {"weight_kg": weight, "height_cm": height, "sex": sex, "age_years": adult_age}
    if program.dose.risk_input:  # the engine requires an answer; the dosing weight does not depend on it
        inputs[program.dose.risk_input] = False
    return compute(program, inputs | {program.dose.regimen_input: regimen_id})


def _dosing(program: Any, regimen_id: str, adult_age: float, height: float, sex: str, weight: float) -> float | None:
    """The engine's dosing weight, rounded down to 0.5 kg (the dose tables' step; down, so
    the dose read is never above it); None where it is the actual weight; REFUSED where the
    engine refuses (never printed as "actual weight": print review 5, D2)."""
    result = _adult(program, regimen_id, adult_age, height, sex, weight)
    if not result["ok"]:
        return REFUSED
    if result.get("dosing_weight_basis") != "adjusted":
        return None
    return math.floor(result["dosing_weight_kg"] * 2 + 1e-6) / 2


@dataclass(frozen=True)
class DosingWeightExample:
    """One adult worked through the adjusted-weight formula by the engine: the fall-back
    printed for patients off the look-up's grid (print review 3, finding 5)."""

    sex: str
    height_cm: float
    weight_kg: float
    ibw_kg: float
    dosing_weight_kg: float
    read_at_kg: float
    """The dosing weight as the look-up gives it (rounded down to 0.5 kg): the dose table's row."""


def dosing_weight_example(
    program: Any, regimen_id: str, adult_age: float, sex: str, height: float, weight: float
) -> DosingWeightExample | None:
    """The engine's IBW and adjusted dosing weight for this adult; None when the engine
    does not adjust for them (then the example would show nothing of the formula)."""
    result = _adult(program, regimen_id, adult_age, height, sex, weight)
    if not (result["ok"] and result.get("dosing_weight_basis") == "adjusted" and result.get("ibw_kg")):
        return None
    read_at = _dosing(program, regimen_id, adult_age, height, sex, weight)
    assert read_at is not None and read_at != REFUSED  # the same engine call said "adjusted"
    return DosingWeightExample(sex, height, weight, result["ibw_kg"], result["dosing_weight_kg"], read_at)


def height_warning(program: Any, regimen_id: str, adult_age: float, sex: str, height: float, weight: float) -> str:
    """The engine's warning on the height for this adult ("" when none). A height the
    engine refuses is a "Ph" cell, said by the look-up's key."""
    result = _adult(program, regimen_id, adult_age, height, sex, weight)
    return next((w["message"] for w in result.get("warnings", []) if w.get("field") == "height_cm"), "")


def _cell(program: Any, dosing: Any, low: float, high: float) -> tuple[str, ...]:
    """What to use for actual weights from ``low`` up to (not including) ``high``."""
    from .calc.display import fmt

    show = program.display
    at_low = dosing(low)
    if at_low is not None:
        return (PHARMACY if at_low == REFUSED else fmt(at_low, show, "kg"),)
    weight = low + 0.5
    while weight < high - 1e-9:  # the 0.5 kg grid the tables are read on
        adjusted = dosing(weight)
        if adjusted is not None:
            # The last actual weight in whole kg, rounded down ("A≤102" fits a column where
            # "A≤102.5" does not): at 102.5 kg the reader then takes D, the lower dose.
            later = PHARMACY if adjusted == REFUSED else fmt(adjusted, show, "kg")
            return (f"{ACTUAL}≤{math.floor(weight - 0.5)}", later)
        weight += 0.5
    return (ACTUAL,)


def dosing_weight_table(
    program: Any, regimen_id: str, adult_age: float, heights_cm: list[float], weights_kg: list[float]
) -> list[DosingWeightTable]:
    """The dosing-weight look-up that lets a weight-band table serve obese adults: for each
    sex, height and actual weight, what the engine doses on (see DosingWeightTable). Age is
    given as ``adult_age``, so no adult is dosed on a child's rule. Empty when the
    calculator has no height, sex or dosing-weight basis."""
    sex = next((i for i in program.inputs if i.id == "sex"), None)
    if sex is None or not any(i.id == "height_cm" for i in program.inputs):
        return []
    # A cell covers its column's weight up to the next column's (the last: one step more).
    step = weights_kg[-1] - weights_kg[-2] if len(weights_kg) > 1 else 10
    uppers = [*weights_kg[1:], weights_kg[-1] + step]
    tables = []
    for option in sex.options:
        cells = []
        for height in heights_cm:

            def dosing(weight: float, height: float = height, sex_id: str = option.id) -> float | None:
                return _dosing(program, regimen_id, adult_age, height, sex_id, weight)

            cells.append(tuple(_cell(program, dosing, low, high) for low, high in zip(weights_kg, uppers, strict=True)))
        tables.append(DosingWeightTable(option.label.lower(), tuple(heights_cm), tuple(weights_kg), tuple(cells)))
    return tables
