"""Stage: calculate. Compiles a calculator spec against the handbook, and the Python
twin of the page's JavaScript engine (theme/assets/javascripts/calculator.js).

``compile_spec`` resolves everything an engine needs (regimen doses from the topic,
products, policy numbers, the decision table, labels, limits, citations) into one
JSON-serialisable dict; the page embeds it and both engines read only it.

``compute`` must stay a line-by-line twin of ``compute`` in calculator.js: the same
arithmetic in the same order (so results are bit-identical), the same message
templates (they travel in the spec), the same refusals. The shared vectors in
tests/vectors/ and a property test hold the two together.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .model import NOT_COVERED_TEXT
from .model.calculator import CONVERTIBLE_UNITS, Calculator
from .model.common import Quantity, Unit

__all__ = [
    "DECISION_INPUTS",
    "ENGINE_VERSION",
    "TEXT",
    "UnknownCalculator",
    "compile_spec",
    "compute",
    "fmt",
    "weight_band_rows",
]

ENGINE_VERSION = 2

# Definitions of units, not clinical data: 1 lb = 0.45359237 kg and 1 in = 2.54 cm exactly.
KG_PER_LB = 0.45359237
CM_PER_INCH = 2.54

# A dose is over a cap only when it exceeds it by more than floating-point noise:
# 0.4 g/kg x 5 days is exactly the 2 g/kg course cap, but (0.4 x w) x 5 can come out
# one unit in the last place above 2 x w, which must not read "course capped".
CAP_TOLERANCE = 1e-9

# Input names of a decision calculator (the issue's contract for itp-grade).
DECISION_INPUTS = {"value": "platelet_count", "unit": "platelet_unit", "condition": "bleeding"}

# Every sentence either engine shows, as templates filled with formatted numbers from
# the spec or the computation. They travel in the compiled spec so the two engines
# cannot drift apart; none carries a clinical number of its own.
TEXT: dict[str, str] = {
    "required": "{label} is required.",
    "not_number": "{label} must be a number (use a point for decimals, no thousands separators).",
    "not_positive": "{label} must be greater than zero.",
    "negative": "{label} must not be negative.",
    "out_of_range": "{label} must be between {min} and {max} {unit}.",
    # For a measure whose range starts at 0 but refuses 0 (a count): "between 0 and" would
    # contradict the refusal of 0.
    "out_of_range_positive": "{label} must be greater than 0 and at most {max} {unit}.",
    "warn_low": "{label} is below {limit} {unit}: check the value.",
    "warn_high": "{label} is above {limit} {unit}: check the value.",
    "unknown_choice": "{label}: choose one of the listed options.",
    "not_boolean": "{label} must be ticked or not (true or false).",
    "no_height": "Height not given: obesity adjustment was not assessed; dosed on actual body weight.",
    "short": (
        "Height below {height} cm ({inches} in), where the Devine formula starts: "
        "obesity adjustment was not assessed; dosed on actual body weight."
    ),
    "age_assumed": "Age not given: the adjustment assumes an adult ({age} years or over).",
    "cap_dose": "Dose capped at the maximum per dose ({cap}).",
    "cap_course": "Course capped at the maximum per course ({cap}); daily dose reduced.",
    "round_over_dose": "Rounded to {rounded} g, the dose exceeds the {cap} maximum per dose{patient}; {within}",
    "round_over_course": (
        "Rounded to {rounded} g a day, the course ({total} g) exceeds the {cap} course maximum{patient}; {within}"
    ),
    "round_patient": " ({cap_g} g for {weight} kg)",
    "round_within": "{grams} g a day stays within it.",
    "round_none": "no dose made up of whole vials stays within it.",
    "below_step": "Dose below the {step} g rounding step: not rounded; give the exact dose.",
    "no_vials": "Vial sizes of {product} are not recorded in the handbook: ask pharmacy.",
    "no_schedule": (
        "No {indication} infusion schedule of {product} is recorded in the handbook: follow the product label."
    ),
    "no_risk_max": (
        "No lower maximum rate of {product} for renal or thrombotic risk is recorded: follow the product label."
    ),
    "both_units": "{label}: give it in {unit} or in {alt_unit}, not both.",
    "w_convert": "{value} {alt_unit} × {factor} = {converted} {unit}",
    "w_bmi": "BMI = {weight} kg ÷ ({height_m} m)² = {bmi} kg/m²",
    "w_ibw": "IBW (Devine, {sex}) = {base} + {per_inch} × ({height_in} in − {from_in}) = {ibw} kg",
    "w_adjusted": (
        "BMI {bmi} > {bmi_above} and weight above IBW: adjusted body weight = "
        "{ibw} + {factor} × ({weight} − {ibw}) = {dosing} kg"
    ),
    "w_not_obese": "BMI {bmi} is not above {bmi_above}: actual body weight",
    "w_below_ibw": "Weight is not above IBW: actual body weight",
    "w_child": "Age under {age} years: actual body weight",
    "w_regimen_actual": "This regimen is dosed on actual body weight",
    "w_dose": "{dose_text} × {weight} kg ({basis}) = {dose} g per day",
    "w_cap": "Capped at {cap} = {dose} g per day",
    "w_course": "{dose} g × {days} day(s) = {total} g",
    "w_round": "Rounded to the nearest {step} g: {rounded} g",
    "w_vials": "Vials: {vials} = {total} g",
    "w_volume": "Volume = {grams} g ÷ {gpm} g/mL = {ml} mL per day",
    "w_rate": "{rate} mg/kg/min × {weight} kg × 60 ÷ (1000 × {gpm} g/mL) = {ml_per_h} mL/h",
    "w_measure": "{value} {unit} = {converted} {base}",
    "w_band": "{value} {unit}: {band} ({scale})",
    "basis_actual": "actual body weight",
    "basis_adjusted": "adjusted body weight",
    "female": "female",
    "male": "male",
    # Form labels (the page's chrome).
    "sex": "Sex",
    "regimen": "Regimen",
    "product": "Product",
    "no_product": "No product (dose only)",
    "risk": "Risk of renal failure or thrombosis",
    "unit": "Unit",
    "result": "Result",
    "working": "Working",
    "sources": "Sources",
    "dosing_weight": "Dosing weight",
    "dose_per_day": "Dose per day",
    "course_total": "Course total",
    "rounded": "Rounded dose per day",
    "vials": "Vials",
    "volume": "Volume per day",
    "rates": "Infusion rates",
    "maximum": "maximum",
    "up_to": "increase as tolerated up to",
    "minutes": "min",
    "grade": "Grade",
    "pathway": "Pathway",
    "recommendation": "Recommendation",
    "ibw": "Ideal body weight",
    "bmi": "BMI",
    "days": "Days",
}


class UnknownCalculator(KeyError):
    """No calculator of that id in the handbook."""

    def __str__(self) -> str:
        return f"no calculator '{self.args[0]}'"


# --------------------------------------------------------------------------- compile


def _reference_display(ref: Any) -> dict[str, Any]:
    """A citation as the page shows it: short label, full text, link."""
    first = ref.authors[0].split(" ")[0] if ref.authors else (ref.publisher or ref.journal)
    label = f"{first} {ref.year}" if ref.year else first
    parts = [", ".join(ref.authors)] if ref.authors else []
    parts.append(ref.title)
    where = ref.journal or ref.publisher
    detail = f"{where}"
    if ref.year:
        detail += f". {ref.year}"
    if ref.volume:
        detail += f";{ref.volume}"
        if ref.issue:
            detail += f"({ref.issue})"
    if ref.pages:
        detail += f":{ref.pages}"
    parts.append(detail)
    url = f"https://doi.org/{ref.doi}" if ref.doi else (str(ref.url) if ref.url else None)
    if url is None and ref.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"
    return {"id": ref.id, "label": label, "text": ". ".join(p.rstrip(".") for p in parts if p) + ".", "url": url}


def _collect_cites(value: Any, into: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "cite":
                into.extend(ref for ref in item if ref not in into)
            else:
                _collect_cites(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect_cites(item, into)


def _limits(number_input: Any) -> dict[str, Any]:
    limits = number_input.limits
    return {
        "label": number_input.label,
        "help": number_input.help,
        "min": limits.min,
        "max": limits.max,
        "warn_below": limits.warn_below,
        "warn_above": limits.warn_above,
        "zero_allowed": limits.zero_allowed,
    }


def _cap(quantity: Quantity | None) -> dict[str, Any] | None:
    if quantity is None:
        return None
    per_kg = quantity.unit in (Unit.g_per_kg, Unit.mg_per_kg)
    grams = quantity.value / 1000 if quantity.unit in (Unit.mg, Unit.mg_per_kg) else quantity.value
    return {"g": grams, "per_kg": per_kg, "text": f"{quantity.value:g} {quantity.unit.value}"}


def _compile_weight_dose(calculator: Calculator, handbook: Any) -> dict[str, Any]:
    section = calculator.weight_dose
    assert section is not None
    topic = handbook.topics[calculator.topic]
    regimens = {regimen.id: regimen for regimen in topic.regimens}
    policy = section.dosing_weight
    compiled_regimens = []
    for choice in section.regimens:
        regimen = regimens[choice.regimen]
        compiled_regimens.append(
            {
                "id": regimen.id,
                "name": regimen.name,
                "population": regimen.population,
                "dose_text": f"{regimen.dose.amount:g} {regimen.dose.unit.value}",
                "dose_g_per_kg": regimen.dose.grams_per_kg,
                "days": regimen.days,
                "frequency": regimen.frequency,
                "max_per_dose": _cap(regimen.max_per_dose),
                "max_per_course": _cap(regimen.max_per_course),
                "dosing_weight": choice.dosing_weight,
                "note": choice.note,
                "use_when": regimen.use_when,
                "cite": list(regimen.cite),
            }
        )
    products = []
    for product_id in section.products:
        product = handbook.products[product_id]
        schedule = next(
            (s for s in product.infusion if s.indication.casefold() == section.infusion_indication.casefold()), None
        )
        sizes = sorted(product.vial_sizes_g, reverse=True)
        products.append(
            {
                "id": product.id,
                "name": product.name,
                "concentration_percent": product.concentration.value,
                "grams_per_ml": product.grams_per_ml,
                "vial_sizes_g": sizes,
                # The vial search runs on whole tenths of a gram (validated in the model).
                "vial_tenths": [round(size * 10) for size in sizes],
                "schedule": None
                if schedule is None
                else {
                    "indication": schedule.indication,
                    "steps": [{"rate": step.rate, "minutes": step.minutes} for step in schedule.steps],
                    "max_rate": schedule.max_rate,
                    "max_rate_at_risk": schedule.max_rate_at_risk,
                    "cite": list(schedule.cite),
                },
                "cite": list(product.cite),
            }
        )
    inputs = section.inputs
    return {
        "inputs": {
            # alt_field: the same measurement typed in another unit (weight_lb, height_in),
            # converted by the engine before the limits are checked.
            "weight_kg": {
                **_limits(inputs.weight),
                "unit": "kg",
                "alt_field": "weight_lb",
                "alt_unit": "lb",
                "alt_factor": KG_PER_LB,
            },
            "height_cm": {
                **_limits(inputs.height),
                "unit": "cm",
                "alt_field": "height_in",
                "alt_unit": "in",
                "alt_factor": CM_PER_INCH,
            },
            "age_years": {
                **_limits(inputs.age),
                "unit": "years",
                "alt_field": None,
                "alt_unit": None,
                "alt_factor": None,
            },
        },
        "sexes": ["female", "male"],
        "cm_per_inch": CM_PER_INCH,
        "dosing_weight": {
            "ibw": {
                "female": policy.ibw.base_kg_female,
                "male": policy.ibw.base_kg_male,
                "kg_per_inch": policy.ibw.kg_per_inch,
                "from_height_in": policy.ibw.from_height_in,
                "cite": list(policy.ibw.cite),
            },
            "adjusted": {"factor": policy.adjusted.factor, "cite": list(policy.adjusted.cite)},
            "adjust_when": {
                "bmi_above": policy.adjust_when.bmi_above,
                "actual_above_ibw": policy.adjust_when.actual_above_ibw,
                "adult_from_age_years": policy.adjust_when.adult_from_age_years,
                "cite": list(policy.adjust_when.cite),
            },
        },
        "regimens": compiled_regimens,
        "rounding": {
            "policy": section.rounding.policy,
            "step_g": section.rounding.step_g,
            "cite": list(section.rounding.cite),
        },
        "infusion_indication": section.infusion_indication,
        "products": products,
    }


def _compile_decision(calculator: Calculator, handbook: Any) -> dict[str, Any]:
    section = calculator.decision
    assert section is not None
    topic = handbook.topics[calculator.topic]
    table = next(t for t in topic.decision_tables if t.id == section.table)
    return {
        "inputs": DECISION_INPUTS,
        "measure": {**_limits(section.measure), "unit": table.unit.value},
        "units": [{"unit": unit.value, "per_base": CONVERTIBLE_UNITS[(table.unit, unit)]} for unit in section.units],
        "table": {
            "id": table.id,
            "title": table.title,
            "measure": table.measure,
            "unit": table.unit.value,
            "scale": table.scale,
            "bands": [{"id": b.id, "label": b.label, "min": b.min, "below": b.below} for b in table.bands],
            **_flat_conditions(table),
            "cite": list(table.cite),
        },
        "not_covered_text": NOT_COVERED_TEXT,
    }


def _flat_conditions(table: Any) -> dict[str, Any]:
    """The table's condition axes as the single condition today's engines read: one
    value per combination of axis values (ids joined by "/"), and one cell per band
    and combination, resolved by the model. A stop-gap until the calculator language
    (engine session) reads the axes themselves."""
    axes = table.conditions
    combos: list[tuple[Any, ...]] = [()]
    for axis in axes:
        combos = [(*combo, value) for combo in combos for value in axis.values]

    def value_id(combo: tuple[Any, ...]) -> str:
        return "/".join(v.id for v in combo)

    def label(combo: tuple[Any, ...]) -> str:
        if len(axes) == 1:
            return combo[0].label
        return "; ".join(f"{axis.name}: {value.label}" for axis, value in zip(axes, combo, strict=True))

    cells = []
    for band in table.bands:
        for combo in combos:
            cell = table.cell_for((band.id, *(v.id for v in combo)))
            cells.append(
                {
                    "band": band.id,
                    "condition": value_id(combo),
                    "pathway": cell.pathway,
                    "action": cell.action,
                    "actions": [a.value for a in cell.actions],
                    "evidence": cell.evidence.value if cell.evidence else None,
                    "not_covered": cell.not_covered,
                    "cite": list(cell.cite or table.cite),
                }
            )
    return {
        "condition": {
            "name": " / ".join(axis.name for axis in axes),
            "values": [{"id": value_id(c), "label": label(c)} for c in combos],
        },
        "cells": cells,
    }


def compile_spec(handbook: Any, calculator_id: str) -> dict[str, Any]:
    """Everything the engines need for one calculator, resolved from the handbook,
    as plain JSON data. Raises :class:`UnknownCalculator`."""
    calculator = handbook.calculators.get(calculator_id)
    if calculator is None:
        raise UnknownCalculator(calculator_id)
    spec: dict[str, Any] = {
        "id": calculator.id,
        "engine": ENGINE_VERSION,
        "kind": calculator.kind,
        "title": calculator.title,
        "summary": calculator.summary,
        "topic": calculator.topic,
    }
    if calculator.kind == "weight-dose":
        spec.update(_compile_weight_dose(calculator, handbook))
    else:
        spec.update(_compile_decision(calculator, handbook))
    cited: list[str] = []
    _collect_cites(spec, cited)
    spec["references"] = {ref_id: _reference_display(handbook.references[ref_id]) for ref_id in cited}
    spec["text"] = dict(TEXT)
    return spec


# --------------------------------------------------------------------------- engine helpers
# Each helper has a twin of the same name in calculator.js.

_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")
MISSING = "missing"
BAD = "bad"


def fmt(x: float) -> str:
    """A number for display: at most two decimals, half rounded up, no trailing zeros.
    Written so that JavaScript's String(n) gives the same characters."""
    n = math.floor(x * 100 + 0.5) / 100
    if n == int(n):
        return str(int(n))
    return repr(n)


def _fill(spec: dict[str, Any], key: str, values: dict[str, Any] | None = None) -> str:
    values = values or {}
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), spec["text"][key])


def _parse_number(value: Any) -> float | str:
    """A finite float, or MISSING / BAD."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return BAD
    if isinstance(value, str):
        text = value.strip(" \t\n\r")
        if text == "":
            return MISSING
        if not _NUMBER.fullmatch(text):
            return BAD
        number = float(text)
    elif isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return BAD
    else:
        return BAD
    return number if math.isfinite(number) else BAD


def _number_input(
    spec_input: dict[str, Any], value: Any, field: str, required: bool, errors: list, warnings: list, spec: dict
) -> float | None:
    """Parse and check one numeric input against its limits; None when absent or refused."""
    label = spec_input["label"]
    number = _parse_number(value)
    if number == MISSING:
        if required:
            errors.append({"field": field, "message": _fill(spec, "required", {"label": label})})
        return None
    if number == BAD:
        errors.append({"field": field, "message": _fill(spec, "not_number", {"label": label})})
        return None
    assert isinstance(number, float)
    # A range from 0 that refuses 0 reads "greater than 0 and at most max", for 0 too.
    positive_only = spec_input["min"] == 0 and not spec_input["zero_allowed"]
    low = number < 0 or (number == 0 and not spec_input["zero_allowed"])
    if low and not positive_only:
        key = "negative" if spec_input["zero_allowed"] else "not_positive"
        errors.append({"field": field, "message": _fill(spec, key, {"label": label})})
        return None
    unit = spec_input["unit"]
    if low or number < spec_input["min"] or number > spec_input["max"]:
        values = {"label": label, "min": fmt(spec_input["min"]), "max": fmt(spec_input["max"]), "unit": unit}
        key = "out_of_range_positive" if positive_only else "out_of_range"
        errors.append({"field": field, "message": _fill(spec, key, values)})
        return None
    if spec_input["warn_below"] is not None and number < spec_input["warn_below"]:
        values = {"label": label, "limit": fmt(spec_input["warn_below"]), "unit": unit}
        warnings.append({"field": field, "message": _fill(spec, "warn_low", values)})
    if spec_input["warn_above"] is not None and number > spec_input["warn_above"]:
        values = {"label": label, "limit": fmt(spec_input["warn_above"]), "unit": unit}
        warnings.append({"field": field, "message": _fill(spec, "warn_high", values)})
    return number


def _measured(
    spec: dict, inputs: dict, field: str, required: bool, errors: list, warnings: list, working: list
) -> float | None:
    """A numeric input given in its own unit (weight_kg) or in its alternative unit
    (weight_lb), converted here so both engines and every limit see the same number."""
    spec_input = spec["inputs"][field]
    value = inputs.get(field)
    alt = spec_input["alt_field"]
    if alt is not None and _parse_number(inputs.get(alt)) != MISSING:
        if _parse_number(value) != MISSING:
            values = {"label": spec_input["label"], "unit": spec_input["unit"], "alt_unit": spec_input["alt_unit"]}
            errors.append({"field": alt, "message": _fill(spec, "both_units", values)})
            return None
        field = alt
        value = inputs[alt]
        raw = _parse_number(value)
        if isinstance(raw, float):
            value = raw * spec_input["alt_factor"]
            values = {
                "value": fmt(raw),
                "alt_unit": spec_input["alt_unit"],
                "factor": str(spec_input["alt_factor"]),
                "converted": fmt(value),
                "unit": spec_input["unit"],
            }
            working.append(_fill(spec, "w_convert", values))
    return _number_input(spec_input, value, field, required, errors, warnings, spec)


def _choice(
    spec: dict, value: Any, allowed: list[str], field: str, label_key: str, required: bool, errors: list
) -> str | None:
    if value is None or value == "":
        if required:
            errors.append({"field": field, "message": _fill(spec, "required", {"label": spec["text"][label_key]})})
        return None
    if not isinstance(value, str) or value not in allowed:
        errors.append({"field": field, "message": _fill(spec, "unknown_choice", {"label": spec["text"][label_key]})})
        return None
    return value


def _vial_table(tenths: list[int], limit: int) -> tuple[list[int], list[int], int]:
    """Fewest vials making each total 0..limit tenths of a gram (``inf`` where none does)
    and the size picked last for it. Unbounded change-making by dynamic programming; on
    equal counts the first (largest) size wins, in both engines."""
    inf = limit + 1
    best = [0] + [inf] * limit
    pick = [0] * (limit + 1)
    for total in range(1, limit + 1):
        for size in tenths:
            if size <= total and best[total - size] + 1 < best[total]:
                best[total] = best[total - size] + 1
                pick[total] = size
    return best, pick, inf


def _vials(tenths: list[int], grams: float) -> tuple[list[int], int]:
    """Fewest vials whose total covers ``grams`` with the least waste: counts per size
    (sizes in ``tenths`` are sorted largest first) and the total in tenths of a gram."""
    # The small tolerance keeps 80.0000000001 g (floating-point noise) from needing an extra vial.
    target = math.ceil(grams * 10 - 1e-6)
    best, pick, inf = _vial_table(tenths, target + tenths[0])
    total = target if target > 0 else 0
    while best[total] >= inf:
        total += 1
    counts = [0] * len(tenths)
    rest = total
    while rest > 0:
        counts[tenths.index(pick[rest])] += 1
        rest -= pick[rest]
    return counts, total


def _vials_within(tenths: list[int], grams: float) -> int:
    """The largest total of whole vials, in tenths of a gram, that is not above ``grams`` (0 if none)."""
    total = math.floor(grams * 10 + 1e-6)
    best, _pick, inf = _vial_table(tenths, total)
    while total > 0 and best[total] >= inf:
        total -= 1
    return total


def _over_caps(spec: dict, regimen: dict, product: dict, rounded: float, dosing_weight: float, warnings: list) -> None:
    """Supply rounding is the hospital's policy and is kept; but when the rounded dose
    breaks a labelled maximum (20 g a day x 5 > 2 g/kg at 45 kg) the reader is told, with
    the highest supply-rounded daily dose that keeps within every maximum."""
    limit = math.inf
    over = []
    for key, cap, times in (
        ("round_over_dose", regimen["max_per_dose"], 1),
        ("round_over_course", regimen["max_per_course"], regimen["days"]),
    ):
        if cap is not None:
            cap_g = cap["g"] * dosing_weight if cap["per_kg"] else cap["g"]
            limit = min(limit, cap_g / times)
            if rounded * times > cap_g * (1 + CAP_TOLERANCE):
                over.append((key, cap, cap_g, rounded * times))
    if not over:
        return
    step = spec["rounding"]["step_g"]
    if step is not None:
        within = math.floor(limit * (1 + CAP_TOLERANCE) / step) * step
    else:
        within = _vials_within(product["vial_tenths"], limit) / 10
    tail = _fill(spec, "round_within", {"grams": fmt(within)}) if within > 0 else _fill(spec, "round_none")
    for key, cap, cap_g, total in over:
        patient = _fill(spec, "round_patient", {"cap_g": fmt(cap_g), "weight": fmt(dosing_weight)})
        values = {
            "rounded": fmt(rounded),
            "total": fmt(total),
            "cap": cap["text"],
            "patient": patient if cap["per_kg"] else "",
            "within": tail,
        }
        warnings.append({"field": "rounded_dose_per_day_g", "message": _fill(spec, key, values)})


# --------------------------------------------------------------------------- engines


def _refused(errors: list, warnings: list, keys: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": False, "errors": errors, "warnings": warnings}
    for key in keys:
        out[key] = None
    out["working"] = []
    return out


DOSE_KEYS = [
    "regimen",
    "product",
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
DECISION_KEYS = [
    "measured_value",
    "measured_unit",
    "grade",
    "grade_label",
    "ctcae_version",
    "bleeding",
    "pathway",
    "recommendation",
    "not_covered",
    "cite",
]


def _compute_dose(spec: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    working: list[str] = []
    weight = _measured(spec, inputs, "weight_kg", True, errors, warnings, working)
    height = _measured(spec, inputs, "height_cm", False, errors, warnings, working)
    age = _measured(spec, inputs, "age_years", False, errors, warnings, working)
    sex = _choice(spec, inputs.get("sex"), spec["sexes"], "sex", "sex", height is not None, errors)
    regimen_ids = [r["id"] for r in spec["regimens"]]
    regimen_id = _choice(spec, inputs.get("regimen"), regimen_ids, "regimen", "regimen", True, errors)
    product_ids = [p["id"] for p in spec["products"]]
    product_id = _choice(spec, inputs.get("product"), product_ids, "product", "product", False, errors)
    risk = inputs.get("renal_or_thrombotic_risk")
    if risk is None:
        risk = False
    elif not isinstance(risk, bool):
        errors.append(
            {
                "field": "renal_or_thrombotic_risk",
                "message": _fill(spec, "not_boolean", {"label": spec["text"]["risk"]}),
            }
        )
    if errors or weight is None or regimen_id is None:
        return _refused(errors, warnings, DOSE_KEYS)

    policy = spec["dosing_weight"]
    regimen = spec["regimens"][regimen_ids.index(regimen_id)]
    rule = policy["adjust_when"]
    bmi = None
    ibw = None
    height_in = None
    if height is not None:
        height_m = height / 100
        bmi = weight / (height_m * height_m)
        working.append(_fill(spec, "w_bmi", {"weight": fmt(weight), "height_m": fmt(height_m), "bmi": fmt(bmi)}))
        height_in = height / spec["cm_per_inch"]
        if height_in >= policy["ibw"]["from_height_in"] and sex is not None:
            base = policy["ibw"][sex]
            ibw = base + policy["ibw"]["kg_per_inch"] * (height_in - policy["ibw"]["from_height_in"])
            working.append(
                _fill(
                    spec,
                    "w_ibw",
                    {
                        "sex": spec["text"][sex],
                        "base": fmt(base),
                        "per_inch": fmt(policy["ibw"]["kg_per_inch"]),
                        "height_in": fmt(height_in),
                        "from_in": fmt(policy["ibw"]["from_height_in"]),
                        "ibw": fmt(ibw),
                    },
                )
            )

    # The dosing-weight policy, in the order the content's sources state it: the
    # regimen's own rule, then age, then height, then BMI and IBW.
    dosing_weight = weight
    basis = "actual"
    if regimen["dosing_weight"] == "actual":
        working.append(regimen["note"] or _fill(spec, "w_regimen_actual"))
    elif age is not None and age < rule["adult_from_age_years"]:
        working.append(_fill(spec, "w_child", {"age": fmt(rule["adult_from_age_years"])}))
    elif height is None:
        warnings.append({"field": "height_cm", "message": _fill(spec, "no_height")})
    elif ibw is None:
        from_in = policy["ibw"]["from_height_in"]
        values = {"height": fmt(from_in * spec["cm_per_inch"]), "inches": fmt(from_in)}
        warnings.append({"field": "height_cm", "message": _fill(spec, "short", values)})
    elif not bmi > rule["bmi_above"]:
        working.append(_fill(spec, "w_not_obese", {"bmi": fmt(bmi), "bmi_above": fmt(rule["bmi_above"])}))
    elif rule["actual_above_ibw"] and not weight > ibw:
        working.append(_fill(spec, "w_below_ibw"))
    else:
        dosing_weight = ibw + policy["adjusted"]["factor"] * (weight - ibw)
        basis = "adjusted"
        working.append(
            _fill(
                spec,
                "w_adjusted",
                {
                    "bmi": fmt(bmi),
                    "bmi_above": fmt(rule["bmi_above"]),
                    "ibw": fmt(ibw),
                    "factor": fmt(policy["adjusted"]["factor"]),
                    "weight": fmt(weight),
                    "dosing": fmt(dosing_weight),
                },
            )
        )
        if age is None:
            warnings.append(
                {
                    "field": "age_years",
                    "message": _fill(spec, "age_assumed", {"age": fmt(rule["adult_from_age_years"])}),
                }
            )

    dose = regimen["dose_g_per_kg"] * dosing_weight
    working.append(
        _fill(
            spec,
            "w_dose",
            {
                "dose_text": regimen["dose_text"],
                "weight": fmt(dosing_weight),
                "basis": spec["text"]["basis_" + basis],
                "dose": fmt(dose),
            },
        )
    )
    capped = False
    cap = regimen["max_per_dose"]
    if cap is not None:
        cap_g = cap["g"] * dosing_weight if cap["per_kg"] else cap["g"]
        if dose > cap_g * (1 + CAP_TOLERANCE):
            dose = cap_g
            capped = True
            warnings.append({"field": "regimen", "message": _fill(spec, "cap_dose", {"cap": cap["text"]})})
            working.append(_fill(spec, "w_cap", {"cap": cap["text"], "dose": fmt(dose)}))
    days = regimen["days"]
    cap = regimen["max_per_course"]
    if cap is not None:
        cap_g = cap["g"] * dosing_weight if cap["per_kg"] else cap["g"]
        if dose * days > cap_g * (1 + CAP_TOLERANCE):
            dose = cap_g / days
            capped = True
            warnings.append({"field": "regimen", "message": _fill(spec, "cap_course", {"cap": cap["text"]})})
            working.append(_fill(spec, "w_cap", {"cap": cap["text"], "dose": fmt(dose)}))
    course = dose * days
    working.append(_fill(spec, "w_course", {"dose": fmt(dose), "days": days, "total": fmt(course)}))

    out: dict[str, Any] = {
        "ok": True,
        "errors": errors,
        "warnings": warnings,
        "regimen": regimen_id,
        "product": product_id,
        "bmi": bmi,
        "ibw_kg": ibw,
        "dosing_weight_kg": dosing_weight,
        "dosing_weight_basis": basis,
        "dose_per_day_g": dose,
        "days": days,
        "course_total_g": course,
        "rounded_dose_per_day_g": None,
        "vials": None,
        "volume_per_day_ml": None,
        "infusion_steps": None,
        "working": working,
    }
    if product_id is None:
        return out

    product = spec["products"][product_ids.index(product_id)]
    rounding = spec["rounding"]
    rounded = None
    if rounding["policy"] == "nearest-5g":
        step = rounding["step_g"]
        rounded = math.floor(dose / step + 0.5) * step
        # Rounding must not push a capped dose over its cap.
        if capped and rounded > dose:
            rounded = rounded - step
        # A dose smaller than one step (a neonate's) would change by a large fraction: give it exactly.
        if dose < step:
            rounded = dose
            warnings.append({"field": "product", "message": _fill(spec, "below_step", {"step": fmt(step)})})
        else:
            working.append(_fill(spec, "w_round", {"step": fmt(step), "rounded": fmt(rounded)}))
    if product["vial_tenths"]:
        counts, total_tenths = _vials(product["vial_tenths"], dose if rounded is None else rounded)
        vials = []
        parts = []
        for i, count in enumerate(counts):
            if count > 0:
                vials.append({"size_g": product["vial_sizes_g"][i], "count": count})
                parts.append(str(count) + " × " + fmt(product["vial_sizes_g"][i]) + " g")
        out["vials"] = vials
        if rounded is None:
            rounded = total_tenths / 10
        working.append(_fill(spec, "w_vials", {"vials": " + ".join(parts), "total": fmt(total_tenths / 10)}))
    else:
        warnings.append({"field": "product", "message": _fill(spec, "no_vials", {"product": product["name"]})})
    out["rounded_dose_per_day_g"] = rounded
    if rounded is not None:
        _over_caps(spec, regimen, product, rounded, dosing_weight, warnings)
    grams = dose if rounded is None else rounded
    gpm = product["grams_per_ml"]
    volume = grams / gpm
    out["volume_per_day_ml"] = volume
    working.append(_fill(spec, "w_volume", {"grams": fmt(grams), "gpm": fmt(gpm), "ml": fmt(volume)}))

    schedule = product["schedule"]
    if schedule is None:
        values = {"indication": spec["infusion_indication"], "product": product["name"]}
        warnings.append({"field": "product", "message": _fill(spec, "no_schedule", values)})
        out["infusion_steps"] = []
        return out
    max_rate = schedule["max_rate"]
    if risk:
        if schedule["max_rate_at_risk"] is None:
            warnings.append(
                {
                    "field": "renal_or_thrombotic_risk",
                    "message": _fill(spec, "no_risk_max", {"product": product["name"]}),
                }
            )
        else:
            max_rate = schedule["max_rate_at_risk"]
    # The listed steps up to the maximum in force (the at-risk one when ticked): a step at
    # or above it is replaced by the maximum and ends the schedule. Otherwise the label's
    # maximum is always added as the last step ("increase as tolerated up to"), timed last
    # step or open one, so the reader sees the ceiling in mL/h.
    rates: list[list[Any]] = []
    for step in schedule["steps"]:
        if step["rate"] >= max_rate:
            break
        rates.append([step["rate"], step["minutes"], False])
    rates.append([max_rate, None, True])
    steps = []
    for rate, minutes, is_max in rates:
        ml_per_h = rate * dosing_weight * 60 / (1000 * gpm)
        steps.append({"mg_per_kg_min": rate, "ml_per_h": ml_per_h, "minutes": minutes, "maximum": is_max})
        values = {"rate": fmt(rate), "weight": fmt(dosing_weight), "gpm": fmt(gpm), "ml_per_h": fmt(ml_per_h)}
        working.append(_fill(spec, "w_rate", values))
    out["infusion_steps"] = steps
    return out


def _compute_decision(spec: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    names = spec["inputs"]
    measure = spec["measure"]
    units = [u["unit"] for u in spec["units"]]
    table = spec["table"]
    unit_field = names["unit"]
    raw = _parse_number(inputs.get(names["value"]))
    if raw == MISSING:
        errors.append({"field": names["value"], "message": _fill(spec, "required", {"label": measure["label"]})})
    elif raw == BAD:
        errors.append({"field": names["value"], "message": _fill(spec, "not_number", {"label": measure["label"]})})
    unit = inputs.get(unit_field)
    if unit is None or unit == "":
        errors.append({"field": unit_field, "message": _fill(spec, "required", {"label": spec["text"]["unit"]})})
        unit = None
    elif not isinstance(unit, str) or unit not in units:
        errors.append({"field": unit_field, "message": _fill(spec, "unknown_choice", {"label": spec["text"]["unit"]})})
        unit = None
    value = None
    if isinstance(raw, float) and unit is not None:
        # Limits are in the table's unit, so the value is converted before it is checked.
        converted = raw / spec["units"][units.index(unit)]["per_base"]
        value = _number_input(measure, converted, names["value"], True, errors, warnings, spec)
    conditions = [v["id"] for v in table["condition"]["values"]]
    condition = inputs.get(names["condition"])
    if condition is None or condition == "":
        errors.append(
            {"field": names["condition"], "message": _fill(spec, "required", {"label": table["condition"]["name"]})}
        )
    elif not isinstance(condition, str) or condition not in conditions:
        errors.append(
            {
                "field": names["condition"],
                "message": _fill(spec, "unknown_choice", {"label": table["condition"]["name"]}),
            }
        )
    if errors or value is None:
        return _refused(errors, warnings, DECISION_KEYS)
    working = []
    if unit != measure["unit"]:
        working.append(
            _fill(
                spec, "w_measure", {"value": fmt(raw), "unit": unit, "converted": fmt(value), "base": measure["unit"]}
            )
        )
    band = next(
        b
        for b in table["bands"]
        if (b["min"] is None or value >= b["min"]) and (b["below"] is None or value < b["below"])
    )
    working.append(
        _fill(
            spec,
            "w_band",
            {"value": fmt(value), "unit": measure["unit"], "band": band["label"], "scale": table["scale"]},
        )
    )
    cell = next(c for c in table["cells"] if c["band"] == band["id"] and c["condition"] == condition)
    return {
        "ok": True,
        "errors": errors,
        "warnings": warnings,
        "measured_value": value,
        "measured_unit": measure["unit"],
        "grade": band["id"],
        "grade_label": band["label"],
        "ctcae_version": table["scale"],
        "bleeding": condition,
        "pathway": cell["pathway"],
        "recommendation": spec["not_covered_text"] if cell["not_covered"] else cell["action"],
        "not_covered": cell["not_covered"],
        "cite": cell["cite"],
        "working": working,
    }


def compute(spec: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The result for one set of inputs: pure, JSON-serialisable, numbers unrounded.
    Refused inputs give ok false, located errors and no dose at all."""
    if not isinstance(inputs, dict):
        inputs = {}
    if spec["kind"] == "weight-dose":
        return _compute_dose(spec, inputs)
    return _compute_decision(spec, inputs)


def weight_band_rows(
    spec: dict[str, Any], regimen_id: str, weights_kg: list[float], product_id: str | None = None
) -> list[dict[str, Any]]:
    """One computed row per weight (no height: actual body weight), for the printed
    weight-band tables and the page's <noscript> table. Every number comes from
    :func:`compute`, so the print and the page agree to the gram."""
    rows = []
    for weight in weights_kg:
        inputs: dict[str, Any] = {"weight_kg": weight, "regimen": regimen_id}
        if product_id is not None:
            inputs["product"] = product_id
        rows.append({"weight_kg": weight, **compute(spec, inputs)})
    return rows
