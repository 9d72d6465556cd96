"""The clinical topic: one file in content/topics/<id>.yaml."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .common import Cited, Date, Figure, Id, Model, Problems, Quantity, Statement, Text, Unit

__all__ = [
    "DOSE_UNITS",
    "NOT_COVERED_TEXT",
    "AdverseEffect",
    "Band",
    "Cell",
    "Condition",
    "ConditionValue",
    "DecisionTable",
    "Dose",
    "Finding",
    "Indication",
    "Monitoring",
    "PlainLanguage",
    "Regimen",
    "Review",
    "ReviewStatus",
    "SpecialPopulation",
    "Topic",
]

NOT_COVERED_TEXT = "Not covered by the sources: seek specialist advice."


class ReviewStatus(StrEnum):
    """Where a topic stands in clinical review."""

    draft = "draft"
    submitted = "submitted"
    under_review = "under-review"
    approved = "approved"


class Review(Model):
    """Who wrote and who checked the topic, and when it must be checked again."""

    status: ReviewStatus
    """draft, submitted, under-review or approved. Only approved topics are shown without a caution."""
    authors: list[Text] = Field(min_length=1)
    """People who wrote the topic."""
    reviewers: list[Text] = []
    """Clinicians who reviewed the topic (required once approved)."""
    last_updated: Date
    """Date of the last change to the content (YYYY-MM-DD)."""
    last_reviewed: Date | None = None
    """Date of the last clinical review (YYYY-MM-DD); empty when never reviewed."""
    next_review_due: Date
    """Date by which the topic must be reviewed again (YYYY-MM-DD)."""

    @model_validator(mode="after")
    def _consistent(self) -> Review:
        if self.status is ReviewStatus.approved and not self.reviewers:
            raise ValueError("an approved topic names its reviewers (expected reviewers: [name, ...], got none)")
        if self.status is ReviewStatus.approved and self.last_reviewed is None:
            raise ValueError("an approved topic has a last_reviewed date (got none)")
        if self.last_reviewed and self.next_review_due < self.last_reviewed:
            raise ValueError(
                f"next_review_due must not be before last_reviewed "
                f"(got {self.next_review_due.isoformat()} < {self.last_reviewed.isoformat()})"
            )
        return self


class PlainLanguage(Cited):
    """What a patient or family member reads: short sentences, no jargon, same facts."""

    summary: Text
    """Two to four plain sentences."""
    points: list[Text] = []
    """Short plain points (what it is for, what to expect, what to watch for)."""


class Indication(Cited):
    """When to use the treatment, with the strength of the recommendation."""

    scenario: Text
    """The clinical situation."""
    recommendation: Text
    """What to do in that situation."""
    grade: str | None = Field(default=None, pattern=r"^[12][A-D]$")
    """Guideline grade of the recommendation as published (e.g. 2B), when the source grades it."""


# Units a dose amount may take.
DOSE_UNITS = frozenset({Unit.g_per_kg, Unit.mg_per_kg, Unit.g, Unit.mg, Unit.units_per_kg})
# Largest amount per unit: ten times the largest single doses in use (IVIG 2 g/kg,
# 30 mg/kg methylprednisolone, 80 units/kg heparin) would still pass; a dose
# of 100,000 g/kg made the vial search run for minutes.
DOSE_LIMITS = {Unit.g_per_kg: 10, Unit.mg_per_kg: 10_000, Unit.g: 1_000, Unit.mg: 100_000, Unit.units_per_kg: 100_000}


class Dose(Model):
    """How much is given each time: an amount, a unit and what it is per."""

    amount: float = Field(gt=0)
    """The amount; must be greater than zero."""
    unit: Unit
    """g/kg, mg/kg, g, mg or units/kg."""

    @field_validator("unit")
    @classmethod
    def _dose_unit(cls, unit: Unit) -> Unit:
        if unit not in DOSE_UNITS:
            allowed = ", ".join(sorted(u.value for u in DOSE_UNITS))
            raise ValueError(f"unit '{unit.value}' is not a dose unit (expected one of {allowed})")
        return unit

    @model_validator(mode="after")
    def _plausible(self) -> Dose:
        # A bound far above any real dose: it catches a slipped decimal point and
        # keeps every computation on the dose (vial counts) small.
        limit = DOSE_LIMITS[self.unit]
        if self.amount > limit:
            raise ValueError(
                f"dose {self.amount:g} {self.unit.value} is implausibly large (above {limit:g} {self.unit.value})"
            )
        return self

    @property
    def per_kg(self) -> bool:
        return self.unit in (Unit.g_per_kg, Unit.mg_per_kg, Unit.units_per_kg)

    @property
    def grams_per_kg(self) -> float:
        """The dose in g/kg (for mg/kg and g/kg doses)."""
        if self.unit is Unit.g_per_kg:
            return self.amount
        if self.unit is Unit.mg_per_kg:
            return self.amount / 1000
        raise ValueError(f"{self.unit.value} is not a weight-based gram dose")


class Regimen(Cited):
    """A dosing regimen: the dose, how often, for how long, with its limits."""

    id: Id
    """Identifier used by calculators and cross-links, e.g. itp-1g-once."""
    name: Text
    """Short name shown in tables, e.g. "Single high dose"."""
    drug: Text
    """The drug given, e.g. "Immune globulin (IVIG)"."""
    population: Text
    """Who the regimen is for."""
    route: Literal["IV", "oral", "SC", "IM"]
    """Route of administration."""
    dose: Dose
    """Dose given each day (or each time, for single doses)."""
    frequency: Literal["once", "daily", "twice-daily"]
    """How often a dose is given."""
    days: int = Field(ge=1, le=365)
    """Number of days the dose is given (1 for a single dose; at most 365)."""
    repeat: Text | None = None
    """When the course may be repeated, if at all."""
    max_per_dose: Quantity | None = None
    """Maximum of a single dose, when the source states one."""
    max_per_course: Quantity | None = None
    """Maximum of a whole course, when the source states one."""
    use_when: Text | None = None
    """When this regimen is preferred over the alternatives, and why."""


class Band(Model):
    """One band of a measured value: min <= value < below."""

    id: Id
    """Identifier of the band, e.g. grade-3."""
    label: Text
    """Label shown to readers, e.g. "Grade 3"."""
    min: float | None = Field(default=None, ge=0)
    """Lower bound, inclusive. Empty for the lowest band (from zero)."""
    below: float | None = Field(default=None, gt=0)
    """Upper bound, exclusive. Empty for the highest band (no upper limit)."""

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.min is not None and self.below is not None and self.min >= self.below:
            raise ValueError(f"min must be less than below (got min={self.min:g}, below={self.below:g})")
        return self


class ConditionValue(Model):
    """One value of the crossing condition, e.g. active bleeding."""

    id: Id
    """Identifier, e.g. active."""
    label: Text
    """Label shown to readers."""


class Condition(Model):
    """The condition crossed with the bands, e.g. bleeding state."""

    name: Text
    """Name shown as the column header, e.g. "Bleeding"."""
    values: list[ConditionValue] = Field(min_length=1)
    """The possible values, in display order."""


class Cell(Cited):
    """The action for one band and one condition value. A cell the sources do not
    cover says so explicitly (not_covered: true); a silent hole is an error."""

    band: Id
    """Band id."""
    condition: Id
    """Condition value id."""
    pathway: Id | None = None
    """Short id of the pathway (for calculators and the printed table)."""
    action: Text | None = None
    """What to do. Required unless not_covered is true."""
    not_covered: bool = False
    """True when the sources do not cover this cell: readers are told to seek specialist advice."""

    @model_validator(mode="after")
    def _action_or_gap(self) -> Cell:
        if self.not_covered and self.action:
            raise ValueError("a cell is either covered (action) or not_covered, not both")
        if not self.not_covered and not self.action:
            raise ValueError("a covered cell needs an action (expected action: ..., or not_covered: true)")
        if not self.not_covered and not self.pathway:
            raise ValueError("a covered cell needs a pathway id (expected pathway: some-id)")
        return self


class DecisionTable(Cited):
    """Bands of a measured value crossed with a condition; each cell is an action."""

    id: Id
    """Identifier, e.g. itp-grade-algorithm."""
    title: Text
    """Heading shown above the table."""
    measure: Text
    """What is measured, e.g. "Platelet count"."""
    unit: Unit
    """Unit of the measured value."""
    scale: Text
    """Name and version of the grading scale the bands follow, e.g. "CTCAE v5.0"."""
    bands: list[Band] = Field(min_length=1)
    """The bands, from lowest to highest; they must neither overlap nor leave gaps."""
    condition: Condition
    """The condition crossed with the bands."""
    cells: list[Cell]
    """One cell for every band and condition value."""

    @model_validator(mode="after")
    def _complete(self) -> DecisionTable:
        problems = _band_problems(self.bands) + _cell_problems(self)
        if problems:
            raise Problems(problems)
        return self


def _band_problems(bands: list[Band]) -> list[tuple[tuple[str | int, ...], str]]:
    """Bands must run from zero (or open) upwards without overlap or gap."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    ids = [b.id for b in bands]
    for i, band in enumerate(bands):
        if ids.index(band.id) != i:
            problems.append((("bands", i, "id"), f"band id '{band.id}' is used twice"))
    if bands[0].min not in (None, 0):
        problems.append(
            (
                ("bands", 0, "min"),
                f"gap below the lowest band: it must start at 0 or be open (got min={bands[0].min:g})",
            )
        )
    for i in range(1, len(bands)):
        previous, band = bands[i - 1], bands[i]
        if previous.below is None:
            problems.append(
                (("bands", i - 1, "below"), "only the highest band may be open-ended (expected below: <number>)")
            )
        elif band.min is None:
            problems.append((("bands", i, "min"), "only the lowest band may be open-ended (expected min: <number>)"))
        elif band.min < previous.below:
            problems.append(
                (
                    ("bands", i, "min"),
                    f"bands overlap: '{band.id}' starts at {band.min:g} but '{previous.id}' runs below "
                    f"{previous.below:g} (expected min: {previous.below:g})",
                )
            )
        elif band.min > previous.below:
            problems.append(
                (
                    ("bands", i, "min"),
                    f"gap between bands: '{previous.id}' ends below {previous.below:g} but '{band.id}' starts at "
                    f"{band.min:g} (expected min: {previous.below:g})",
                )
            )
    return problems


def _cell_problems(table: DecisionTable) -> list[tuple[tuple[str | int, ...], str]]:
    """Every band x condition pair has exactly one cell."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    band_ids = [b.id for b in table.bands]
    value_ids = [v.id for v in table.condition.values]
    seen: dict[tuple[str, str], int] = {}
    for i, cell in enumerate(table.cells):
        if cell.band not in band_ids:
            problems.append((("cells", i, "band"), f"no band '{cell.band}' (expected one of {', '.join(band_ids)})"))
            continue
        if cell.condition not in value_ids:
            problems.append(
                (
                    ("cells", i, "condition"),
                    f"no condition value '{cell.condition}' (expected one of {', '.join(value_ids)})",
                )
            )
            continue
        pair = (cell.band, cell.condition)
        if pair in seen:
            problems.append(
                (("cells", i), f"cell ({cell.band}, {cell.condition}) is given twice (first as cells[{seen[pair]}])")
            )
        seen[pair] = i
    for band in band_ids:
        for value in value_ids:
            if (band, value) not in seen:
                problems.append(
                    (
                        ("cells",),
                        f"cell ({band}, {value}) is missing (expected an action, or not_covered: true "
                        "when the sources do not cover it)",
                    )
                )
    return problems


class Finding(Cited):
    """A reported finding, in words, with its figures."""

    text: Text
    """The finding in the editor's own words."""
    figures: list[Figure] = []
    """The numbers the finding reports."""


class SpecialPopulation(Cited):
    """Advice for a particular group of patients."""

    population: Literal[
        "pregnancy", "secondary-itp", "neonates", "sepsis", "children", "renal-impairment", "older-adults", "other"
    ]
    """Which group."""
    title: Text
    """Heading, e.g. "HCV-associated ITP"."""
    text: Text
    """The advice."""
    regimen: Id | None = None
    """Id of a regimen of this topic that applies to this group."""
    figures: list[Figure] = []
    """Numbers the advice reports."""


class AdverseEffect(Cited):
    """An adverse effect, how serious and how frequent."""

    effect: Text
    """Name of the effect."""
    seriousness: Literal["serious", "non-serious"]
    """serious or non-serious."""
    frequency: Literal["very-common", "common", "uncommon", "rare", "very-rare", "unknown"]
    """How often it occurs, as the source says."""
    text: Text
    """What it looks like, who is at risk, what to do."""


class Monitoring(Cited):
    """What to monitor, and when."""

    parameter: Text
    """What is measured or watched."""
    timing: Text
    """When."""
    text: Text | None = None
    """Why, and what to do with the result."""


class Topic(Model):
    """One clinical topic of the handbook. Sections appear on the page in a fixed clinical order."""

    id: Id
    """Identifier; must equal the file name without .yaml."""
    title: Text
    """Page title."""
    summary: Text
    """One sentence saying what the topic covers (indexes and search results)."""
    specialty: Text
    """Specialty the topic is listed under, e.g. Haematology."""
    drugs: list[Text] = []
    """Drugs the topic is about (the drugs index)."""
    tags: list[Text] = []
    """Tags."""
    aliases: list[Text] = []
    """Other names readers search for: synonyms, abbreviations, brand names."""
    review: Review
    """Review status and dates."""
    bottom_line: Statement
    """The one thing to know, shown first."""
    plain_language: PlainLanguage
    """Summary for patients and families."""
    indications: list[Indication] = []
    """When to use the treatment."""
    regimens: list[Regimen] = []
    """Dosing regimens."""
    decision_tables: list[DecisionTable] = []
    """Decision tables (algorithms)."""
    calculators: list[Id] = []
    """Ids of calculators embedded in the page (content/calculators/<id>.yaml)."""
    response: list[Finding] = []
    """Expected response: onset, rates, reported figures."""
    predictors: list[Finding] = []
    """Predictors of response."""
    mechanism: list[Statement] = []
    """Mechanism of action."""
    special_populations: list[SpecialPopulation] = []
    """Pregnancy, secondary ITP, neonates, sepsis, children, renal impairment..."""
    contraindications: list[Statement] = []
    """Contraindications."""
    cautions: list[Statement] = []
    """Cautions."""
    adverse_effects: list[AdverseEffect] = []
    """Adverse effects."""
    monitoring: list[Monitoring] = []
    """Monitoring."""
    administration: list[Statement] = []
    """How to give it: preparation, infusion, products."""
    emergency: list[Statement] = []
    """Emergency protocol."""
    pitfalls: list[Statement] = []
    """Common pitfalls to avoid."""
    related: list[Id] = []
    """Ids of related topics."""

    @model_validator(mode="after")
    def _internal_links(self) -> Topic:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        regimen_ids: list[str] = []
        for i, regimen in enumerate(self.regimens):
            if regimen.id in regimen_ids:
                problems.append(
                    (("regimens", i, "id"), f"regimen id '{regimen.id}' is used twice (expected unique ids)")
                )
            regimen_ids.append(regimen.id)
            for cap in ("max_per_dose", "max_per_course"):
                quantity = getattr(regimen, cap)
                if quantity is not None and quantity.unit.value.split("/")[0] != regimen.dose.unit.value.split("/")[0]:
                    problems.append(
                        (
                            ("regimens", i, cap, "unit"),
                            f"a cap is in the dose's mass unit (dose in {regimen.dose.unit.value}, "
                            f"got {quantity.unit.value})",
                        )
                    )
        for i, group in enumerate(self.special_populations):
            if group.regimen and group.regimen not in regimen_ids:
                problems.append(
                    (
                        ("special_populations", i, "regimen"),
                        f"no regimen '{group.regimen}' in this topic "
                        f"(expected one of {', '.join(regimen_ids) or 'none'})",
                    )
                )
        table_ids: list[str] = []
        for i, table in enumerate(self.decision_tables):
            if table.id in table_ids:
                problems.append((("decision_tables", i, "id"), f"decision table id '{table.id}' is used twice"))
            table_ids.append(table.id)
        if self.id in self.related:
            problems.append((("related", self.related.index(self.id)), "a topic cannot be related to itself"))
        if problems:
            raise Problems(problems)
        return self
