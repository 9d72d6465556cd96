"""Handbook-wide settings (content/handbook.yaml), references, glossary and products."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import AnyUrl, Field, model_validator

from .common import Cited, Id, Model, Quantity, Text, Unit

__all__ = [
    "Edition",
    "GlossaryEntry",
    "GlossaryFile",
    "HandbookMeta",
    "Home",
    "InfusionSchedule",
    "InfusionStep",
    "Notation",
    "NotationStyle",
    "Product",
    "ProductsFile",
    "Reference",
    "ReferenceType",
    "ReferencesFile",
    "ReviewPolicy",
    "SearchSettings",
    "StartLink",
]


class Edition(Model):
    """The edition readers hold: shown on every page footer and on the PDF cover."""

    name: Text
    """Edition name or version, e.g. "2026.1"."""
    date: dt.date
    """Publication date of the edition (YYYY-MM-DD)."""


class ReviewPolicy(Model):
    """How often topics are reviewed."""

    interval_months: int = Field(ge=1, le=60)
    """Months between clinical reviews of a topic."""
    warn_days: int = Field(default=30, ge=0, le=365)
    """Warn when a review falls due within this many days."""


class NotationStyle(StrEnum):
    """How micrograms and units are spelt on every page, calculator and pocket guide."""

    bnf = "BNF"
    """British National Formulary: micrograms and units written in full (2 micrograms/kg)."""
    ismp = "ISMP"
    """ISMP error-prone abbreviations list: micrograms as mcg (2 mcg/kg); units in full."""


class Notation(Model):
    """content/handbook.yaml `notation:`: the house style for numbers and units. Counts are
    always ×10⁹/L and µL, numbers have a leading zero (0.4) and no trailing zeros (1, not 1.0)."""

    style: NotationStyle = NotationStyle.bnf
    """BNF (micrograms in full) or ISMP (mcg). Units are written in full in both: "U" is
    read as 0 or 4 (ISMP), so no style offers it."""


# What a start link may point at: a topic (with an optional section anchor) or an index page.
INDEX_PAGES = ("calculators", "a-z", "drugs", "glossary", "recent", "specialties")


class StartLink(Model):
    """One large button on the home page: where a reader in a hurry starts."""

    label: Text
    """The button's words, e.g. "Life-threatening bleeding"."""
    link: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*(#[A-Za-z0-9_-]+)?$")
    """A topic id with an optional section anchor (ivig-in-itp#emergency), or an index page:
    calculators, a-z, drugs, glossary, recent or specialties."""


class Home(Model):
    """content/handbook.yaml `home:`: what the home page says before the list of topics."""

    tagline: Text
    """One line: what the handbook is and for whom."""
    start: list[StartLink] = Field(default=[], max_length=4)
    """Up to four large buttons under the tagline, in order."""


class SearchSettings(Model):
    """content/handbook.yaml `search:`: words readers type that the pages do not use."""

    synonyms: list[list[Text]] = []
    """Groups of words that mean the same to a reader, e.g. [melaena, black stool, gut
    bleeding]: a page that uses one word of a group is found by every other."""


class HandbookMeta(Model):
    """content/handbook.yaml: title, organisation, edition, disclaimer, review policy."""

    title: Text
    """Title of the handbook."""
    organisation: Text
    """Organisation that publishes it."""
    edition: Edition
    """Current edition."""
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    """Language tag of the content, e.g. en or en-GB."""
    disclaimer: Text
    """Disclaimer shown in every page footer and in the PDF."""
    review_policy: ReviewPolicy
    """Review interval and warning window."""
    report_problem: Text
    """Where "report a problem with this page" goes: a mailto: or https: address."""
    specialties: list[Text] = []
    """Display order of specialties in the navigation; others follow alphabetically."""
    notation: Notation = Notation()
    """House style for units: BNF (micrograms in full, the default) or ISMP (mcg)."""
    search: SearchSettings = SearchSettings()
    """Search synonyms (lay words, spellings) for the site's search."""
    home: Home | None = None
    """The home page's one-line description and its start buttons; without it the home
    page lists the topics only."""

    @model_validator(mode="after")
    def _report_target(self) -> HandbookMeta:
        if not self.report_problem.startswith(("mailto:", "https://", "http://")):
            raise ValueError(
                f"report_problem must be a mailto:, https:// or http:// address (got '{self.report_problem}')"
            )
        return self


class ReferenceType(StrEnum):
    """Kind of source. Primary literature first; secondary summaries are marked."""

    guideline = "guideline"
    trial = "trial"
    review = "review"
    product_label = "product-label"
    secondary_summary = "secondary-summary"
    other = "other"


class Reference(Model):
    """One bibliography entry."""

    id: Id
    """Identifier cited by statements, e.g. neunert-2011."""
    type: ReferenceType
    """guideline, trial, review, product-label, secondary-summary or other."""
    authors: list[Text] = []
    """Authors as "Surname Initials", or the issuing body."""
    title: Text
    """Title of the work."""
    journal: Text | None = None
    """Journal, for articles."""
    publisher: Text | None = None
    """Publisher or issuing body, for guidelines, labels and web pages."""
    year: int | None = Field(default=None, ge=1900, le=2100)
    """Year of publication."""
    volume: Text | None = None
    """Journal volume."""
    issue: Text | None = None
    """Journal issue."""
    pages: Text | None = None
    """Pages, e.g. 4190-4207."""
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    """DOI without the https://doi.org/ prefix."""
    pmid: str | None = Field(default=None, pattern=r"^[1-9][0-9]{0,8}$")
    """PubMed id (digits only)."""
    url: AnyUrl | None = None
    """Web address, when there is no DOI."""
    unverified: list[Text] = []
    """Fields of this entry that could not be checked against the original (e.g. issue, doi)."""
    note: Text | None = None
    """What this source is and how far it can be trusted."""

    @model_validator(mode="after")
    def _where_published(self) -> Reference:
        if not (self.journal or self.publisher):
            raise ValueError("a reference names its journal or its publisher (got neither)")
        fields = set(type(self).model_fields)
        for name in self.unverified:
            if name not in fields:
                raise ValueError(f"unverified names an unknown field '{name}'")
        return self


class ReferencesFile(Model):
    """content/references.yaml."""

    references: list[Reference] = Field(min_length=1)
    """The bibliography, one entry per source."""


class GlossaryEntry(Model):
    """An abbreviation or term, explained on hover or tap wherever it appears."""

    abbr: Text
    """The abbreviation or term as written, e.g. ITP."""
    term: Text
    """What it stands for, e.g. immune thrombocytopenia."""
    definition: Text | None = None
    """A short explanation."""


class GlossaryFile(Model):
    """content/glossary.yaml."""

    terms: list[GlossaryEntry] = Field(min_length=1)
    """Abbreviations and terms."""


class InfusionStep(Model):
    """One step of an infusion-rate schedule."""

    rate: float = Field(gt=0)
    """Rate in mg/kg/min."""
    minutes: int | None = Field(default=None, ge=1)
    """How long this step lasts before the next; empty for the last step (continue to the end)."""


class InfusionSchedule(Cited):
    """Infusion rates from the product label for the indication."""

    indication: Text
    """The indication the schedule applies to, e.g. ITP."""
    steps: list[InfusionStep] = Field(min_length=1)
    """Rate steps in mg/kg/min, in order."""
    max_rate: float = Field(gt=0)
    """Maximum rate in mg/kg/min."""
    max_rate_at_risk: float | None = Field(default=None, gt=0)
    """Lower maximum rate (mg/kg/min) for patients at risk of renal failure or thrombosis."""

    @model_validator(mode="after")
    def _within_max(self) -> InfusionSchedule:
        for step in self.steps:
            if step.rate > self.max_rate:
                raise ValueError(f"step rate {step.rate:g} mg/kg/min exceeds max_rate {self.max_rate:g}")
        if self.max_rate_at_risk is not None and self.max_rate_at_risk > self.max_rate:
            raise ValueError(
                f"max_rate_at_risk must be <= max_rate (got {self.max_rate_at_risk:g} > {self.max_rate:g})"
            )
        return self


class Product(Cited):
    """A medicinal product the pharmacy supplies."""

    id: Id
    """Identifier used by calculators, e.g. privigen."""
    name: Text
    """Brand name."""
    drug: Text
    """Active substance, e.g. immune globulin (human)."""
    concentration: Quantity
    """Concentration; for IVIG in % (g per 100 mL)."""
    vial_sizes_g: list[float] = []
    """Vial sizes in grams; empty when not known."""
    infusion: list[InfusionSchedule] = []
    """Infusion-rate schedules by indication."""
    notes: list[Text] = []
    """Anything else a prescriber needs (excipients, storage)."""

    @model_validator(mode="after")
    def _sizes(self) -> Product:
        if any(size <= 0 for size in self.vial_sizes_g):
            raise ValueError("vial sizes must be greater than zero")
        if len(set(self.vial_sizes_g)) != len(self.vial_sizes_g):
            raise ValueError("vial sizes are listed twice")
        if self.concentration.unit is not Unit.percent:
            raise ValueError(f"concentration is given in % (got {self.concentration.unit.value})")
        return self

    @property
    def grams_per_ml(self) -> float:
        return self.concentration.value / 100


class ProductsFile(Model):
    """content/products.yaml."""

    products: list[Product] = Field(min_length=1)
    """Products."""
