"""Print stage, part 2: the pocket guide's dose tables as printed cells.

A weight-band row says what a pharmacist dispenses for every weight in the band:
"67.5 to 72 kg: 70 g = 1×40 + 1×20 + 1×10, 700 mL, 21 to 168 mL/h, at least 4 h 10 min".
The rows are the calculator engine's (``generator.calc.tables.WeightBandRow``): the dose
printed is the dispensed dose, never one above a maximum, and a row a maximum bound says
so. This module only formats them with the engine's display rules, and asks the engine
for the dosing weight of obese adults by height and sex.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DosingWeightTable", "band_cells", "dosing_weight_table"]


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
    return {
        # "67.5–72": the band's lightest to heaviest weight (an en dash keeps the column narrow).
        "weight": low if low == high else f"{low}–{high}",
        "dose": shown_dose,
        "course": shown_course,
        "exact": exact,
        "vials": "+".join(f"{count}×{fmt(size, show, unit)}" for size, count in row.presentations),
        "volume": fmt(row.volume_ml, show, "mL") if row.volume_ml is not None else "",
        "rate": (
            f"{fmt(row.start_ml_per_h, show, 'mL/h')}–{fmt(row.max_ml_per_h, show, 'mL/h')}"
            if row.start_ml_per_h is not None
            else ""
        ),
        "time": row.shortest_text or "",
        "capped": row.capped,
        "note": row.cap_reason or "",
        "warnings": list(row.warnings),
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
                result = compute(program, inputs | {program.dose.regimen_input: regimen_id})
                adjusted = result["ok"] and result.get("dosing_weight_basis") == "adjusted"
                line.append(fmt(result["dosing_weight_kg"], program.display, "kg") if adjusted else "")
            cells.append(tuple(line))
        tables.append(DosingWeightTable(option.label.lower(), tuple(heights_cm), tuple(weights_kg), tuple(cells)))
    return tables
