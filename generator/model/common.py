"""Building blocks shared by every content file: ids, units, quantities, citations."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from enum import Enum, StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

__all__ = [
    "Cited",
    "Date",
    "Evidence",
    "Figure",
    "GuidelineGrade",
    "Id",
    "Model",
    "Problems",
    "Quantity",
    "RefId",
    "Statement",
    "Strength",
    "Text",
    "Unit",
    "carries_number",
    "texts",
]


class Problems(ValueError):
    """Several located problems found by one model check. Each is (path inside the
    model, message); the validator reports each at its own line and column."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


class Model(BaseModel):
    """Base of every content model: unknown keys are errors, values are immutable,
    and the docstring under each field becomes its description in the JSON Schema."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        str_strip_whitespace=True,
        validate_default=False,
        # "nan" and "inf" (even quoted) are not clinical numbers.
        allow_inf_nan=False,
    )


# Names Windows (and so IIS and shared drives) cannot give a file or folder: an id
# names a file (content/topics/<id>.yaml) and a folder of the site (topics/<id>/).
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"{p}{n}" for p in ("com", "lpt") for n in range(10))})


def _not_reserved(value: str) -> str:
    if value in WINDOWS_RESERVED:
        raise ValueError(
            f"'{value}' is a reserved file name on Windows (con, prn, aux, nul, com0-9, lpt0-9); choose another id"
        )
    return value


# Lowercase identifier: letters a-z, digits and single hyphens. (No description here:
# it would override the docstring of every field typed Id in the JSON Schema.)
Id = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80), AfterValidator(_not_reserved)
]
RefId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Text = Annotated[str, StringConstraints(min_length=1)]


EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def _date_as_written(value: Any) -> Any:
    # Pydantic reads a number as seconds since 1970: "last_updated: 0" became 1970-01-01.
    if isinstance(value, int | float):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")
    return value


def _date_in_range(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"date {value.isoformat()} is outside {EARLIEST_DATE.year}-{LATEST_DATE.year}")
    return value


Date = Annotated[dt.date, BeforeValidator(_date_as_written), AfterValidator(_date_in_range)]
"""A calendar date written YYYY-MM-DD, between 1900 and 2100."""


class Unit(StrEnum):
    """Controlled vocabulary of units. A number never carries free-text units."""

    g = "g"
    mg = "mg"
    g_per_kg = "g/kg"
    mg_per_kg = "mg/kg"
    g_per_kg_day = "g/kg/day"
    mg_per_kg_day = "mg/kg/day"
    mg_per_kg_min = "mg/kg/min"
    ml_per_kg_h = "mL/kg/h"
    ml_per_h = "mL/h"
    ml = "mL"
    kg = "kg"
    lb = "lb"
    cm = "cm"
    inch = "in"
    kg_per_m2 = "kg/m2"
    percent = "%"
    g_per_dl = "g/dL"
    x10_9_per_l = "x10^9/L"
    per_ul = "/uL"
    molecules_per_platelet = "molecules/platelet"
    minute = "min"
    hour = "h"
    day = "day"
    week = "week"
    month = "month"
    year = "year"
    unit = "unit"
    units_per_kg = "units/kg"
    # Thrombocytopenia edition: micrograms (romiplostim, anti-D), doses per square
    # metre of body surface (rituximab), renal function and product strengths.
    mcg = "mcg"
    mcg_per_kg = "mcg/kg"
    mg_per_m2 = "mg/m2"
    m2 = "m2"
    ml_per_min = "mL/min"
    umol_per_l = "umol/L"
    mg_per_dl = "mg/dL"
    mg_per_ml = "mg/mL"
    mcg_per_ml = "mcg/mL"
    points = "points"


class Evidence(StrEnum):
    """Certainty of the evidence behind a statement (GRADE wording)."""

    high = "high"
    moderate = "moderate"
    low = "low"
    very_low = "very-low"

    @property
    def words(self) -> str:
        """As a reader sees it: "very low", not the id "very-low" (site and pocket guide)."""
        return self.value.replace("-", " ")


class Strength(StrEnum):
    """Strength of a recommendation as the guideline states it. GRADE guidelines say
    strong or conditional (ASH 2011 writes 1 for strong, 2 for weak); a consensus
    report grades nothing, so its advice is consensus."""

    strong = "strong"
    conditional = "conditional"
    consensus = "consensus"


class GuidelineGrade(Model):
    """How the cited guideline itself grades a recommendation, shown next to it."""

    source: RefId
    """Id of the graded reference (a guideline or consensus report); it must be cited by the statement."""
    strength: Strength
    """strong, conditional (weak) or consensus (expert consensus, not graded)."""
    label: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = None
    """The grade or number as published, e.g. 2B (ASH 2011) or "recommendation 1a" (ASH 2019)."""

    def describe(self) -> str:
        """The grade in words for readers, e.g. "Conditional recommendation (2B)"."""
        words = {
            Strength.strong: "Strong recommendation",
            Strength.conditional: "Conditional recommendation",
            Strength.consensus: "Expert consensus (not graded)",
        }[self.strength]
        return f"{words} ({self.label})" if self.label else words


class Quantity(Model):
    """A number with a unit from the controlled vocabulary."""

    value: float = Field(gt=0, le=1e7)
    """The number; must be greater than zero."""
    unit: Unit
    """Unit, from the controlled vocabulary."""


class Figure(Model):
    """A reported figure: a single value or a range, with its unit."""

    label: Text
    """What the figure measures, e.g. "time to response"."""
    value: float | None = Field(default=None, ge=0, le=1e7)
    """A single value (use either value, or low and/or high)."""
    low: float | None = Field(default=None, ge=0, le=1e7)
    """Lower end of a range (inclusive)."""
    high: float | None = Field(default=None, ge=0, le=1e7)
    """Upper end of a range (inclusive)."""
    unit: Unit
    """Unit, from the controlled vocabulary."""
    qualifier: (
        Annotated[str, StringConstraints(pattern=r"^(about|up to|at least|mean|median|more than|less than)$")] | None
    ) = None
    """How the figure is to be read: about, up to, at least, mean, median, more than, less than."""

    @model_validator(mode="after")
    def _value_or_range(self) -> Figure:
        if self.value is None and self.low is None and self.high is None:
            raise ValueError("a figure needs a value, or low and/or high (got none)")
        if self.value is not None and (self.low is not None or self.high is not None):
            raise ValueError("a figure has either a value or a range (low/high), not both")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low must be <= high (got low={self.low:g}, high={self.high:g})")
        return self


_DIGIT = re.compile(r"\d")

# Fields that hold identifiers, not clinical numbers ("itp-1g-once" names a regimen,
# it does not state a dose).
IDENTIFIER_FIELDS = frozenset(
    {"id", "regimen", "band", "condition", "pathway", "calculator", "product", "when", "actions", "link", "grade"}
)


def texts(value: Any) -> Iterator[str]:
    """Every text value inside a model, in field order (the print index looks for
    abbreviations in them; content tests read them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from texts(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts(item)


def carries_number(value: Any) -> bool:
    """True when a statement, or anything inside it, states a number."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        return bool(_DIGIT.search(value))
    if isinstance(value, Enum):
        return False
    if isinstance(value, Cited):
        # A nested statement answers for its own numbers.
        return False
    if isinstance(value, BaseModel):
        return any(
            carries_number(getattr(value, name)) for name in type(value).model_fields if name not in IDENTIFIER_FIELDS
        )
    if isinstance(value, list | tuple):
        return any(carries_number(v) for v in value)
    if isinstance(value, dict):
        return any(carries_number(v) for v in value.values())
    return False


class Cited(Model):
    """A statement backed by references. A statement that carries a number (a dose,
    a threshold, a rate, a percentage) must cite at least one reference."""

    cite: list[RefId] = []
    """Ids of entries in content/references.yaml that support this statement."""
    evidence: Evidence | None = None
    """Certainty of the evidence (GRADE): high, moderate, low or very-low."""
    grade: GuidelineGrade | None = None
    """The strength of the recommendation as the cited guideline grades it (shown next to
    it with the certainty), e.g. {source: neunert-2011, strength: conditional, label: 2B}."""

    @model_validator(mode="after")
    def _numbers_are_cited(self) -> Cited:
        if self.grade is not None and self.grade.source not in self.cite:
            raise ValueError(
                f"grade.source '{self.grade.source}' must be one of the statement's citations "
                f"(cite: [{', '.join(self.cite)}])"
            )
        if not self.cite:
            skip = IDENTIFIER_FIELDS | {"cite", "evidence"}
            own = {name: getattr(self, name) for name in type(self).model_fields if name not in skip}
            if carries_number(own):
                raise ValueError(
                    "this statement carries a number but cites no reference (expected cite: [reference-id, ...])"
                )
        return self


class Statement(Cited):
    """One clinical statement in the editor's own words (Markdown subset, no HTML)."""

    text: Text
    """The statement. Inline Markdown (emphasis, links) is allowed; raw HTML is shown as text."""
