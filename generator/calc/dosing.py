"""Dose rules of the Python engine: regimen population, dose per kg / m2 / fixed,
maxima that bind, rounding to presentations within the spec's deviation (never above
a maximum), volume and infusion rates. Twin of the dose part of calc-engine.js."""

from __future__ import annotations

import math
from typing import Any

from .display import fmt_minutes
from .engine import Run, evaluate
from .program import DoseDef, ProductDef, RegimenDef

__all__ = ["combine", "dose"]

CAP_TOLERANCE = 1e-9  # 0.4 g/kg x 5 may land one ulp above 2 g/kg: not over the cap
MAX_GRID = 100_000  # largest number of grid steps the presentation search walks


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def combine(sizes: tuple[float, ...], target: float, lower: float, upper: float) -> tuple[float, list[int]] | None:
    """The sum of presentations (any count of each size, sizes largest first) closest to
    ``target`` within lower..upper: ties go to fewer units, then the smaller amount.
    Returns (amount, count per size) or None."""
    ints = [math.floor(s * 1000 + 0.5) for s in sizes]
    g = 0
    for i in ints:
        g = _gcd(i, g)
    steps = [i // g for i in ints]
    top = math.floor(upper * (1 + CAP_TOLERANCE) * 1000 / g)
    if top < 0 or top > MAX_GRID:
        return None
    inf = top + 1
    best = [0] + [inf] * top
    pick = [0] * (top + 1)
    for t in range(1, top + 1):
        for k, step in enumerate(steps):
            if step <= t and best[t - step] + 1 < best[t]:
                best[t] = best[t - step] + 1
                pick[t] = k
    chosen = -1
    for j in range(1, top + 1):
        amount = j * g / 1000
        if best[j] >= inf or amount < lower * (1 - CAP_TOLERANCE):
            continue
        if chosen < 0:
            chosen = j
            continue
        old = abs(chosen * g / 1000 - target)
        new = abs(amount - target)
        if new < old or (new == old and best[j] < best[chosen]):
            chosen = j
    if chosen < 0:
        return None
    counts = [0] * len(sizes)
    rest = chosen
    while rest > 0:
        counts[pick[rest]] += 1
        rest -= steps[pick[rest]]
    return chosen * g / 1000, counts


def _cap_limit(cap: Any, base: dict[str, float | None]) -> float | None:
    if cap.per is None:
        return cap.amount
    per = base.get(cap.per)
    return None if per is None else cap.amount * per


def _apply_caps(
    run: Run, dd: DoseDef, reg: RegimenDef, base: dict[str, float | None], d: float
) -> tuple[float, list[float]]:
    """The dose per administration after every maximum that binds, and each limit as an
    upper bound on one administration (for rounding; every maximum counts, as in the JS twin)."""
    bounds: list[float] = []
    per_scope = {"dose": 1.0, "day": reg.per_day, "course": float(reg.administrations)}
    for cap in reg.caps:
        limit = _cap_limit(cap, base)
        if limit is None:
            continue
        times = per_scope[cap.scope]
        bounds.append(limit / times)
        if d * times > limit * (1 + CAP_TOLERANCE):
            d = limit / times
            patient = ""
            if cap.per is not None:
                patient = run.say(
                    "cap_patient",
                    {
                        "limit": run.num(limit, dd.unit),
                        "unit": dd.unit,
                        "base": run.num(base[cap.per] or 0, cap.per),
                        "per": cap.per,
                    },
                )
            values = {"scope": run.text["per_" + cap.scope], "cap": cap.text, "patient": patient}
            run.warn(dd.regimen_input, run.say("cap", values))
            run.working.append(run.say("w_cap", values | {"dose": run.num(d, dd.unit), "unit": dd.unit}))
            run.out["capped"] = True
    return d, bounds


def _vials_text(run: Run, dd: DoseDef, product: ProductDef, counts: list[int]) -> str:
    parts = []
    for size, count in zip(product.sizes, counts, strict=True):
        if count > 3:
            parts.append(str(count) + " × " + run.num(size, dd.unit))
        else:
            parts.extend([run.num(size, dd.unit)] * count)
    word = run.text[dd.presentation + ("s" if sum(counts) > 1 else "")]
    return " + ".join(parts) + " " + dd.unit + " " + word


def _round(run: Run, dd: DoseDef, reg: RegimenDef, product: ProductDef, d: float, bounds: list[float]) -> None:
    """Each dose from its own whole presentations: a vial is single-use, so one opened for a
    dose is never kept for the next (clinical review 2026-11, D5). The same combination is
    given every day, within the deviation of the dose and never above the share of any
    maximum (a course maximum binds each of the course's doses); the course is their sum."""
    s = dd.suffix
    n = reg.administrations
    pct = dd.within_percent or 0
    upper = d * (1 + pct / 100)
    for bound in bounds:
        upper = min(upper, bound)
    found = combine(product.sizes, d, d * (1 - pct / 100), upper) if product.sizes else None
    if found is None:
        key = "no_sizes" if not product.sizes else "no_combination"
        values = {"product": product.name, "percent": run.num(pct, "%"), "dose": run.num(d, dd.unit), "unit": dd.unit}
        run.warn(dd.product_input or "", run.say(key, values))
        return
    amount, counts = found
    course = amount * n
    run.out["rounded_dose_per_day_" + s] = amount * reg.per_day
    run.out["dispensed_dose_" + s] = amount
    run.out["dispensed_course_total_" + s] = course
    run.out["deviation_percent"] = (amount - d) / d * 100
    run.out["rounded_per"] = dd.round_per
    run.out[dd.presentation + "s"] = [
        {"size_" + s: size, "count": c} for size, c in zip(product.sizes, counts, strict=True) if c > 0
    ]
    run.out["presentations_text"] = _vials_text(run, dd, product, counts)
    values = {
        "each": run.text["per_day" if n > 1 and reg.per_day == 1 else "per_dose"],
        "dose": run.num(d, dd.unit),
        "amount": run.num(amount, dd.unit),
        "unit": dd.unit,
        "vials": run.out["presentations_text"],
        "deviation": run.num(run.out["deviation_percent"], "%"),
        "percent": run.num(pct, "%"),
        "times": n,
        "course": run.num(course, dd.unit),
        "new": run.text[dd.presentation + "s"],
    }
    run.working.append(run.say("w_round", values))
    if n == 1:
        run.show("dispensed", run.text["s_dispensed"], run.say("s_dispensed_once", values))
        return
    run.working.append(run.say("w_round_course", values))
    run.show("dispensed", run.text["s_dispensed"], run.say("s_dispensed_each", values))


def _infusion(run: Run, dd: DoseDef, product: ProductDef) -> None:
    schedule = product.schedule
    if schedule is None:
        run.warn(
            dd.product_input or "", run.say("no_schedule", {"indication": dd.indication or "", "product": product.name})
        )
        run.out["infusion_steps"] = []
        return
    max_rate = schedule.max_rate
    # A risk the calculator finds itself (the content's at_risk_when) counts whatever the
    # answer (bedside review 4, D1: a "No" it had questioned still gave the full maximum).
    at_risk = dd.risk_input is not None and (
        run.env.get(dd.risk_input) is True
        or (dd.risk_when is not None and evaluate(dd.risk_when, run.env, run.program) is True)
    )
    run.out["rate_at_risk"] = at_risk
    if at_risk and schedule.max_rate_at_risk is None:
        # The labels ask for the minimum practicable rate in patients at risk; with no
        # at-risk maximum recorded, the label maximum is not shown as a target (W6).
        _hold_start(run, dd, product)
        return
    if at_risk and schedule.max_rate_at_risk is not None:
        max_rate = schedule.max_rate_at_risk
    rates: list[tuple[float, int | None, bool]] = []
    for rate, minutes in schedule.steps:
        if rate >= max_rate:
            break
        rates.append((rate, minutes, False))
    rates.append((max_rate, None, True))
    steps = []
    for rate, minutes, is_max in rates:
        ml_per_h, values = _pump_rate(run, dd, product, rate)
        steps.append({"mg_per_kg_min": rate, "ml_per_h": ml_per_h, "minutes": minutes, "maximum": is_max})
        run.working.append(run.say("w_rate", values))
        key = "step_timed" if minutes is not None else "step_open"
        if is_max:
            key = "step_max_risk" if at_risk else "step_max"
        run.steps.append(run.say(key, values | {"minutes": minutes}))
    run.out["infusion_steps"] = steps
    run.out["start_ml_per_h"] = steps[0]["ml_per_h"]
    run.out["max_ml_per_h"] = steps[-1]["ml_per_h"]
    pump = dd.pump_max_ml_per_h
    if pump is not None and steps[-1]["ml_per_h"] > pump:
        values = {"ml_per_h": run.num(steps[-1]["ml_per_h"], "mL/h"), "pump": run.num(pump, "mL/h")}
        run.warn(dd.product_input or "", run.say("pump_max", values))
    volume = run.out["volume_per_dose_ml"]
    minutes_total = 0.0
    for step in steps:
        if step["maximum"] or step["minutes"] is None:
            continue
        given = step["ml_per_h"] * step["minutes"] / 60
        if given >= volume:
            minutes_total += volume / step["ml_per_h"] * 60
            volume = 0
            break
        volume -= given
        minutes_total += step["minutes"]
    minutes_total += volume / steps[-1]["ml_per_h"] * 60
    run.out["shortest_infusion_minutes"] = minutes_total
    run.out["shortest_infusion_text"] = fmt_minutes(minutes_total, run.text)
    run.steps.append(run.say("step_time", {"time": run.out["shortest_infusion_text"]}))


def _pump_rate(run: Run, dd: DoseDef, product: ProductDef, rate: float) -> tuple[float, dict]:
    """One infusion rate in mg/kg/min as mL/h of the product, with the values its working
    line and step sentence quote."""
    weight = run.env[dd.weight]
    ml_per_h = rate * weight * dd.rate_factor / product.per_ml
    values = {
        "rate": run.num(rate, "mg/kg/min"),
        "weight": run.num(weight, "kg"),
        "per_ml": run.num(product.per_ml, None),
        "unit": dd.unit,
        "ml_per_h": run.num(ml_per_h, "mL/h"),
    }
    return ml_per_h, values


def _hold_start(run: Run, dd: DoseDef, product: ProductDef) -> None:
    """At risk of renal failure or thrombosis with no at-risk maximum recorded: the start
    rate, no increase steps and no shortest time (they would be targets); the label maximum
    only as the ceiling never to pass (``ceiling_ml_per_h``)."""
    assert product.schedule is not None and dd.risk_input is not None
    rate = product.schedule.steps[0][0]
    ml_per_h, values = _pump_rate(run, dd, product, rate)
    ceiling, ceiling_values = _pump_rate(run, dd, product, product.schedule.max_rate)
    values |= {"product": product.name, "ceiling_ml_per_h": ceiling_values["ml_per_h"]}
    values["ceiling_rate"] = ceiling_values["rate"]
    run.warn(dd.risk_input, run.say("no_risk_max", values))
    run.working.append(run.say("w_rate", values))
    run.working.append(run.say("w_rate", ceiling_values))
    run.out["ceiling_ml_per_h"] = ceiling
    run.steps.append(run.say("step_open", values))
    run.steps.append(run.say("step_hold", values))
    run.out["infusion_steps"] = [{"mg_per_kg_min": rate, "ml_per_h": ml_per_h, "minutes": None, "maximum": False}]
    run.out["start_ml_per_h"] = ml_per_h


def _licence(run: Run, dd: DoseDef, product: ProductDef) -> None:
    """Warn when the product's recorded licences do not cover the patient: none recorded,
    none for the calculator's indication (whatever the age), or none at this age. Silence
    would read as "licensed" (second clinical review, W5 and W8)."""
    field = dd.product_input or ""
    wanted = (dd.indication or "").casefold()
    listed = "; ".join(lic.indication + ": " + lic.ages for lic in product.licensed)
    values = {"product": product.name, "indication": dd.indication or "", "licensed": listed}
    if not product.licensed:
        run.warn(field, run.say("licence_unknown", values))
        return
    uses = [lic for lic in product.licensed if wanted in lic.indication.casefold()]
    if not uses:
        run.warn(field, run.say("not_licensed_for", values))
        return
    age = run.env.get(dd.age_years) if dd.age_years else None
    if age is None:
        return
    for lic in uses:
        if (lic.min_age_years is None or age >= lic.min_age_years) and (
            lic.max_age_years is None or age < lic.max_age_years
        ):
            return
    run.warn(field, run.say("unlicensed", values))


def dose(run: Run, dd: DoseDef) -> None:
    reg = next((r for r in dd.regimens if r.id == run.env.get(dd.regimen_input)), None)
    if reg is None:
        return
    if evaluate(reg.population, run.env, run.program) is not True:
        run.error(dd.regimen_input, run.fill(reg.refuse))
        return
    base: dict[str, float | None] = {
        "kg": run.env.get(dd.weight),
        "m2": run.env.get(dd.surface_area) if dd.surface_area else None,
    }
    per = 1.0 if reg.basis == "fixed" else base[reg.basis]
    if per is None:
        run.error(dd.regimen_input, run.say("needs_" + reg.basis, {"regimen": reg.name}))
        return
    s = dd.suffix
    d = reg.amount * per
    run.out["capped"] = False
    run.working.append(
        run.say(
            "w_dose_" + reg.basis,
            {"dose_text": reg.dose_text, "base": run.num(per, reg.basis), "dose": run.num(d, dd.unit), "unit": dd.unit},
        )
    )
    d, bounds = _apply_caps(run, dd, reg, base, d)
    run.out.update(
        {
            "dose_per_administration_" + s: d,
            "administrations_per_day": reg.per_day,
            "dose_per_day_" + s: d * reg.per_day,
            "days": reg.days,
            "days_text": run.say("days_one" if reg.days == 1 else "days_many", {"days": reg.days}),
        }
    )
    run.out["course_total_" + s] = d * reg.administrations
    run.working.append(
        run.say(
            "w_course",
            {
                "dose": run.num(d, dd.unit),
                "unit": dd.unit,
                "times": reg.administrations,
                "total": run.num(d * reg.administrations, dd.unit),
            },
        )
    )
    run.show("dose_per_day", run.text["s_dose_per_day"], run.num(d * reg.per_day, dd.unit) + " " + dd.unit)
    run.show(
        "course_total",
        run.text["s_course"],
        run.num(d * reg.administrations, dd.unit)
        + " "
        + dd.unit
        + run.say("s_times", {"days_text": run.out["days_text"]}),
    )
    product = next((p for p in dd.products if dd.product_input and p.id == run.env.get(dd.product_input)), None)
    if product is None:
        return
    run.out["product_name"] = product.name
    _licence(run, dd, product)
    if dd.round_per is not None:
        _round(run, dd, reg, product, d, bounds)
    given = run.out.get("dispensed_dose_" + s, d)
    run.out["volume_per_dose_ml"] = given / product.per_ml
    run.out["volume_per_day_ml"] = given * reg.per_day / product.per_ml
    run.show("volume", run.text["s_volume"], run.num(run.out["volume_per_dose_ml"], "mL") + " mL")
    run.working.append(
        run.say(
            "w_volume",
            {
                "dose": run.num(given, dd.unit),
                "unit": dd.unit,
                "per_ml": run.num(product.per_ml, None),
                "ml": run.num(run.out["volume_per_dose_ml"], "mL"),
            },
        )
    )
    if dd.indication is not None:
        _infusion(run, dd, product)
