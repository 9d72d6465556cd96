"""Weight-band tables computed by the engine, for the page's no-script fallback and the
pocket guide (generator/pdf.py) alike.

Weights are walked on a fine grid and grouped into bands of consecutive weights that get
the same dispensed course: "68 to 72 kg: 70 g = 40 + 20 + 10 g vials". Rates and the
shortest infusion time are those of the band's lightest weight, so no one in the band
is given more mg/kg/min than the label allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .display import fmt
from .engine import compute
from .program import Program, RegimenDef

__all__ = [
    "InfusionRow",
    "WeightBandRow",
    "WeightBandTable",
    "day2_maximum",
    "infusion_rows",
    "row_cells",
    "weight_band_tables",
]

GRID_PER_STEP = 10  # grid points per configured step (5 kg -> 0.5 kg)


@dataclass(frozen=True)
class WeightBandRow:
    """One band of a weight-band table.

    low_kg, high_kg: lightest and heaviest weight of the band (both inclusive, on the grid).
    dose: prescribed dose per administration at low_kg, in the table's unit (after maxima).
    course: prescribed course total at low_kg (after maxima), in the table's unit.
    dispensed_dose: dispensed per administration (None when no presentation combination fits).
    dispensed_course: dispensed for the whole course (None likewise).
    presentations: (size, count) pairs issued for the whole course: each day's own vials
        times the administrations (never shared between days); presentations_text is one
        dose's vials in words.
    presentations_each: (size, count) pairs hung for one administration (one day's vials
        of a daily regimen): what the pocket guide prints, as a vial is single-use.
    volume_ml: volume of one administration (dispensed, else exact), in mL.
    start_ml_per_h, max_ml_per_h: first and highest pump rate at low_kg (None without a schedule).
    shortest_minutes, shortest_text: shortest infusion time at low_kg ("4 h 10 min").
    capped, cap_reason: whether a maximum bound the dose, and the engine's sentence saying so.
    warnings: the engine's other warnings for the band (printed as footnotes).
    text: the whole row in one line, as the page and the guide print it.
    dose_high, course_high: for a band of exact doses (no presentation combination fits any
        of its weights), the exact dose and course at its heaviest weight; the band's doses
        run from dose to dose_high, each exact for its weight. None otherwise.
    per_kg: for such a band whose doses are proportional to the weight, its rule per kg of
        the band's weight (dose, course, volume in mL or None): the pocket guide prints the
        rule, never a range one patient's dose could be read from (print review 3, D2).
    """

    low_kg: float
    high_kg: float
    dose: float
    course: float
    dispensed_dose: float | None
    dispensed_course: float | None
    presentations: tuple[tuple[float, int], ...]
    presentations_text: str | None
    volume_ml: float | None
    start_ml_per_h: float | None
    max_ml_per_h: float | None
    shortest_minutes: float | None
    shortest_text: str | None
    capped: bool
    cap_reason: str | None
    warnings: tuple[str, ...]
    text: str
    dose_high: float | None = None
    course_high: float | None = None
    presentations_each: tuple[tuple[float, int], ...] = ()
    per_kg: tuple[float, float, float | None] | None = None


@dataclass(frozen=True)
class WeightBandTable:
    """A regimen's weight-band table with one product (None: dose only)."""

    calculator: str
    regimen: str
    regimen_name: str
    dose_text: str
    frequency: str
    days: int
    unit: str
    product: str | None
    product_name: str | None
    assumes: tuple[tuple[str, Any], ...]
    rows: tuple[WeightBandRow, ...]


def _grid(low: float, high: float, step: float) -> list[float]:
    count = round((high - low) / step)
    return [round(low + i * step, 6) for i in range(count + 1)]


def _row(
    program: Program, low: float, high: float, result: dict[str, Any], unit: str, heaviest: dict[str, Any] | None = None
) -> WeightBandRow:
    """One band from the engine's result at its lightest weight; ``heaviest`` (the result at
    its heaviest weight) for a band of exact doses, whose doses are then given as a range."""
    dd = program.dose
    assert dd is not None
    s, show = dd.suffix, program.display
    dose = result["dose_per_administration_" + s]
    times = round(result["days"] * result["administrations_per_day"])  # every dose from its own vials
    each = tuple((v["size_" + s], v["count"]) for v in result.get(dd.presentation + "s") or [])
    pres = tuple((size, count * times) for size, count in each)
    cap = [w["message"] for w in result["warnings"] if w["field"] == dd.regimen_input]
    others = tuple(w["message"] for w in result["warnings"] if w["field"] not in (dd.regimen_input, "height_cm"))
    given = result.get("dispensed_dose_" + s)
    ranged = given is None and heaviest is not None and high > low
    dose_high = heaviest["dose_per_administration_" + s] if ranged and heaviest else None
    course_high = heaviest["course_total_" + s] if ranged and heaviest else None
    per_kg = None
    if dose_high is not None and low > 0 and abs(dose_high - dose / low * high) <= 1e-9 * max(1.0, dose_high):
        volume = result.get("volume_per_dose_ml")
        per_kg = (dose / low, result["course_total_" + s] / low, volume / low if volume is not None else None)
    parts = [f"{fmt(low, show, 'kg')} to {fmt(high, show, 'kg')} kg: "]
    if given is not None and result["days"] > 1:
        course = result["dispensed_course_total_" + s]
        parts[0] += f"{fmt(given, show, unit)} {unit} a day × {result['days']} = {fmt(course, show, unit)} {unit}"
        parts[0] += f", each day {result['presentations_text']}"
    elif given is not None:
        parts[0] += f"{fmt(given, show, unit)} {unit} = {result['presentations_text']}"
    elif dose_high is not None:
        daily = f" a day × {result['days']}" if result["days"] > 1 else ""
        parts[0] += f"{fmt(dose, show, unit)} to {fmt(dose_high, show, unit)} {unit}{daily}"
        parts[0] += " (exact for the weight: no vials fit; ask pharmacy)"
    else:
        parts[0] += f"{fmt(dose, show, unit)} {unit} (exact)"
    if result.get("volume_per_dose_ml") is not None and not ranged:
        parts.append(f"{fmt(result['volume_per_dose_ml'], show, 'mL')} mL")
    if result.get("start_ml_per_h") is not None:
        parts.append(f"start {fmt(result['start_ml_per_h'], show, 'mL/h')} mL/h")
        parts.append(f"max {fmt(result['max_ml_per_h'], show, 'mL/h')} mL/h")
        parts.append(f"at least {result['shortest_infusion_text']}")
    return WeightBandRow(
        low,
        high,
        dose,
        result["course_total_" + s],
        given,
        result.get("dispensed_course_total_" + s),
        pres,
        result.get("presentations_text"),
        None if ranged else result.get("volume_per_dose_ml"),
        result.get("start_ml_per_h"),
        result.get("max_ml_per_h"),
        result.get("shortest_infusion_minutes"),
        result.get("shortest_infusion_text"),
        bool(result.get("capped")),
        cap[0] if cap else None,
        others,
        ", ".join(parts),
        dose_high,
        course_high,
        each,
        per_kg,
    )


def _table(
    program: Program, reg: RegimenDef, product: str | None, weights: tuple[float, float, float], banded: bool
) -> WeightBandTable:
    dd = program.dose
    assert dd is not None
    s = dd.suffix
    low, high, step = weights
    base: dict[str, Any] = dict(reg.table_inputs) | {dd.regimen_input: reg.id}
    if product is not None and dd.product_input is not None:
        base[dd.product_input] = product
    weight_input = next(i.id for i in program.inputs if i.type == "number" and i.number and i.number.unit == "kg")
    rows: list[WeightBandRow] = []
    band: list[tuple[float, dict[str, Any]]] = []

    def close() -> None:
        if band:
            rows.append(_row(program, band[0][0], band[-1][0], band[0][1], dd.unit, band[-1][1]))
            band.clear()

    # With rounding, weights no combination fits form bands of their own (exact doses, given
    # as a range): with each day from its own vials they are common, and a gap in a printed
    # table would leave the reader to pick a neighbouring row (second clinical review, D5).
    exact_bands = banded and product is not None and dd.round_per is not None

    nominal = set(_grid(low, high, step))
    for weight in _grid(low, high, step / GRID_PER_STEP):
        result = compute(program, base | {weight_input: weight})
        if not result["ok"]:
            close()
            continue
        key = result.get("dispensed_course_total_" + s)
        if key is None and not exact_bands:  # dose only: one row per listed weight, exact dose
            close()
            if weight in nominal:
                rows.append(_row(program, weight, weight, result, dd.unit))
            continue
        # An exact band stops at each listed weight, so its range stays narrow.
        if band and (band[0][1].get("dispensed_course_total_" + s) != key or (key is None and weight in nominal)):
            close()
        band.append((weight, result))
    close()
    name = next((p.name for p in dd.products if p.id == product), None)
    return WeightBandTable(
        program.id,
        reg.id,
        reg.name,
        reg.dose_text,
        reg.frequency,
        reg.days,
        dd.unit,
        product,
        name,
        reg.table_inputs,
        tuple(rows),
    )


def weight_band_tables(
    program: Program,
    weights: dict[str, tuple[float, float, float]],
    product: str | None = None,
    range_for: dict[str, str] | None = None,
    exact_rows_for: frozenset[str] = frozenset(),
) -> list[WeightBandTable]:
    """One table per regimen of a dose calculator with ``product`` (default: the first
    offered). ``weights`` maps range names to (from_kg, to_kg, step_kg); ``range_for`` names
    the range of a regimen (the caller's presentation choice), "adult" otherwise. Weights no
    presentation fits form exact bands with their dose range, except in the ranges named
    in ``exact_rows_for``, which list one exact row per listed weight instead (a caller
    whose table says "round the weight down to the row above")."""
    dd = program.dose
    if dd is None:
        return []
    if product is None and dd.products:
        product = dd.products[0].id
    # The page's fallback and the pocket guide ask for the same tables in one build.
    key = (
        program.digest(),
        tuple(sorted(weights.items())),
        product,
        tuple(sorted((range_for or {}).items())),
        tuple(sorted(exact_rows_for)),
    )
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        _CACHE[key] = _tables(program, weights, product, range_for, exact_rows_for)
    return list(_CACHE[key])


_CACHE: dict[tuple[Any, ...], list[WeightBandTable]] = {}


def _tables(
    program: Program,
    weights: dict[str, tuple[float, float, float]],
    product: str | None,
    range_for: dict[str, str] | None,
    exact_rows_for: frozenset[str],
) -> list[WeightBandTable]:
    dd = program.dose
    assert dd is not None
    tables = []
    for reg in dd.regimens:
        name = (range_for or {}).get(reg.id, "adult")
        rng = weights.get(name)
        if rng is not None:
            tables.append(_table(program, reg, product, rng, name not in exact_rows_for))
    return tables


@dataclass(frozen=True)
class InfusionRow:
    """Pump rates for one dosing weight: (mg/kg/min, minutes or None, is the maximum, mL/h) per step."""

    weight_kg: float
    steps: tuple[tuple[float, int | None, bool, float], ...]


def infusion_rows(
    program: Program, regimen: str, product: str, weights: list[float], *, at_risk: bool
) -> list[InfusionRow]:
    """Rates of ``product`` by dosing weight (no height: actual weight), with the lower
    at-risk maximum when ``at_risk``; weights the calculator refuses are left out."""
    dd = program.dose
    if dd is None or dd.product_input is None:
        return []
    weight_input = next(i.id for i in program.inputs if i.type == "number" and i.number and i.number.unit == "kg")
    reg = next(r for r in dd.regimens if r.id == regimen)
    rows = []
    for weight in weights:
        inputs: dict[str, Any] = dict(reg.table_inputs) | {
            weight_input: weight,
            dd.regimen_input: regimen,
            dd.product_input: product,
        }
        if at_risk and dd.risk_input:
            inputs[dd.risk_input] = True
        result = compute(program, inputs)
        if result["ok"] and result.get("infusion_steps"):
            steps = tuple(
                (st["mg_per_kg_min"], st["minutes"], st["maximum"], st["ml_per_h"]) for st in result["infusion_steps"]
            )
            rows.append(InfusionRow(result[dd.weight], steps))
    return rows


def row_cells(program: Program, table: WeightBandTable, row: WeightBandRow) -> dict[str, str]:
    """A row's numbers formatted by the display rules, for the page's fallback table."""
    show, unit = program.display, table.unit
    low, high = fmt(row.low_kg, show, "kg"), fmt(row.high_kg, show, "kg")
    give = f"{fmt(row.dose, show, unit)} {unit} (exact)"
    if row.dispensed_dose is not None:
        give = f"{fmt(row.dispensed_dose, show, unit)} {unit}"
        if table.days > 1 and row.dispensed_course is not None:
            give += f" a day ({fmt(row.dispensed_course, show, unit)} {unit} in all)"
    each_day = "each day: " if table.days > 1 and row.presentations_text else ""
    return {
        "weight": low if low == high else f"{low} to {high}",
        "give": give,
        "presentations": each_day + (row.presentations_text or ""),
        "volume": fmt(row.volume_ml, show, "mL") if row.volume_ml is not None else "",
        "start": fmt(row.start_ml_per_h, show, "mL/h") if row.start_ml_per_h is not None else "",
        "max": fmt(row.max_ml_per_h, show, "mL/h") if row.max_ml_per_h is not None else "",
        "time": row.shortest_text or "",
    }


def day2_maximum(program: Program, table: WeightBandTable, row: WeightBandRow) -> tuple[str, float | None]:
    """For a single-dose regimen whose course maximum allows a second dose ("may be repeated
    once", 2 g/kg a course): the most the repeat may be at the band's lightest weight, the
    course maximum less the dose given, rounded down to whole presentations by the engine's
    rule (within its percentage, never above). ("n/a", None) without such a maximum;
    ("none", None) when the first dose reached it; ("no-fit", None) when no presentation
    combination fits; ("amount", grams) otherwise (the exact amount without presentations)."""
    from .dosing import combine

    dd = program.dose
    assert dd is not None
    regimen = next((r for r in dd.regimens if r.id == table.regimen), None)
    if regimen is None or regimen.administrations != 1:
        return "n/a", None
    given = row.dose if row.dispensed_dose is None else row.dispensed_dose
    limits = [c.amount * (row.low_kg if c.per == "kg" else 1) for c in regimen.caps if c.scope == "course"]
    if not limits:
        return "n/a", None
    if min(limits) <= given * 1.0001:
        return "none", None
    target = min(min(limits) - given, row.dose)
    product = next((p for p in dd.products if p.id == table.product), None)
    if product is None or not product.sizes or dd.within_percent is None:
        return "amount", target
    found = combine(product.sizes, target, target * (1 - dd.within_percent / 100), target)
    return ("amount", found[0]) if found else ("no-fit", None)
