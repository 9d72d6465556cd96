"""The clinical topic: one file in content/topics/<id>.yaml."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from .common import Cited, Date, Figure, Id, Model, Problems, Quantity, Statement, Text, Unit

__all__ = [
    "DOSE_UNITS",
    "NOT_COVERED_TEXT",
    "Action",
    "AdverseEffect",
    "Band",
    "Caution",
    "CautionKind",
    "Cell",
    "Condition",
    "ConditionValue",
    "Contraindication",
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
    """What to do in that situation (its guideline grade goes in grade:, shown next to it)."""


# Units a dose amount may take.
DOSE_UNITS = frozenset(
    {
        Unit.g_per_kg,
        Unit.mg_per_kg,
        Unit.mcg_per_kg,
        Unit.mg_per_m2,
        Unit.g,
        Unit.mg,
        Unit.mcg,
        Unit.units_per_kg,
    }
)
# Largest amount per unit: ten times the largest single doses in use (IVIG 2 g/kg,
# 30 mg/kg methylprednisolone, 80 units/kg heparin) would still pass; a dose
# of 100,000 g/kg made the vial search run for minutes.
DOSE_LIMITS = {
    Unit.g_per_kg: 10,
    Unit.mg_per_kg: 10_000,
    Unit.mcg_per_kg: 10_000_000,
    Unit.mg_per_m2: 100_000,
    Unit.g: 1_000,
    Unit.mg: 100_000,
    Unit.mcg: 100_000_000,
    Unit.units_per_kg: 100_000,
}


class Dose(Model):
    """How much is given each time: an amount, a unit and what it is per."""

    amount: float = Field(gt=0)
    """The amount; must be greater than zero."""
    unit: Unit
    """g/kg, mg/kg, mcg/kg, mg/m2, g, mg, mcg or units/kg."""

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
        return self.unit in (Unit.g_per_kg, Unit.mg_per_kg, Unit.mcg_per_kg, Unit.units_per_kg)

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
    frequency: Literal["once", "daily", "twice-daily", "weekly"]
    """How often a dose is given."""
    days: int | None = Field(default=None, ge=1, le=365)
    """Number of days the dose is given (1 for a single dose); empty when a daily
    treatment continues (say for how long and how it is adjusted under repeat or use_when)."""
    weeks: int | None = Field(default=None, ge=1)
    """For a weekly dose: the number of weekly doses; empty when treatment continues."""
    repeat: Text | None = None
    """When the course may be repeated, if at all."""
    max_per_dose: Quantity | None = None
    """Maximum of a single dose, when the source states one."""
    max_per_course: Quantity | None = None
    """Maximum of a whole course, when the source states one."""
    use_when: Text | None = None
    """When this regimen is preferred over the alternatives, and why."""

    @model_validator(mode="after")
    def _duration(self) -> Regimen:
        # A weekly dose counts weeks; every other frequency counts days. Mixing the
        # two would let "4" mean four days or four weeks depending on the reader.
        if self.frequency == "weekly" and self.days is not None:
            raise ValueError("a weekly regimen counts weeks, not days (expected weeks: <number>, or no weeks)")
        if self.frequency != "weekly" and self.weeks is not None:
            raise ValueError(f"only a weekly regimen counts weeks (got weeks with frequency {self.frequency})")
        if self.frequency == "once" and self.days != 1:
            raise ValueError("a single dose is given on one day (expected days: 1)")
        return self


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


class Action(StrEnum):
    """Controlled vocabulary of what a decision-table cell tells the reader to do, so
    that tests, calculators and the edition diff can reason about a cell besides its
    words (e.g. "no cell gives a platelet transfusion unless bleeding is critical")."""

    observe = "observe"
    """Watch and wait: no drug treatment now, with follow-up and advice on when to return."""
    corticosteroid = "corticosteroid"
    """Start a corticosteroid (the cell's text gives the drug, route, dose and maximum)."""
    ivig = "ivig"
    """Give intravenous immunoglobulin."""
    platelet_transfusion = "platelet-transfusion"
    """Transfuse platelets."""
    emergency_pathway = "emergency-pathway"
    """Follow the emergency pathway (life-threatening or critical bleeding)."""
    seek_specialist = "seek-specialist"
    """Ask a haematologist (or the relevant specialist) now."""
    investigate = "investigate"
    """Look for another cause or check the diagnosis before treating."""
    record = "record"
    """Record or report a finding (e.g. a grade); no treatment decision."""
    # Anticoagulation and heparin-induced thrombocytopenia (issue 14).
    anticoagulate_full_dose = "anticoagulate-full-dose"
    """Anticoagulate at the full therapeutic dose (the cell or its calculator gives it)."""
    anticoagulate_reduced_dose = "anticoagulate-reduced-dose"
    """Anticoagulate at a reduced dose (half the therapeutic dose, or a prophylactic dose)."""
    hold_anticoagulation = "hold-anticoagulation"
    """Stop anticoagulation for now, and say when to restart."""
    stop_heparin = "stop-heparin"
    """Stop every form of heparin."""
    non_heparin_anticoagulant = "non-heparin-anticoagulant"
    """Start a non-heparin anticoagulant (argatroban, bivalirudin, danaparoid, fondaparinux or a DOAC)."""
    hit_immunoassay = "hit-immunoassay"
    """Send an immunoassay for heparin-induced thrombocytopenia antibodies."""


# Axis ids are calculator input names, so they are written like them (age_group).
AxisId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", max_length=40)]


class ConditionValue(Model):
    """One value of a condition axis, e.g. minor bleeding."""

    id: Id
    """Identifier, e.g. minor (the value a calculator input takes)."""
    label: Text
    """Short label shown to readers, e.g. "Minor"."""
    definition: Text | None = None
    """What the value means, from the sources (shown once, with the table), e.g. which bleeding counts as minor."""


class Condition(Model):
    """One axis crossed with the bands, e.g. bleeding severity or age group."""

    id: AxisId
    """Identifier of the axis, also the calculator input name: lowercase words joined by _ (bleeding, age_group)."""
    name: Text
    """Name shown to readers, e.g. "Bleeding"."""
    values: list[ConditionValue] = Field(min_length=1)
    """The possible values, in display order."""


# A `when` maps "band" or an axis id to one value id or a list of them.
WhenValue = Id | list[Id]


class Cell(Cited):
    """What to do for every combination its `when` matches. An axis left out of
    `when` matches all its values. A combination the sources do not cover says so
    (not_covered: true); a silent hole or a combination covered twice is an error."""

    when: dict[str, WhenValue] = {}
    """band and axis ids -> one value id or a list of value ids, e.g.
    {band: [grade-4, grade-3], bleeding: minor}; an axis left out means every value."""
    actions: list[Action] = []
    """What the cell tells the reader to do, from the controlled vocabulary (required unless not_covered)."""
    action: Text | None = None
    """What to do, in words, with drug, route, dose and maximum. Required unless not_covered is true."""
    pathway: Id | None = None
    """Short id of the pathway (for calculators and the printed table)."""
    link: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*(#[a-z0-9]+(-[a-z0-9]+)*)?$")] | None = None
    """Where the reader is sent: a topic id, or topic-id#anchor (e.g. ivig-in-itp#emergency)."""
    not_covered: bool = False
    """True when the cited sources say nothing about these combinations: readers are told to seek specialist advice."""

    @model_validator(mode="after")
    def _action_or_gap(self) -> Cell:
        if self.not_covered:
            if self.action or self.actions:
                raise ValueError("a cell is either covered (action, actions) or not_covered, not both")
            return self
        missing = [
            name
            for name, value in (
                ("action", self.action),
                ("actions", self.actions),
                ("pathway", self.pathway),
                ("cite", self.cite),
                ("evidence", self.evidence),
            )
            if not value
        ]
        if missing:
            raise ValueError(
                f"a covered cell needs {', '.join(missing)} (a recommendation says what to do, "
                "in words and as action ids, with its pathway, citations and evidence; or not_covered: true)"
            )
        if len(set(self.actions)) != len(self.actions):
            raise ValueError("an action is listed twice in actions")
        return self

    def values(self, axis: str) -> list[str] | None:
        """The value ids this cell names for ``axis`` (None: every value)."""
        chosen = self.when.get(axis)
        if chosen is None:
            return None
        return [chosen] if isinstance(chosen, str) else list(chosen)


Combination = tuple[str, ...]


class DecisionTable(Cited):
    """Bands of a measured value crossed with one or more condition axes; each cell
    says what to do for the combinations it matches."""

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
    conditions: list[Condition] = Field(min_length=1)
    """The axes crossed with the bands (e.g. bleeding, age group), in display order."""
    cells: list[Cell] = Field(min_length=1)
    """Cells; together they cover every band and axis combination exactly once."""

    @property
    def axes(self) -> list[tuple[str, list[str]]]:
        """("band", band ids), then (axis id, value ids) for each condition."""
        return [("band", [b.id for b in self.bands])] + [(c.id, [v.id for v in c.values]) for c in self.conditions]

    def combinations(self) -> list[Combination]:
        """Every combination of a band and one value of each axis, in display order."""
        combos: list[Combination] = [()]
        for _, ids in self.axes:
            combos = [(*combo, value) for combo in combos for value in ids]
        return combos

    def matches(self, cell: Cell, combo: Combination) -> bool:
        return all(
            (chosen := cell.values(axis)) is None or value in chosen
            for (axis, _), value in zip(self.axes, combo, strict=True)
        )

    def cell_for(self, combo: Combination) -> Cell:
        """The one cell covering ``combo`` (band id, then a value id per axis)."""
        return next(cell for cell in self.cells if self.matches(cell, combo))

    def conditions_of(self, cell: Cell) -> list[tuple[str, list[str]]]:
        """(axis name, labels of the values the cell names) for each condition axis in
        its `when`, in display order, for pages that say when a cell applies (bands:
        :meth:`bands_of`)."""
        out: list[tuple[str, list[str]]] = []
        for axis in self.conditions:
            chosen = cell.values(axis.id)
            if chosen is not None:
                out.append((axis.name, [v.label for v in axis.values if v.id in chosen]))
        return out

    def bands_of(self, cell: Cell) -> list[Band]:
        """The bands a cell names; empty when it applies at every value of the measure."""
        chosen = cell.values("band")
        return [] if chosen is None else [b for b in self.bands if b.id in chosen]

    def span_of(self, cell: Cell) -> Band | None:
        """The range a cell covers when it names two or more neighbouring bands (read
        as one range, "< 150"); None otherwise."""
        bands = self.bands_of(cell)
        ids = [b.id for b in self.bands]
        positions = [ids.index(b.id) for b in bands]
        if len(bands) < 2 or positions != list(range(positions[0], positions[0] + len(bands))):
            return None
        return Band(
            id=bands[0].id,
            label=" to ".join((bands[0].label, bands[-1].label)),
            min=bands[0].min,
            below=bands[-1].below,
        )

    def describe(self, combo: Combination) -> str:
        """A combination in words for messages: band=grade-4, bleeding=minor, ..."""
        return ", ".join(f"{axis}={value}" for (axis, _), value in zip(self.axes, combo, strict=True))

    @model_validator(mode="after")
    def _complete(self) -> DecisionTable:
        problems = _band_problems(self.bands) + _axis_problems(self) + _when_problems(self)
        if not problems:
            problems = _coverage_problems(self)
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


def _axis_problems(table: DecisionTable) -> list[tuple[tuple[str | int, ...], str]]:
    """Axis ids are unique (and not "band"); value ids are unique within an axis."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: list[str] = []
    for i, axis in enumerate(table.conditions):
        if axis.id == "band" or axis.id in seen:
            problems.append((("conditions", i, "id"), f"axis id '{axis.id}' is used twice (or is 'band')"))
        seen.append(axis.id)
        ids = [v.id for v in axis.values]
        for j, value in enumerate(axis.values):
            if ids.index(value.id) != j:
                problems.append((("conditions", i, "values", j, "id"), f"value id '{value.id}' is used twice"))
    return problems


def _when_problems(table: DecisionTable) -> list[tuple[tuple[str | int, ...], str]]:
    """Every key of a `when` names an axis, and every value one of its values."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    axes = dict(table.axes)
    for i, cell in enumerate(table.cells):
        for axis in cell.when:
            if axis not in axes:
                problems.append((("cells", i, "when", axis), f"no axis '{axis}' (expected one of {', '.join(axes)})"))
                continue
            chosen = cell.values(axis) or []
            if not chosen:
                problems.append((("cells", i, "when", axis), "names no value (leave the axis out to mean every value)"))
            for value in chosen:
                if value not in axes[axis]:
                    problems.append(
                        (
                            ("cells", i, "when", axis),
                            f"no {axis} value '{value}' (expected one of {', '.join(axes[axis])})",
                        )
                    )
    return problems


def _coverage_problems(table: DecisionTable) -> list[tuple[tuple[str | int, ...], str]]:
    """Every combination is covered by exactly one cell: a gap or an overlap names it."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    gaps: list[str] = []
    # What each cell names on each axis, worked out once (as table.matches does per
    # call): every content check and every build crosses all combinations with all cells.
    named = [[cell.values(axis) for axis, _ in table.axes] for cell in table.cells]
    for combo in table.combinations():
        covering = [
            i
            for i, values in enumerate(named)
            if all(chosen is None or value in chosen for chosen, value in zip(values, combo, strict=True))
        ]
        if not covering:
            gaps.append(table.describe(combo))
        elif len(covering) > 1:
            first, *others = covering
            for i in others:
                problems.append(
                    (
                        ("cells", i, "when"),
                        f"overlaps cells[{first}] at ({table.describe(combo)}): "
                        "each combination is covered by exactly one cell",
                    )
                )
    if gaps:
        shown = "; ".join(f"({g})" for g in gaps[:5]) + (f"; and {len(gaps) - 5} more" if len(gaps) > 5 else "")
        problems.append(
            (
                ("cells",),
                f"no cell covers {shown} (expected a cell for each, or not_covered: true "
                "where the sources say nothing)",
            )
        )
    # One message per pair of overlapping cells is enough to find the mistake.
    unique: dict[tuple[str | int, ...], tuple[tuple[str | int, ...], str]] = {}
    for loc, message in problems:
        unique.setdefault((*loc, message.split(" at (")[0]), (loc, message))
    return list(unique.values())


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


class Contraindication(Cited):
    """A patient in whom the drug (or some products of it) must not be given, or only
    with a named precaution."""

    condition: Text | None = None
    """The patient factor, e.g. "IgA deficiency with antibodies against IgA" (shown first, in bold)."""
    severity: Literal["contraindicated", "caution"] = "contraindicated"
    """contraindicated (do not give) or caution (give only with the precaution in text)."""
    products: list[Id] = []
    """Ids of the products concerned (content/products.yaml); empty when it applies to every product."""
    text: Text
    """What to do instead, or the precaution."""


class CautionKind(StrEnum):
    """What a caution is about, so that the page and the pocket guide can group them."""

    hypersensitivity = "hypersensitivity"
    haemolysis = "haemolysis"
    thrombosis = "thrombosis"
    renal = "renal"
    volume_load = "volume-load"
    infusion_practice = "infusion-practice"
    vaccines_and_tests = "vaccines-and-tests"
    no_response = "no-response"
    other = "other"


class Caution(Cited):
    """A hazard of giving the drug: who is at risk, and what to do about it."""

    kind: CautionKind = CautionKind.other
    """hypersensitivity, haemolysis, thrombosis, renal, volume-load, infusion-practice,
    vaccines-and-tests, no-response or other (a plain caution: text only)."""
    title: Text | None = None
    """Short heading, e.g. "Haemolysis"."""
    risk_factors: list[Text] = []
    """Patient or treatment factors that raise the risk, as the source lists them."""
    text: Text
    """What to do: prevention, monitoring, and what to do when it happens."""
    products: list[Id] = []
    """Ids of the products concerned; empty when it applies to every product."""


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
    contraindications: list[Contraindication] = []
    """Who must not receive it (or some of its products), and who only with a precaution."""
    cautions: list[Caution] = []
    """Hazards of giving it, with risk factors and what to do."""
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
