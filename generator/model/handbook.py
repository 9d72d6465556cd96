"""Handbook-wide settings (content/handbook.yaml), references, glossary and products."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, HttpUrl, field_validator, model_validator

from ..escape import abbreviation_problem
from .common import Cited, Date, Id, Model, Problems, Quantity, Text, Unit

__all__ = [
    "AppSettings",
    "Edition",
    "Excipient",
    "GlossaryEntry",
    "GlossaryFile",
    "HandbookMeta",
    "Home",
    "InfusionSchedule",
    "InfusionStep",
    "LicensedUse",
    "Notation",
    "NotationStyle",
    "Presentation",
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
    emergency: bool = False
    """true: the button is red with a warning sign, apart from the others (the way to an
    emergency page, found without reading)."""


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
    notation: Notation = Notation()
    """House style for units: BNF (micrograms in full, the default) or ISMP (mcg)."""
    search: SearchSettings = SearchSettings()
    """Search synonyms (lay words, spellings) for the site's search."""
    home: Home | None = None
    """The home page's one-line description and its start buttons; without it the home
    page lists the topics only."""
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
            message = f"report_problem must be a mailto:, https:// or http:// address (got '{self.report_problem}')"
            raise Problems([(("report_problem",), message)])
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
    url: HttpUrl | None = None
    """Web address (http or https), when there is no DOI."""
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
    label: Text | None = None
    """Which label the schedule comes from, as a reader should read it by the maximum rate,
    e.g. "US label, ITP" (labels of one product differ between regions)."""

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


class Presentation(Model):
    """One form in which pharmacy supplies a product: a vial, a prefilled syringe, a tablet."""

    form: Literal["vial", "prefilled-syringe", "graduated-prefilled-syringe", "tablet", "oral-suspension"]
    """What is handed over."""
    strength: Quantity
    """How much drug one unit holds, e.g. 250 mcg (a vial) or 40 mg (a syringe)."""
    volume_ml: float | None = Field(default=None, gt=0)
    """Volume of one unit in mL (a syringe), or the deliverable volume after reconstitution (a vial)."""

    @model_validator(mode="after")
    def _mass(self) -> Presentation:
        if self.strength.unit not in (Unit.g, Unit.mg, Unit.mcg):
            raise ValueError(f"a presentation's strength is a mass in g, mg or mcg (got {self.strength.unit.value})")
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
    concentration: Quantity | None = None
    """Concentration: for IVIG in % (g per 100 mL); mg/mL or mcg/mL for others. Empty for tablets."""
    vial_sizes_g: list[float] = []
    """Vial sizes in grams (IVIG); empty when not known."""
    presentations: list[Presentation] = []
    """Vials, syringes or tablets, with their strengths (products other than IVIG)."""
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
        if self.vial_sizes_g and (self.concentration is None or self.concentration.unit is not Unit.percent):
            got = self.concentration.unit.value if self.concentration else "none"
            raise ValueError(f"a product with vial_sizes_g gives its concentration in % (got {got})")
        if self.concentration is not None and self.concentration.unit not in _STRENGTH_UNITS:
            allowed = ", ".join(u.value for u in _STRENGTH_UNITS)
            raise ValueError(f"concentration is given in {allowed} (got {self.concentration.unit.value})")
        return self

    @property
    def grams_per_ml(self) -> float:
        if self.concentration is None or self.concentration.unit is not Unit.percent:
            raise ValueError(f"product {self.id} has no concentration in %")
        return self.concentration.value / 100


_STRENGTH_UNITS = (Unit.percent, Unit.mg_per_ml, Unit.mcg_per_ml)


class ProductsFile(Model):
    """content/products.yaml."""

    products: list[Product]
    """Products (may be empty)."""
