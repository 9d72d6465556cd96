"""Calculator specs (content/calculators/<id>.yaml).

A spec is declarative: it names the building blocks the engines know (dosing
weight, weight-based regimens, vial rounding, infusion-rate schedules, decision
tables) and supplies every clinical number, with citations. Doses are not restated:
the spec refers to regimens, decision tables and products by id, so a dose lives in
exactly one place of the knowledge base.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, model_validator

from .common import Cited, Id, Model, Problems, Text, Unit

__all__ = [
    "CONVERTIBLE_UNITS",
    "AdjustWhen",
    "AdjustedWeight",
    "Calculator",
    "DecisionCalculator",
    "DevineIbw",
    "DosingWeightPolicy",
    "InputLimits",
    "NumberInput",
    "RegimenChoice",
    "Rounding",
    "WeightDoseCalculator",
    "WeightDoseInputs",
    "cross_check_calculator",
]

Loc = tuple[str | int, ...]

# Units a decision calculator can convert between, as (unit of the table, unit the
# reader may type) -> how many of the typed unit make one of the table's unit.
# These are definitions of the units (1 x10^9/L = 1000 per microlitre), not clinical data.
CONVERTIBLE_UNITS: dict[tuple[Unit, Unit], float] = {
    (Unit.x10_9_per_l, Unit.x10_9_per_l): 1,
    (Unit.x10_9_per_l, Unit.per_ul): 1000,
}

# Regimen features the dose engine implements; anything else is refused at validation.
ENGINE_DOSE_UNITS = ("g/kg", "mg/kg")
ENGINE_FREQUENCIES = ("once", "daily")


class InputLimits(Model):
    """Plausible range of a numeric input. Values outside min..max are refused with a
    message; values outside warn_below..warn_above are accepted with a warning. These
    are plausibility checks chosen by the editors, not clinical recommendations, so
    they state their basis instead of citing a source."""

    min: float = Field(ge=0)
    """Smallest value accepted (inclusive), in the input's unit."""
    max: float = Field(gt=0)
    """Largest value accepted (inclusive), in the input's unit."""
    warn_below: float | None = None
    """Values below this are accepted with a "check the value" warning."""
    warn_above: float | None = None
    """Values above this are accepted with a "check the value" warning."""
    zero_allowed: bool = False
    """True when zero is a real value (age of a newborn in years); otherwise zero is refused."""
    basis: Text
    """Why these limits (who chose them and what they guard against)."""

    @model_validator(mode="after")
    def _ordered(self) -> InputLimits:
        low = self.warn_below if self.warn_below is not None else self.min
        high = self.warn_above if self.warn_above is not None else self.max
        if not self.min <= low < high <= self.max:
            raise ValueError(
                "limits must satisfy min <= warn_below < warn_above <= max "
                f"(got min={self.min:g}, warn_below={low:g}, warn_above={high:g}, max={self.max:g})"
            )
        return self


class NumberInput(Model):
    """A numeric input of the form, in the engine's base unit for that input."""

    label: Text
    """Label shown next to the field, e.g. "Weight"."""
    help: Text | None = None
    """One line of help under the field."""
    limits: InputLimits
    """Refusing and warning limits."""


class WeightDoseInputs(Model):
    """The numeric inputs of a weight-based dose calculator (weight in kg, height in
    cm, age in years; the form also offers lb and in and converts them)."""

    weight: NumberInput
    """Actual body weight, in kg. Required."""
    height: NumberInput
    """Height, in cm. Optional: without it obesity adjustment is not assessed."""
    age: NumberInput
    """Age, in years. Optional."""


class DevineIbw(Cited):
    """Ideal body weight by the Devine formula: base + kg_per_inch x (height in inches - from_height_in)."""

    base_kg_female: float = Field(gt=0)
    """Base weight for women, in kg."""
    base_kg_male: float = Field(gt=0)
    """Base weight for men, in kg."""
    kg_per_inch: float = Field(gt=0)
    """kg added per inch of height above from_height_in."""
    from_height_in: float = Field(gt=0)
    """Height in inches the formula counts from; below it the formula does not apply."""


class AdjustedWeight(Cited):
    """Adjusted body weight: IBW + factor x (actual weight - IBW)."""

    factor: float = Field(gt=0, lt=1)
    """The fraction of the excess weight that counts, e.g. 0.4."""


class AdjustWhen(Cited):
    """When the adjusted weight replaces the actual weight (local policy)."""

    bmi_above: float = Field(gt=0)
    """Adjust only when BMI is strictly greater than this, in kg/m2."""
    actual_above_ibw: bool
    """Adjust only when the actual weight is above the ideal body weight."""
    adult_from_age_years: float = Field(gt=0)
    """Patients younger than this are dosed on actual weight."""


class DosingWeightPolicy(Model):
    """How the dosing weight is chosen. Without a height the actual weight is used and
    the result warns that obesity adjustment was not assessed."""

    ibw: DevineIbw
    """Ideal body weight formula constants."""
    adjusted: AdjustedWeight
    """Adjusted body weight factor."""
    adjust_when: AdjustWhen
    """When to use the adjusted weight."""


class RegimenChoice(Model):
    """A regimen the calculator offers, by id of a regimen of the calculator's topic."""

    regimen: Id
    """Id of a regimen in the topic (its dose, days and caps are read from there)."""
    dosing_weight: Literal["policy", "actual"] = "policy"
    """policy: the dosing-weight policy decides; actual: always the actual weight (e.g. neonates)."""
    note: Text | None = None
    """Why this regimen departs from the policy, shown in the working."""


class Rounding(Cited):
    """How a dose is rounded to what pharmacy can supply."""

    policy: Literal["nearest-5g", "least-waste-vials"]
    """nearest-5g: round the daily dose to the nearest step_g, then make it up from vials;
    least-waste-vials: the vial combination that covers the dose with the least waste."""
    step_g: float | None = Field(default=None, gt=0)
    """Rounding step in grams (required for nearest-5g)."""

    @model_validator(mode="after")
    def _step(self) -> Rounding:
        if self.policy == "nearest-5g" and self.step_g is None:
            raise ValueError("policy nearest-5g needs step_g (expected step_g: <grams>, got none)")
        if self.policy == "least-waste-vials" and self.step_g is not None:
            raise ValueError("policy least-waste-vials takes no step_g (it rounds to whole vials)")
        return self


class WeightDoseCalculator(Model):
    """A weight-based dose calculator."""

    inputs: WeightDoseInputs
    """Labels and limits of the numeric inputs."""
    dosing_weight: DosingWeightPolicy
    """The dosing-weight policy."""
    regimens: list[RegimenChoice] = Field(min_length=1)
    """Regimens offered, in display order; the first is preselected."""
    rounding: Rounding
    """Rounding to what pharmacy can supply (applies when a product is chosen)."""
    products: list[Id] = []
    """Ids of products in content/products.yaml offered in the product list."""
    infusion_indication: Text
    """Which infusion schedule of a product applies, matched against its indication, e.g. ITP."""


class DecisionCalculator(Model):
    """A calculator that reads one measured value and a condition and looks up a decision table."""

    table: Id
    """Id of a decision table of the calculator's topic."""
    measure: NumberInput
    """Label and limits of the measured value, in the table's unit."""
    units: list[Unit] = Field(min_length=1)
    """Units the reader may type the value in; the first is preselected."""


class Calculator(Model):
    """A calculator embedded in topic pages. Exactly one of weight_dose or decision is
    given, matching kind."""

    id: Id
    """Identifier; must equal the file name."""
    title: Text
    """Title shown above the calculator."""
    kind: Literal["weight-dose", "decision"]
    """weight-dose or decision."""
    summary: Text
    """One sentence saying what the calculator does (indexes, noscript fallback)."""
    topic: Id
    """Id of the topic whose regimens or decision table the calculator uses."""
    weight_dose: WeightDoseCalculator | None = None
    """The weight-based dose calculator (kind weight-dose)."""
    decision: DecisionCalculator | None = None
    """The decision-table calculator (kind decision)."""

    @model_validator(mode="after")
    def _section_matches_kind(self) -> Calculator:
        wanted = "weight_dose" if self.kind == "weight-dose" else "decision"
        other = "decision" if wanted == "weight_dose" else "weight_dose"
        problems: list[tuple[Loc, str]] = []
        if getattr(self, wanted) is None:
            problems.append((("kind",), f"kind {self.kind} needs a {wanted} section (got none)"))
        if getattr(self, other) is not None:
            problems.append(((other,), f"kind {self.kind} takes no {other} section"))
        if problems:
            raise Problems(problems)
        return self


def _check_regimen(regimen: Any, loc: Loc) -> list[tuple[Loc, str]]:
    """Regimen features the dose engine does not implement are refused, never guessed."""
    problems: list[tuple[Loc, str]] = []
    unit = regimen.dose.unit.value
    if unit not in ENGINE_DOSE_UNITS:
        problems.append(
            (loc, f"regimen '{regimen.id}' doses in {unit}; the dose engine needs {' or '.join(ENGINE_DOSE_UNITS)}")
        )
    if regimen.days is None:
        problems.append((loc, f"regimen '{regimen.id}' continues without a number of days; the dose engine needs days"))
    if regimen.frequency not in ENGINE_FREQUENCIES:
        problems.append(
            (
                loc,
                f"regimen '{regimen.id}' is given {regimen.frequency}; "
                f"the dose engine handles {' or '.join(ENGINE_FREQUENCIES)}",
            )
        )
    return problems


def _check_product(product: Any, loc: Loc) -> list[tuple[Loc, str]]:
    # The weight-dose engine works in grams of a % solution; a product in mg/mL or
    # sold as tablets would be mis-dosed, so it is refused here.
    if product.concentration is None or product.concentration.unit.value != "%":
        return [(loc, f"product '{product.id}' has no concentration in % (the weight-dose engine needs one)")]
    # The vial search works in tenths of a gram; a size such as 2.25 g would be
    # silently mis-rounded, so it is refused.
    odd = [size for size in product.vial_sizes_g if not math.isclose(size * 10, round(size * 10), abs_tol=1e-9)]
    if odd:
        sizes = ", ".join(f"{size:g}" for size in odd)
        return [
            (loc, f"product '{product.id}' has vial sizes the engine cannot combine ({sizes} g; expected 0.1 g steps)")
        ]
    return []


def cross_check_calculator(
    calculator: Calculator, *, topics: dict[str, Any], products: dict[str, Any]
) -> list[tuple[Loc, str]]:
    """(location, message) for every reference from the spec to other content that does not resolve."""
    topic = topics.get(calculator.topic)
    if topic is None:
        return [(("topic",), f"no topic '{calculator.topic}' (expected content/topics/{calculator.topic}.yaml)")]
    problems: list[tuple[Loc, str]] = []
    if calculator.weight_dose is not None:
        section = calculator.weight_dose
        regimens = {regimen.id: regimen for regimen in topic.regimens}
        for i, choice in enumerate(section.regimens):
            loc: Loc = ("weight_dose", "regimens", i, "regimen")
            regimen = regimens.get(choice.regimen)
            if regimen is None:
                problems.append(
                    (
                        loc,
                        f"no regimen '{choice.regimen}' in topic '{topic.id}' "
                        f"(expected one of {', '.join(regimens) or 'none'})",
                    )
                )
            else:
                problems.extend(_check_regimen(regimen, loc))
        for i, product_id in enumerate(section.products):
            loc = ("weight_dose", "products", i)
            product = products.get(product_id)
            if product is None and not products:
                continue  # products.yaml failed its own checks (it must list one product at least)
            if product is None:
                problems.append(
                    (loc, f"no product '{product_id}' in content/products.yaml (expected one of {', '.join(products)})")
                )
            else:
                problems.extend(_check_product(product, loc))
    if calculator.decision is not None:
        section_d = calculator.decision
        tables = {table.id: table for table in topic.decision_tables}
        table = tables.get(section_d.table)
        if table is None:
            problems.append(
                (
                    ("decision", "table"),
                    f"no decision table '{section_d.table}' in topic '{topic.id}' "
                    f"(expected one of {', '.join(tables) or 'none'})",
                )
            )
        else:
            for i, unit in enumerate(section_d.units):
                if (table.unit, unit) not in CONVERTIBLE_UNITS:
                    problems.append(
                        (
                            ("decision", "units", i),
                            f"cannot convert {unit.value} to the table's unit {table.unit.value}",
                        )
                    )
    return problems
