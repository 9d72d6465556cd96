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

__all__ = ["DosingWeightTable", "band_cells", "dosing_weight_table", "engine_message", "repeat_limit"]

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
    """For a single-dose regimen whose course maximum allows a second dose ("may be repeated
    once", 2 g/kg a course): the most the repeat may be at the band's lightest weight, the
    course maximum minus the dose given, rounded down to whole presentations by the engine's
    rule (within its percentage, never above). "" when the regimen has no such maximum."""
    from .calc.display import fmt
    from .calc.dosing import combine

    dd = program.dose
    regimen = next((r for r in dd.regimens if r.id == table.regimen), None)
    if regimen is None or regimen.administrations != 1:
        return ""
    given = row.dose if row.dispensed_dose is None else row.dispensed_dose
    limits = [c.amount * (row.low_kg if c.per == "kg" else 1) for c in regimen.caps if c.scope == "course"]
    if not limits or min(limits) <= given * 1.0001:
        return "" if not limits else "none"
    target = min(min(limits) - given, row.dose)
    product = next((p for p in dd.products if p.id == table.product), None)
    if product is None or not product.sizes or dd.within_percent is None:
        return fmt(target, program.display, table.unit)
    found = combine(product.sizes, target, target * (1 - dd.within_percent / 100), target)
    return fmt(found[0], program.display, table.unit) if found else ""


def band_cells(program: Any, table: Any, row: Any, *, milligrams: bool) -> dict[str, Any]:
    """The printed cells of one engine row, formatted by the engine's display rules;
    neonatal tables in mg (``milligrams``), never "0.2 g". The course is what is
    dispensed (the dispensed course), or the exact course where nothing is rounded."""
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
    if exact and row.dose_high is not None:
        shown_dose += "–" + fmt(row.dose_high * scale, show, shown_unit)
        shown_course += "–" + fmt((row.course_high or 0) * scale, show, shown_unit)
    # The vials listed are either each dose's or the whole course's (the engine's rounding
    # rule decides): the header says which, so "2×40" is never hung as one day's 16 g.
    vial_total = sum(size * count for size, count in row.presentations)
    per_dose = row.dispensed_dose is not None and abs(vial_total - row.dispensed_dose) < 1e-6
    hidden = [engine_message(program, key) for key in CAPTION_ONLY]
    return {
        # "67.5–72": the band's lightest to heaviest weight (an en dash keeps the column narrow).
        "weight": low if low == high else f"{low}–{high}",
        "dose": shown_dose,
        "course": shown_course,
        "exact": exact,
        # Spaced "+": the column may wrap between vials (A6 has no room for "3×40+1×20+1×10+1×5").
        "vials": " + ".join(f"{count}×{fmt(size, show, unit)}" for size, count in row.presentations),
        "vials_per": "dose" if per_dose or table.days == 1 else "course",
        "volume": fmt(row.volume_ml, show, "mL") if row.volume_ml is not None else "",
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
    """Dosing weight (kg) by height and actual weight, for one sex: the engine's result for
    an adult; None where the policy keeps actual body weight."""

    sex: str
    heights_cm: tuple[float, ...]
    weights_kg: tuple[float, ...]
    cells: tuple[tuple[str, ...], ...]


def dosing_weight_table(
    program: Any, regimen_id: str, adult_age: float, heights_cm: list[float], weights_kg: list[float]
) -> list[DosingWeightTable]:
    """The dosing-weight look-up that lets a weight-band table serve obese adults: for each
    sex, height and actual weight, the engine's dosing weight ("" where it is the actual
    weight). Age is given as ``adult_age``, so no adult is dosed on a child's rule. Empty
    when the calculator has no height, sex or dosing-weight basis."""
    from .calc.display import fmt
    from .calc.engine import compute

    sex = next((i for i in program.inputs if i.id == "sex"), None)
    if sex is None or not any(i.id == "height_cm" for i in program.inputs):
        return []
    tables = []
    for option in sex.options:
        cells = []
        for height in heights_cm:
            line = []
            for weight in weights_kg:
                inputs = {"weight_kg": weight, "height_cm": height, "sex": option.id, "age_years": adult_age}
                if program.dose.risk_input:  # required by the engine; the dosing weight does not depend on it
                    inputs[program.dose.risk_input] = False
                result = compute(program, inputs | {program.dose.regimen_input: regimen_id})
                adjusted = result["ok"] and result.get("dosing_weight_basis") == "adjusted"
                # Rounded down to 0.5 kg, the step the dose tables are read in (two decimals were
                # false precision: print review A6); down, so the dose read is never above it.
                dosing = math.floor(result["dosing_weight_kg"] * 2 + 1e-6) / 2
                line.append(fmt(dosing, program.display, "kg") if adjusted else "")
            cells.append(tuple(line))
        tables.append(DosingWeightTable(option.label.lower(), tuple(heights_cm), tuple(weights_kg), tuple(cells)))
    return tables
