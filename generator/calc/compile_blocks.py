"""Compiling the dose block (regimens of the topic, products, rounding, infusion) and
the decision block (a decision table of the topic) of a calculator."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import units
from .expr import Type
from .program import (
    AxisDef,
    BandDef,
    CapDef,
    CellDef,
    DecisionDef,
    DoseDef,
    InputDef,
    LicenceDef,
    Option,
    ProductDef,
    RefDef,
    RegimenDef,
    ScheduleDef,
)

if TYPE_CHECKING:
    from .compiler import Compiler

__all__ = ["compile_decision", "compile_dose", "reference_display"]

# Administrations per day and whether days count administrations, by regimen frequency.
FREQUENCIES = {"once": 1.0, "daily": 1.0, "twice-daily": 2.0, "three-times-daily": 3.0, "four-times-daily": 4.0}


def _surname(author: str) -> str:
    """The name a citation label gives an author: the surname of a person written
    "Samuelson Bannow BT" (everything before the initials), an organisation whole
    ("Transfusion Ontario" was cut to "Transfusion")."""
    words = author.split()
    if len(words) > 2 and words[-1] == "Jr":
        words = words[:-1]
    if len(words) > 1 and re.fullmatch(r"[A-Z]{1,3}", words[-1]):
        return " ".join(words[:-1])
    return author


def reference_display(ref: Any) -> RefDef:
    """A citation as the page shows it: short label, full text, link."""
    first = _surname(ref.authors[0]) if ref.authors else (ref.publisher or ref.journal)
    label = f"{first} {ref.year}" if ref.year else first
    parts = [", ".join(ref.authors)] if ref.authors else []
    parts.append(ref.title)
    detail = f"{ref.journal or ref.publisher}"
    if ref.year:
        detail += f". {ref.year}"
    if ref.volume:
        detail += f";{ref.volume}" + (f"({ref.issue})" if ref.issue else "")
    if ref.pages:
        detail += f":{ref.pages}"
    parts.append(detail)
    # A DOI or address not checked against the original is never a live link: it may
    # lead elsewhere (second clinical review, provan-2019).
    doi = ref.doi if ref.doi and "doi" not in ref.unverified else None
    address = str(ref.url) if ref.url and "url" not in ref.unverified else None
    url = f"https://doi.org/{doi}" if doi else address
    if url is None and ref.pmid and "pmid" not in ref.unverified:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"
    return RefDef(ref.id, label, ". ".join(p.rstrip(".") for p in parts if p) + ".", url)


def _basis(compiler: Compiler, quantity_unit: str, dose_unit: Any, loc: tuple) -> tuple[str, float, bool] | None:
    """(kg | m2 | fixed, factor to the dose unit, per day) of a dose or cap unit."""
    unit = compiler.unit(quantity_unit, loc)
    if unit is None:
        return None
    day = units.parse("day")
    for basis, per in (("kg", units.parse("kg")), ("m2", units.parse("m2")), ("fixed", units.parse("1"))):
        for per_day in (False, True):
            target = dose_unit / per / (day if per_day else 1)
            if units.same_dimension(unit, target):
                return basis, units.factor(unit, target), per_day
    compiler.problem(
        loc,
        f"{quantity_unit} is not a dose in {units.show(dose_unit)} (expected {units.show(dose_unit)}, "
        f"{units.show(dose_unit)}/kg or {units.show(dose_unit)}/m2, optionally per day)",
    )
    return None


def _regimen(compiler: Compiler, use: Any, reg: Any, dose_unit: Any, unit_text: str, loc: tuple) -> RegimenDef | None:
    per_day = FREQUENCIES.get(reg.frequency)
    if per_day is None:
        compiler.problem(
            (*loc, "regimen"), f"regimen '{reg.id}' is given {reg.frequency}; the engine knows {', '.join(FREQUENCIES)}"
        )
        return None
    administrations = 1 if reg.frequency == "once" else round(per_day * reg.days)
    found = _basis(compiler, reg.dose.unit.value, dose_unit, (*loc, "regimen"))
    population = compiler.condition(use.population.when, (*loc, "population", "when"))
    compiler.template(use.population.refuse, (*loc, "population", "refuse"))
    if found is None:
        return None
    basis, factor, daily = found
    amount = reg.dose.amount * factor / (per_day if daily else 1)
    caps = []
    for scope in ("dose", "day", "course"):
        quantity = getattr(reg, f"max_per_{scope}", None)
        if quantity is None:
            continue
        cap = _basis(compiler, quantity.unit.value, dose_unit, (*loc, "regimen"))
        if cap is not None:
            caps.append(
                CapDef(
                    scope,
                    quantity.value * cap[1],
                    None if cap[0] == "fixed" else cap[0],
                    f"{quantity.value:g} {quantity.unit.value}",
                )
            )
    compiler.cite(reg.cite)
    return RegimenDef(
        reg.id,
        reg.name,
        f"{reg.dose.amount:g} {reg.dose.unit.value}",
        amount,
        basis,
        per_day,
        reg.days,
        administrations,
        reg.frequency,
        tuple(caps),
        population,
        use.population.refuse,
        tuple(reg.cite),
        reg.evidence.words if reg.evidence else None,
        tuple(use.table_inputs.items()),
    )


def _product(compiler: Compiler, product: Any, dose_unit: Any, indication: str | None) -> ProductDef:
    grams = units.factor(units.parse("g"), dose_unit)
    sizes = tuple(sorted((s * grams for s in product.vial_sizes_g), reverse=True))
    schedule = None
    if indication is not None:
        found = next((s for s in product.infusion if s.indication.casefold() == indication.casefold()), None)
        if found is not None:
            schedule = ScheduleDef(
                tuple((s.rate, s.minutes) for s in found.steps),
                found.max_rate,
                found.max_rate_at_risk,
                compiler.cite(found.cite),
                found.label,
            )
    licensed = tuple(
        LicenceDef(lic.indication, lic.ages, lic.min_age_years, lic.max_age_years)
        for lic in getattr(product, "licensed", [])
    )
    return ProductDef(
        product.id,
        product.name,
        sizes,
        product.concentration.value / 100 * grams,
        schedule,
        licensed,
        compiler.cite(product.cite),
    )


def compile_dose(compiler: Compiler) -> tuple[DoseDef | None, dict[str, Type]]:
    spec = compiler.calc.dose
    assert spec is not None
    dose_unit = compiler.unit(spec.unit, ("dose", "unit"))
    topic = compiler.handbook.topics.get(compiler.calc.topic)
    if dose_unit is None or topic is None:
        if topic is None:
            compiler.problem(("topic",), f"no topic '{compiler.calc.topic}'")
        return None, {}
    for name, loc in (
        (spec.weight, "weight"),
        (spec.surface_area, "surface_area"),
        (spec.regimen_input, "regimen_input"),
        (spec.product_input, "product_input"),
        (spec.age_years, "age_years"),
    ):
        if name is not None and name not in compiler.env:
            compiler.problem(("dose", loc), f"unknown name '{name}'")
    regimens_by_id = {r.id: r for r in topic.regimens}
    regimens = []
    for i, use in enumerate(spec.regimens):
        reg = regimens_by_id.get(use.regimen)
        if reg is None:
            compiler.problem(
                ("dose", "regimens", i, "regimen"),
                f"no regimen '{use.regimen}' in topic '{topic.id}' "
                f"(expected one of {', '.join(regimens_by_id) or 'none'})",
            )
            continue
        compiled = _regimen(compiler, use, reg, dose_unit, spec.unit, ("dose", "regimens", i))
        if compiled is not None:
            regimens.append(compiled)
    indication = spec.infusion.indication if spec.infusion else None
    products = []
    for i, pid in enumerate(spec.products):
        product = compiler.handbook.products.get(pid)
        if product is None:
            compiler.problem(
                ("dose", "products", i),
                f"no product '{pid}' in content/products.yaml "
                f"(expected one of {', '.join(compiler.handbook.products)})",
            )
            continue
        products.append(_product(compiler, product, dose_unit, indication))
    rounding = spec.rounding
    if rounding is not None:
        compiler.cite(rounding.cite)
    rate = (
        units.registry().Quantity(1, "mg/kg/min")
        * units.registry().Quantity(1, "kg")
        / units.registry().Quantity(1, dose_unit / units.parse("mL"))
    )
    suffix = re.sub(r"[^a-z0-9]+", "_", spec.unit.lower()).strip("_")
    risk_when = None
    if spec.infusion is not None and spec.infusion.at_risk_when is not None:
        risk_when = compiler.condition(spec.infusion.at_risk_when, ("dose", "infusion", "at_risk_when"))
    dd = DoseDef(
        spec.unit,
        suffix,
        spec.weight,
        spec.surface_area,
        spec.age_years,
        spec.regimen_input,
        spec.product_input,
        spec.infusion.risk_input if spec.infusion else None,
        spec.presentation,
        rounding.per if rounding else None,
        rounding.within_percent if rounding else None,
        rounding.basis if rounding else None,
        float(rate.to("mL/h").magnitude),
        indication,
        tuple(regimens),
        tuple(products),
        spec.infusion.pump_max_ml_per_h if spec.infusion else None,
        risk_when,
    )
    return dd, _dose_fields(spec, dose_unit, suffix)


def _dose_fields(spec: Any, dose_unit: Any, s: str) -> dict[str, Type]:
    num = lambda u: Type("number", u)  # noqa: E731
    ml, one = units.parse("mL"), units.parse("1")
    text = Type("text", choices=("",))
    fields = {
        "regimen": text,
        "product": text,
        "product_name": text,
        "dose_per_administration_" + s: num(dose_unit),
        "administrations_per_day": num(one),
        "dose_per_day_" + s: num(dose_unit),
        "days": num(one),
        "days_text": text,
        "course_total_" + s: num(dose_unit),
        "capped": Type("bool"),
        "rounded_dose_per_day_" + s: num(dose_unit),
        "dispensed_dose_" + s: num(dose_unit),
        "dispensed_course_total_" + s: num(dose_unit),
        "deviation_percent": num(units.parse("%")),
        "rounded_per": text,
        spec.presentation + "s": text,
        "presentations_text": text,
        "volume_per_dose_ml": num(ml),
        "volume_per_day_ml": num(ml),
    }
    if spec.infusion is not None:
        fields.update(
            {
                "infusion_steps": text,
                "start_ml_per_h": num(units.parse("mL/h")),
                "max_ml_per_h": num(units.parse("mL/h")),
                "shortest_infusion_minutes": num(units.parse("min")),
                "shortest_infusion_text": text,
                "rate_at_risk": Type("bool"),
                "ceiling_ml_per_h": num(units.parse("mL/h")),
            }
        )
    return fields


def _axes(table: Any) -> list[AxisDef]:
    if hasattr(table, "conditions"):
        # Each value's definition goes with it: the grader shows what "critical" or "Child"
        # means beside the choice (bedside review 3, M10).
        return [
            AxisDef(c.id, c.name, tuple(Option(v.id, v.label, None, v.definition) for v in c.values))
            for c in table.conditions
        ]
    # The single-condition shape before the decision-table revision: the axis is named after the condition.
    cond = table.condition
    return [
        AxisDef(
            re.sub(r"[^a-z0-9]+", "_", cond.name.lower()).strip("_"),
            cond.name,
            tuple(Option(v.id, v.label) for v in cond.values),
        )
    ]


def _cells(table: Any, axes: list[AxisDef]) -> list[CellDef]:
    out = []
    for cell in table.cells:
        if hasattr(cell, "when"):
            match = tuple((k, (v,) if isinstance(v, str) else tuple(v)) for k, v in cell.when.items())
            actions, link = tuple(a.value for a in cell.actions), cell.link
        else:
            match = (("band", (cell.band,)), (axes[0].id, (cell.condition,)))
            actions, link = (), None
        grade = cell.grade or table.grade
        out.append(
            CellDef(
                match,
                cell.not_covered,
                cell.action,
                actions,
                cell.pathway,
                link,
                (cell.evidence or table.evidence).words if (cell.evidence or table.evidence) else None,
                tuple(cell.cite or table.cite),
                grade.describe() if grade else None,
                grade.strength.value if grade else None,
            )
        )
    return out


def _same_unit(unit: Any, table_unit: Any) -> bool:
    try:
        return units.factor(unit, table_unit) == 1
    except units.UnitError:
        return False


def compile_decision(compiler: Compiler) -> tuple[DecisionDef | None, list[InputDef], dict[str, Type]]:
    from ..model import NOT_COVERED_TEXT

    spec = compiler.calc.decision
    assert spec is not None
    topic = compiler.handbook.topics.get(compiler.calc.topic)
    tables = {t.id: t for t in topic.decision_tables} if topic else {}
    table = tables.get(spec.table)
    if table is None:
        compiler.problem(
            ("decision", "table"),
            f"no decision table '{spec.table}' in topic '{compiler.calc.topic}' "
            f"(expected one of {', '.join(tables) or 'none'})",
        )
        return None, [], {}
    measure = compiler.env.get(spec.measure)
    table_unit = units.parse(table.unit.value)
    if spec.measure in compiler.unknown:
        pass  # its unit's own error is reported where the unit is written
    elif measure is None or measure.kind != "number" or not _same_unit(measure.unit, table_unit):
        compiler.problem(
            ("decision", "measure"), f"'{spec.measure}' must be a number input in the table's unit {table.unit.value}"
        )
    axes = _axes(table)
    inputs = []
    for axis in axes:
        if axis.id not in compiler.env:
            compiler.declare(
                axis.id, Type("text", choices=tuple(o.id for o in axis.values)), None, ("decision", "table")
            )
            inputs.append(InputDef(axis.id, axis.name, None, "choice", options=axis.values, required=True))
    for cell in table.cells:
        compiler.cite(cell.cite or table.cite)
    # A local split of a published grade rides in the band's text: the engines say it in the working.
    bands = tuple(BandDef(b.id, b.label, b.min, b.below, b.local, (), (), None, b.boundary) for b in table.bands)
    dec = DecisionDef(
        table.id,
        table.title,
        spec.measure,
        table.unit.value,
        table.scale,
        bands,
        tuple(axes),
        tuple(_cells(table, axes)),
        NOT_COVERED_TEXT,
    )
    text = Type("text", choices=("",))
    fields = {
        "measured_value": Type("number", table_unit),
        "measured_unit": text,
        "grade": text,
        "grade_label": text,
        "scale": text,
        **{a.id: text for a in axes},
        "pathway": text,
        "recommendation": text,
        "actions": text,
        "evidence": text,
        "guideline_grade": text,
        "strength": text,
        "not_covered": Type("bool"),
        "link": text,
        "cite": text,
        "citations": text,
    }
    compiler.units.setdefault("measured_value", table.unit.value)
    return dec, inputs, fields
