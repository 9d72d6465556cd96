"""The calculator language: content/calculators/<id>.yaml and the formula library
content/formulas.yaml (reference: docs/calculators.md).

A calculator declares its inputs (numbers with units and limits, choices, yes/no),
named constants (each cited or with its basis), derived values (formulas, library
formulas, cases, band look-ups), cross-input checks, and optionally a dose block
(regimens of its topic, products, rounding, infusion) or a decision block (a decision
table of its topic). Formulas are text here; generator.calc.compiler parses them
(never eval), checks their units with pint and compiles one typed program.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from .common import Cited, Id, Model, Problems, Text

__all__ = [
    "Alternative",
    "BandRow",
    "Calculator",
    "Case",
    "Check",
    "ChoiceOption",
    "Constant",
    "DecisionSpec",
    "Derived",
    "DisplayKind",
    "DisplayRules",
    "DoseSpec",
    "FormulaLibrary",
    "Headline",
    "Infusion",
    "Input",
    "InputLimits",
    "LibraryFormula",
    "Population",
    "RegimenUse",
    "Rounding",
]

# Names of inputs, constants and derived values: they are written in formulas and are
# the JSON keys of `handbook calc`, so they are lowercase words joined by _.
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", max_length=60)]
Formula = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
UnitText = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class InputLimits(Model):
    """Plausible range of a number input, in its unit. Outside min..max the input is
    refused; outside warn_below..warn_above it is accepted with a warning. These are
    plausibility checks chosen by the editors, so they state their basis."""

    min: float = Field(ge=0)
    """Smallest value accepted (inclusive)."""
    max: float = Field(gt=0)
    """Largest value accepted (inclusive)."""
    warn_below: float | None = None
    """Values below this are accepted with a "check the value" warning."""
    warn_above: float | None = None
    """Values above this are accepted with a "check the value" warning."""
    zero_allowed: bool = False
    """True when zero is a real value (a newborn's age, a platelet count of 0)."""
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


class Alternative(Model):
    """Another unit a number may be typed in. Units pint can convert (lb, in, /uL) need
    nothing more; others (creatinine mg/dL to umol/L) give factor and its basis."""

    unit: UnitText
    """The other unit, e.g. lb."""
    field: Name | None = None
    """Input key for a value typed in this unit (weight_lb); omit when a unit_field chooses the unit."""
    factor: float | None = Field(default=None, gt=0)
    """How many of the input's unit make one of this unit, when pint cannot convert them."""
    basis: Text | None = None
    """Where the factor comes from (required with factor)."""


class ChoiceOption(Model):
    """One option of a choice input."""

    id: Id
    """The value sent by the form and written in formulas, e.g. female."""
    label: Text
    """What the reader sees."""
    points: float | None = None
    """Points of this option, for scores (read with points(input) in a formula)."""


class Input(Model):
    """One input of the form. Its id is the key of `handbook calc --input`."""

    id: Name
    """Input key, e.g. weight_kg."""
    label: Text
    """Label shown above the field."""
    help: Text | None = None
    """One line of help under the field."""
    type: Literal["number", "choice", "yesno", "regimen", "product"]
    """number, choice, yesno; regimen and product take their options from the dose block."""
    unit: UnitText | None = None
    """Unit of a number (the engine works in it), e.g. kg, x10^9/L, umol/L."""
    alternatives: list[Alternative] = []
    """Other units the number may be typed in."""
    unit_field: Name | None = None
    """Name of a second input choosing the unit the number is typed in (platelet_unit)."""
    limits: InputLimits | None = None
    """Refusing and warning limits of a number, in its unit."""
    choices: list[ChoiceOption] = []
    """Options of a choice input."""
    required: bool | Formula = False
    """true, false, or a condition formula (required when height is given: present(height_cm))."""
    missing: Text | None = None
    """Shown when the input is left empty: for an optional input a warning saying what the
    result then assumes; for a required one the error asking for it (Answer: ... Yes or No)."""
    empty_label: Text | None = None
    """Label of the empty option of an optional choice (No product (dose only))."""

    @model_validator(mode="after")
    def _shape(self) -> Input:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.type == "number":
            if self.unit is None:
                problems.append((("unit",), "a number input needs a unit (expected unit: kg, ...)"))
            if self.limits is None:
                problems.append((("limits",), "a number input needs limits with their basis"))
        elif self.unit or self.alternatives or self.limits or self.unit_field:
            problems.append((("type",), f"a {self.type} input takes no unit, alternatives or limits"))
        if self.type == "choice" and len(self.choices) < 2:
            problems.append((("choices",), "a choice input needs at least two choices"))
        if self.type != "choice" and self.choices:
            problems.append((("choices",), f"a {self.type} input takes no choices"))
        for i, alt in enumerate(self.alternatives):
            if (alt.field is None) == (self.unit_field is None):
                problems.append(
                    (("alternatives", i), "give field: (its own input key) unless unit_field chooses the unit")
                )
            if (alt.factor is None) != (alt.basis is None):
                problems.append((("alternatives", i), "a factor needs its basis, and a basis its factor"))
        if problems:
            raise Problems(problems)
        return self


class Constant(Cited):
    """A named number with its unit, cited (clinical) or with its basis (a definition,
    a plausibility limit chosen by the editors)."""

    value: float
    """The number."""
    unit: UnitText
    """Its unit; write 1 for a plain number."""
    basis: Text | None = None
    """Why this number, when no reference gives it (a definition, the editors' choice)."""

    @model_validator(mode="after")
    def _supported(self) -> Constant:
        if not self.cite and not self.basis:
            raise ValueError("a constant needs cite: [...] or a basis: saying where the number comes from")
        return self

    def _numbers_are_cited(self) -> Constant:  # type: ignore[override]
        return self  # a basis is allowed instead of a citation (checked in _supported)


class Case(Model):
    """One case of a derived value chosen by conditions: the first whose `when` holds wins."""

    when: Formula
    """A yes/no formula; write "True" for the last, catch-all case."""
    value: Formula
    """The value in this case."""
    say: Text | None = None
    """A line of the working shown in this case ({name} is replaced by its value)."""
    warn: Text | None = None
    """A warning shown in this case."""
    field: Name | None = None
    """Input the warning concerns (shown under it)."""


class BandRow(Cited):
    """One band of a look-up: min <= value < below."""

    id: Id
    """The band's id (the look-up's value when it matches)."""
    label: Text
    """Label shown to the reader."""
    min: float | None = None
    """Lower bound, inclusive; empty for the lowest band."""
    below: float | None = None
    """Upper bound, exclusive; empty for the highest band."""
    text: Text | None = None
    """Recommendation or action for this band, shown with the result."""
    set: dict[Name, Formula] = {}
    """Values this band sets (titration: new_dose: current_dose - step), declared in provides."""


class Derived(Model):
    """A value worked out from the inputs: by formula, by a library formula (use + args),
    by cases, or by band look-up (of + bands). Its id is a result field."""

    id: Name
    """Name, used in formulas and as the result's JSON key."""
    label: Text | None = None
    """Label shown in the result list; no label keeps it out of the list."""
    type: Literal["number", "yesno", "text"] = "number"
    """number (with unit), yesno, or text (band ids, bases)."""
    unit: UnitText | None = None
    """Unit of a number; the formula's unit must match it (checked with pint)."""
    formula: Formula | None = None
    """A formula over inputs, constants and earlier derived values."""
    use: Id | None = None
    """Id of a library formula (content/formulas.yaml)."""
    args: dict[Name, Name] = {}
    """With use: each parameter of the library formula -> a name of this calculator."""
    cases: list[Case] = []
    """Conditions and values, first match wins; no match gives no value."""
    of: Formula | None = None
    """With bands: the number looked up."""
    bands: list[BandRow] = []
    """Bands of a look-up (scores, titration tables); no gap, no overlap."""
    provides: dict[Name, UnitText] = {}
    """Names (with units) the bands set."""
    working: Text | None = None
    """A line of the working shown when the value exists ({name} is replaced by its value)."""
    output: bool = True
    """False keeps it out of the JSON result (intermediate values)."""

    @model_validator(mode="after")
    def _one_way(self) -> Derived:
        ways = [
            w
            for w, given in (("formula", self.formula), ("use", self.use), ("cases", self.cases), ("bands", self.bands))
            if given
        ]
        if len(ways) != 1:
            raise ValueError(f"give exactly one of formula, use, cases or bands (got {', '.join(ways) or 'none'})")
        if self.bands and self.of is None:
            raise ValueError("bands look up a value: give of: <formula>")
        if self.type == "number" and not self.bands and self.unit is None:
            raise ValueError("a number needs its unit (write unit: 1 for a plain number)")
        return self


class Check(Model):
    """A cross-input check, run once every derived value is known: when `when` holds the
    result is refused (refuse), warned (warn) or annotated (say)."""

    when: Formula
    """The condition that triggers it."""
    refuse: Text | None = None
    """Refuse the result with this message."""
    warn: Text | None = None
    """Warn with this message."""
    field: Name
    """Input the message concerns (shown under it)."""
    basis: Text
    """Why this check exists."""

    @model_validator(mode="after")
    def _one(self) -> Check:
        if (self.refuse is None) == (self.warn is None):
            raise ValueError("give exactly one of refuse: or warn:")
        return self


class Population(Model):
    """Whom a regimen is for: outside it the regimen is refused with the reason."""

    when: Formula
    """Condition the patient meets (write "True" when every patient may have it, and say so in refuse)."""
    refuse: Text
    """Why the regimen is refused outside the population."""


class RegimenUse(Model):
    """A regimen of the topic offered by the calculator."""

    regimen: Id
    """Id of a regimen of the calculator's topic (dose, frequency, days and maxima come from there)."""
    population: Population
    """Whom it is for."""
    table_inputs: dict[Name, float | bool | str] = {}
    """Inputs a printed weight-band table of this regimen assumes (age_days: 0 for a
    neonatal schedule); the table's caption names them."""


class Rounding(Cited):
    """Rounding to what pharmacy supplies: the presentation combination closest to the
    dose within within_percent, never above a maximum."""

    per: Literal["dose"]
    """Round each dose (administration) to whole presentations of its own; the course is
    the sum of its doses. Presentations are single-use, so pooling a course's vials across
    days (the former "course") is not offered (clinical review 2026-11, D5)."""
    within_percent: float = Field(gt=0, lt=50)
    """Largest deviation allowed from the prescribed amount."""
    basis: Text | None = None
    """Why, when no reference gives it."""


class Infusion(Model):
    """Infusion rates from the product's schedule for an indication (rates in mg/kg/min)."""

    indication: Text
    """Which infusion schedule of a product applies, e.g. ITP."""
    risk_input: Name | None = None
    """A yes/no input; when ticked the schedule's lower at-risk maximum applies."""
    at_risk_when: Formula | None = None
    """A condition on what the calculator already knows (an age, a BMI) that is itself a
    risk: when it holds, the at-risk maximum applies even if risk_input was answered no.
    A faster rate for such a patient is a senior's decision, outside the calculator."""
    pump_max_ml_per_h: float | None = Field(default=None, gt=0, le=10000)
    """Highest rate (mL/h) the ward's infusion pumps accept; a faster label rate is warned about."""
    pump_basis: Text | None = None
    """Where the pump limit comes from (required with pump_max_ml_per_h)."""

    @model_validator(mode="after")
    def _pump_basis(self) -> Infusion:
        if self.pump_max_ml_per_h is not None and not self.pump_basis:
            raise ValueError("pump_max_ml_per_h needs pump_basis: say where the pump limit comes from")
        if self.at_risk_when is not None and self.risk_input is None:
            raise ValueError("at_risk_when needs risk_input: the question it stands beside")
        return self


class DoseSpec(Model):
    """Doses from the regimens of the calculator's topic."""

    unit: UnitText
    """Unit doses are computed and shown in (g); result fields end in it (dose_per_day_g)."""
    weight: Name
    """Name of the dosing weight (for per-kg doses and rates)."""
    surface_area: Name | None = None
    """Name of the body surface area (for per-m2 doses)."""
    age_years: Name | None = None
    """Name of the age in years, for the products' licensed ages."""
    regimen_input: Name
    """The regimen input."""
    regimens: list[RegimenUse] = Field(min_length=1)
    """Regimens offered, in display order."""
    product_input: Name | None = None
    """The product input."""
    products: list[Id] = []
    """Products offered (content/products.yaml)."""
    presentation: Literal["vial", "syringe", "tablet"] = "vial"
    """What the products' presentations are called (vials: [{size_g, count}])."""
    rounding: Rounding | None = None
    """Rounding to presentations; none gives the exact dose only."""
    infusion: Infusion | None = None
    """Infusion rates, for infused products."""


class DecisionSpec(Model):
    """A decision table of the calculator's topic: the measured value's band crossed
    with each condition axis (each axis becomes a choice input named by its id)."""

    table: Id
    """Id of the decision table."""
    measure: Name
    """The number input looked up in the table's bands (in the table's unit)."""


class Headline(Model):
    """The sentence that says what to give, first whose `when` holds ({name} filled in)."""

    when: Formula = "True"
    """Condition."""
    text: Text
    """Template."""


class Calculator(Model):
    """A calculator written in the calculator language."""

    id: Id
    """Identifier; must equal the file name."""
    title: Text
    """Title shown above the calculator."""
    summary: Text
    """One sentence saying what it does."""
    topic: Id
    """Topic whose regimens or decision table it uses, and where it is explained."""
    inputs: list[Input] = Field(min_length=1)
    """The form, in order."""
    constants: dict[Name, Constant] = {}
    """Named numbers used in formulas, each cited or with its basis."""
    derived: list[Derived] = []
    """Values worked out, in order (a value may use those above it)."""
    checks: list[Check] = []
    """Cross-input plausibility checks and warnings."""
    dose: DoseSpec | None = None
    """Dosing from regimens."""
    decision: DecisionSpec | None = None
    """Decision table look-up."""
    headline: list[Headline] = []
    """What to give, in one sentence."""
    hazards: list[Id] = []
    """Hazard log entries this calculator controls (content/safety/hazards.yaml)."""


class DisplayKind(Model):
    """How one kind of number is shown: decimals, or significant figures (never both)."""

    decimals: int | None = Field(default=None, ge=0, le=6)
    """Digits after the point, at most (trailing zeros dropped)."""
    significant: int | None = Field(default=None, ge=1, le=6)
    """Significant figures."""


class DisplayRules(Model):
    """Display rules, declared once for both engines: no trailing zeros, a leading zero,
    and the precision of each kind of number."""

    default: DisplayKind
    """Numbers of no listed unit."""
    units: dict[UnitText, DisplayKind] = {}
    """Per unit, e.g. mL/h: {decimals: 1} (pump rates to 0.1 mL/h)."""


class LibraryFormula(Cited):
    """A formula defined once and used by calculators (body-mass index, Devine IBW...)."""

    id: Id
    """Identifier used by calculators (use: bmi)."""
    name: Text
    """Name shown in validation pages."""
    maths: Text
    """The formula as readable maths, for the validation page."""
    params: dict[Name, UnitText]
    """Parameters and their units; a choice parameter is written choice:a|b."""
    unit: UnitText
    """Unit of the result."""
    formula: Formula
    """The formula over its parameters and constants."""
    applies: Formula | None = None
    """When the formula applies; otherwise it gives no value (Devine from 60 in)."""
    constants: dict[Name, Constant] = {}
    """Its own constants."""
    basis: Text | None = None
    """Where it comes from, when it is a definition rather than a cited result."""

    def _numbers_are_cited(self) -> LibraryFormula:  # type: ignore[override]
        return self


class FormulaLibrary(Model):
    """content/formulas.yaml: the formula library and the display rules."""

    formulas: list[LibraryFormula] = Field(min_length=1)
    """Formulas."""
    display: DisplayRules
    """Display rules of every calculator."""
