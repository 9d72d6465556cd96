"""Handbook-wide settings (content/handbook.yaml), references, glossary and products."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AnyUrl, Field, field_validator, model_validator

from ..escape import abbreviation_problem
from .common import Cited, Date, Id, Model, Quantity, Text, Unit

__all__ = [
    "AppSettings",
    "Edition",
    "Excipient",
    "GlossaryEntry",
    "GlossaryFile",
    "HandbookMeta",
    "InfusionSchedule",
    "InfusionStep",
    "LicensedUse",
    "Product",
    "ProductsFile",
    "Reference",
    "ReferenceType",
    "ReferencesFile",
    "ReviewPolicy",
]


class Edition(Model):
    """The edition readers hold: shown on every page footer and on the PDF cover."""

    name: Text
    """Edition name or version, e.g. "2026.1"."""
    date: Date
    """Publication date of the edition (YYYY-MM-DD)."""
    withdrawn: Text | None = None
    """Set only to recall this edition: why it must not be used and what to use instead.
    Every page of a withdrawn build, and every phone holding the offline app once it
    next reaches the server, shows this as a blocking notice until a new edition is
    published (README, "Recall an edition")."""


class AppSettings(Model):
    """The installable offline app (web app manifest and service worker; README, "For hospital IT")."""

    short_name: Text | None = Field(default=None, max_length=30)
    """Name under the icon on a phone's home screen (12 characters or fewer show whole);
    the handbook's title when empty."""
    offline_budget_kb: int = Field(default=4096, ge=0, le=1_048_576)
    """Largest download, in KB as served gzip-compressed, that the app stores on a phone
    at install. It always stores its shell (styles, scripts, calculator programs, the
    home and calculators pages); then the pages with an emergency section while this
    budget lasts; and every page when the whole site fits. Otherwise pages are stored
    as the reader opens them or keeps them offline."""


class ReviewPolicy(Model):
    """How often topics are reviewed."""

    interval_months: int = Field(ge=1, le=60)
    """Months between clinical reviews of a topic."""
    warn_days: int = Field(default=30, ge=0, le=365)
    """Warn when a review falls due within this many days."""


class HandbookMeta(Model):
    """content/handbook.yaml: title, organisation, edition, disclaimer, review policy.
    Fields listed under placeholders hold stand-in values that a release refuses."""

    title: Text
    """Title of the handbook."""
    organisation: Text
    """Organisation that publishes it (list it under placeholders until the adopting hospital names itself)."""
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
    placeholders: list[Literal["organisation", "report_problem"]] = []
    """Fields that still hold stand-in values (organisation, report_problem): `handbook build --release`
    refuses to publish until each is replaced and taken off this list."""
    specialties: list[Text] = []
    """Display order of specialties in the navigation; others follow alphabetically."""
    nav_group_size: int = Field(default=40, ge=5, le=500)
    """Most links one level of the navigation lists. A specialty with more topics than
    this is split into alphabetical groups (groups of groups when needed) and gets an
    index page listing all its topics, so a page's sidebar stays short whatever the
    size of the specialty."""
    app: AppSettings = AppSettings()
    """The installable offline app: its short name and how much it stores on a phone."""

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

    references: list[Reference]
    """The bibliography, one entry per source (empty in a new handbook: a statement
    that carries a number must still cite one)."""


class GlossaryEntry(Model):
    """An abbreviation or term, explained on hover or tap wherever it appears."""

    abbr: Text
    """The abbreviation or term as written, e.g. ITP."""
    term: Text
    """What it stands for, e.g. immune thrombocytopenia."""
    definition: Text | None = None
    """A short explanation."""

    @field_validator("abbr")
    @classmethod
    def _writable(cls, abbr: str) -> str:
        problem = abbreviation_problem(abbr)
        if problem:
            raise ValueError(problem)
        return abbr


class GlossaryFile(Model):
    """content/glossary.yaml."""

    terms: list[GlossaryEntry]
    """Abbreviations and terms (may be empty)."""


class InfusionStep(Model):
    """One step of an infusion-rate schedule."""

    rate: float = Field(gt=0, le=100)
    """Rate in mg/kg/min."""
    minutes: int | None = Field(default=None, ge=1, le=1440)
    """How long this step lasts before the next; empty for the last step (continue to the end)."""


class InfusionSchedule(Cited):
    """Infusion rates from the product label for the indication."""

    indication: Text
    """The indication the schedule applies to, e.g. ITP."""
    steps: list[InfusionStep] = Field(min_length=1)
    """Rate steps in mg/kg/min, in order."""
    max_rate: float = Field(gt=0, le=100)
    """Maximum rate in mg/kg/min."""
    max_rate_at_risk: float | None = Field(default=None, gt=0, le=100)
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


class LicensedUse(Cited):
    """An indication the product is licensed for, with the ages the licence covers.
    Calculators warn when a patient falls outside every licensed use of a product."""

    indication: Text
    """The licensed indication as the label words it, e.g. chronic ITP."""
    region: Text
    """Whose licence: e.g. US (FDA prescribing information) or EU (SmPC)."""
    ages: Text
    """The ages as the label puts them, e.g. "adults", "15 years and older"."""
    min_age_years: float | None = Field(default=None, ge=0)
    """Youngest licensed age in years (inclusive); empty when the label sets no lower age."""
    max_age_years: float | None = Field(default=None, gt=0)
    """Age in years from which the licence no longer applies (exclusive); empty for no upper age."""


class Excipient(Cited):
    """An ingredient besides the immunoglobulin that matters to some patients."""

    name: Text
    """The excipient, e.g. maltose."""
    hazard: Text
    """Who is at risk and what to do, e.g. falsely high readings on some glucose meters."""


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
    licensed: list[LicensedUse] = []
    """Licensed indications with their ages; empty when the licence was not retrieved (say so in notes)."""
    excipients: list[Excipient] = []
    """Excipients with a hazard for some patients (sugars, amino acids, plant proteins)."""
    notes: list[Text] = []
    """Anything else a prescriber needs (storage, what was not retrieved)."""

    @model_validator(mode="after")
    def _sizes(self) -> Product:
        if any(not 0.1 <= size <= 1000 for size in self.vial_sizes_g):
            raise ValueError("vial sizes are between 0.1 g and 1000 g")
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

    products: list[Product]
    """Products (may be empty)."""
