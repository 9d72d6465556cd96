"""Print stage, part 2: the pocket guide's dose tables as printed rows.

A weight-band row says what a pharmacist dispenses for every weight in the band:
"67.5 to 72 kg: 70 g a day = 1×40 + 1×20 + 1×10, 700 mL, 21 to 168 mL/h, at least
2 h 28 min". The dose printed is the dose given, never one above a maximum; a row a
maximum bound says so in the row.

The rows have the shape of ``generator.calc.tables.WeightBandRow`` (the calculator
engine's own weight-band tables). Until those are in this build, :func:`legacy_band_rows`
derives them from :func:`generator.calculate.compute`, one weight at a time on a grid
ten times finer than the configured step; it only reads the engine's results (and its
vial search for the capped dose), it computes no dose of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["BandRow", "DosingWeightTable", "band_cells", "dosing_weight_table", "legacy_band_rows", "minutes_text"]

GRID_PER_STEP = 10  # grid points per configured step (5 kg -> 0.5 kg), as the engine's tables walk


@dataclass(frozen=True)
class BandRow:
    """One band of a weight-band table (the fields of the engine's ``WeightBandRow``
    that the guide prints). Doses in g; rates at the band's lightest weight."""

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


def minutes_text(minutes: float) -> str:
    """``2 h 28 min``, ``45 min``; whole minutes, rounded up (a pump is never run faster)."""
    whole = math.ceil(minutes - 1e-9)
    hours, rest = divmod(whole, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" if not rest else f"{hours} h {rest} min"


def _shortest_minutes(steps: list[dict[str, Any]], volume_ml: float) -> float:
    """Time to run ``volume_ml`` following the schedule at its fastest: each timed step for
    its minutes, an untimed step ("start at, increase as tolerated") not at all, then the
    maximum rate for the rest."""
    given, minutes = 0.0, 0.0
    for step in steps:
        if step["maximum"]:
            return minutes + (volume_ml - given) / step["ml_per_h"] * 60
        if step["minutes"] is None:
            continue
        part = step["ml_per_h"] * step["minutes"] / 60
        if given + part >= volume_ml:
            return minutes + (volume_ml - given) / step["ml_per_h"] * 60
        given, minutes = given + part, minutes + step["minutes"]
    return minutes


def _within_caps(spec: dict[str, Any], regimen: dict[str, Any], product: dict[str, Any], result: dict) -> float | None:
    """The dispensed daily dose the maxima allow, when the engine's supply-rounded dose is
    above one of them (today's engine warns and keeps it); None when it is within."""
    from .calculate import CAP_TOLERANCE, _vials_within

    rounded, weight, days = result["rounded_dose_per_day_g"], result["dosing_weight_kg"], regimen["days"]
    limit = math.inf
    for cap, times in ((regimen["max_per_dose"], 1), (regimen["max_per_course"], days)):
        if cap is not None:
            limit = min(limit, (cap["g"] * weight if cap["per_kg"] else cap["g"]) / times)
    if rounded is None or rounded <= limit * (1 + CAP_TOLERANCE):
        return None
    step = spec["rounding"]["step_g"]
    if step is not None:
        return math.floor(limit * (1 + CAP_TOLERANCE) / step) * step
    return _vials_within(product["vial_tenths"], limit) / 10


def _cap_reason(spec: dict[str, Any], regimen: dict[str, Any], result: dict, within: float | None) -> str | None:
    from .calculate import fmt

    caps = [c["text"] for c in (regimen["max_per_dose"], regimen["max_per_course"]) if c is not None]
    if within is not None:
        # Same words for every row it applies to, so consecutive capped rows share one note.
        step = spec["rounding"]["step_g"]
        rounding = f"rounding to the {fmt(step)} g step" if step else "rounding up to whole vials"
        return f"max: held down to stay within the {' and '.join(caps)} maximum ({rounding} would exceed it)."
    engine_caps = [w["message"] for w in result["warnings"] if w["field"] == "regimen"]
    return engine_caps[0] if engine_caps else None


def _row_from_result(spec: dict, regimen: dict, product: dict | None, low: float, high: float, result: dict) -> BandRow:
    from .calculate import _vials, fmt

    days = regimen["days"]
    exact = any(w["field"] == "product" and "rounding step" in w["message"] for w in result["warnings"])
    within = _within_caps(spec, regimen, product, result) if product else None
    dispensed = None if exact else (within if within is not None else result["rounded_dose_per_day_g"])
    vials: tuple[tuple[float, int], ...] = ()
    if product and product["vial_tenths"]:
        grams = dispensed if dispensed is not None else result["dose_per_day_g"]
        counts, _ = _vials(product["vial_tenths"], grams)
        vials = tuple((size, n) for size, n in zip(product["vial_sizes_g"], counts, strict=True) if n)
    given = dispensed if dispensed is not None else result["dose_per_day_g"]
    volume = given / product["grams_per_ml"] if product else None
    steps = result["infusion_steps"] or []
    shortest = _shortest_minutes(steps, volume) if steps and volume else None
    reason = _cap_reason(spec, regimen, result, within)
    skip = ("regimen", "height_cm", "rounded_dose_per_day_g")
    return BandRow(
        low_kg=low,
        high_kg=high,
        dose=result["dose_per_day_g"],
        course=result["course_total_g"],
        dispensed_dose=dispensed,
        dispensed_course=dispensed * days if dispensed is not None else None,
        presentations=vials,
        presentations_text=" + ".join(f"{n}×{fmt(size)} g" for size, n in vials) or None,
        volume_ml=volume,
        start_ml_per_h=steps[0]["ml_per_h"] if steps else None,
        max_ml_per_h=steps[-1]["ml_per_h"] if steps else None,
        shortest_minutes=shortest,
        shortest_text=minutes_text(shortest) if shortest is not None else None,
        capped=reason is not None,
        cap_reason=reason,
        warnings=tuple(w["message"] for w in result["warnings"] if w["field"] not in skip),
    )


def legacy_band_rows(
    spec: dict[str, Any], regimen: dict[str, Any], product: dict[str, Any] | None, weights: tuple[float, float, float]
) -> list[BandRow]:
    """Bands of consecutive grid weights with the same dispensed course (and vials); a
    regimen whose doses are not rounded (below the rounding step) gets one row per
    listed weight. Weights the engine refuses are left out, as on the calculator."""
    from .calculate import compute

    low, high, step = weights
    nominal = {round(low + i * step, 6) for i in range(round((high - low) / step) + 1)}
    fine = step / GRID_PER_STEP
    rows: list[BandRow] = []
    band: list[tuple[float, BandRow]] = []  # consecutive weights with the same dispensed course

    def close() -> None:
        if band:
            first = band[0][1]
            # A band where any weight was held down by a maximum says so, with the first such reason.
            reason = next((r.cap_reason for _, r in band if r.capped), None)
            rows.append(replace(first, high_kg=band[-1][0], capped=reason is not None, cap_reason=reason))
            band.clear()

    for i in range(round((high - low) / fine) + 1):
        weight = round(low + i * fine, 6)
        inputs: dict[str, Any] = {"weight_kg": weight, "regimen": regimen["id"]}
        if product is not None:
            inputs["product"] = product["id"]
        result = compute(spec, inputs)
        if not result["ok"]:
            close()
            continue
        row = _row_from_result(spec, regimen, product, weight, weight, result)
        if row.dispensed_dose is None:  # not rounded: the exact dose of each listed weight
            close()
            if weight in nominal:
                rows.append(row)
            continue
        if band and (band[0][1].dispensed_course, band[0][1].presentations) != (
            row.dispensed_course,
            row.presentations,
        ):
            close()
        band.append((weight, row))
    close()
    return rows


def band_cells(row: BandRow, *, days: int, milligrams: bool) -> dict[str, Any]:
    """The printed cells of a row: numbers formatted by the engine's display rule;
    neonatal tables in mg (``milligrams``), never "0.2 g"."""
    from .calculate import fmt

    scale, given = (1000, row.dispensed_dose) if milligrams else (1, row.dispensed_dose)
    dose = given if given is not None else row.dose
    low, high = fmt(row.low_kg), fmt(row.high_kg)
    return {
        "weight": low if low == high else f"{low} to {high}",
        "dose": fmt(dose * scale),
        "course": fmt(dose * days * scale),
        "exact": given is None,
        "vials": " + ".join(f"{n}×{fmt(size)}" for size, n in row.presentations),
        "volume": fmt(row.volume_ml) if row.volume_ml is not None else "",
        "rate": f"{fmt(row.start_ml_per_h)}–{fmt(row.max_ml_per_h)}" if row.start_ml_per_h is not None else "",
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
    spec: dict[str, Any], regimen_id: str, heights_cm: list[float], weights_kg: list[float]
) -> list[DosingWeightTable]:
    """The dosing-weight look-up that lets a weight-band table serve obese adults: for each
    sex, height and actual weight, the engine's dosing weight ("" where it is the actual
    weight). Age is given as the policy's adult age, so no adult is dosed on a child's rule."""
    from .calculate import compute, fmt

    adult = spec["dosing_weight"]["adjust_when"]["adult_from_age_years"]
    tables = []
    for sex in spec["sexes"]:
        cells = []
        for height in heights_cm:
            line = []
            for weight in weights_kg:
                inputs = {"weight_kg": weight, "height_cm": height, "sex": sex, "age_years": adult}
                result = compute(spec, inputs | {"regimen": regimen_id})
                adjusted = result["ok"] and result["dosing_weight_basis"] == "adjusted"
                line.append(fmt(round(result["dosing_weight_kg"], 1)) if adjusted else "")
            cells.append(tuple(line))
        tables.append(DosingWeightTable(sex, tuple(heights_cm), tuple(weights_kg), tuple(cells)))
    return tables
