"""The compiled program: what both engines read, typed.

The compiler (generator.calc.compiler) writes one :class:`Program` per calculator;
:meth:`Program.to_json` is what the page embeds and calc-engine.js interprets, and the
Python engine (generator.calc.engine) reads the same object. Formulas are compiled
expression trees (``Expr``: ``[op, arg, ...]``, numbers, booleans, null), already
converted to the declared units, so the engines compute on plain numbers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ENGINE_VERSION",
    "AltUnit",
    "AxisDef",
    "BandDef",
    "CapDef",
    "CaseDef",
    "CellDef",
    "CheckDef",
    "DecisionDef",
    "DerivedDef",
    "DisplayDef",
    "DoseDef",
    "Expr",
    "InputDef",
    "LicenceDef",
    "NumberDef",
    "Option",
    "ProductDef",
    "Program",
    "RefDef",
    "RegimenDef",
    "ScheduleDef",
]

# 4: dose.risk_when (a risk the calculator finds itself sets the at-risk rates) and the
# rate_at_risk output; an engine of another version refuses the program (calculator.js).
ENGINE_VERSION = 4

Expr = Any  # JSON expression tree: [op, *args] | float | bool | None


@dataclass(frozen=True)
class NumberDef:
    """A number input's unit and limits (in that unit)."""

    unit: str
    min: float
    max: float
    warn_below: float | None
    warn_above: float | None
    zero_allowed: bool


@dataclass(frozen=True)
class AltUnit:
    """Another unit of a number: a value typed in it times factor is in the input's unit."""

    unit: str
    field: str | None
    factor: float


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    points: float | None = None
    definition: str | None = None  # what the option means (a decision axis value's definition)


@dataclass(frozen=True)
class InputDef:
    id: str
    label: str
    help: str | None
    type: str  # number | choice | yesno
    number: NumberDef | None = None
    alternatives: tuple[AltUnit, ...] = ()
    unit_field: str | None = None
    options: tuple[Option, ...] = ()
    required: Expr = False
    missing: str | None = None
    empty_label: str | None = None


@dataclass(frozen=True)
class CaseDef:
    when: Expr
    value: Expr
    say: str | None
    warn: str | None
    field: str | None


@dataclass(frozen=True)
class BandDef:
    id: str
    label: str
    min: float | None
    below: float | None
    text: str | None
    sets: tuple[tuple[str, Expr], ...]
    cite: tuple[str, ...]
    evidence: str | None
    boundary: str | None = None  # a decision band's published limits, said in the grade tag


@dataclass(frozen=True)
class DerivedDef:
    id: str
    label: str | None
    kind: str  # number | bool | text
    unit: str | None
    expr: Expr = None
    applies: Expr = True
    cases: tuple[CaseDef, ...] = ()
    of: Expr = None
    bands: tuple[BandDef, ...] = ()
    working: str | None = None
    output: bool = True


@dataclass(frozen=True)
class CheckDef:
    when: Expr
    severity: str  # refuse | warn
    message: str
    field: str


@dataclass(frozen=True)
class CapDef:
    """A maximum: per dose, day or course; per kg, per m2 or absolute (per None)."""

    scope: str
    amount: float
    per: str | None
    text: str


@dataclass(frozen=True)
class RegimenDef:
    id: str
    name: str
    dose_text: str
    amount: float  # in the dose unit, per kg / per m2 / absolute
    basis: str  # kg | m2 | fixed
    per_day: float
    days: int
    administrations: int
    frequency: str
    caps: tuple[CapDef, ...]
    population: Expr
    refuse: str
    cite: tuple[str, ...]
    evidence: str | None
    table_inputs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ScheduleDef:
    steps: tuple[tuple[float, int | None], ...]  # (mg/kg/min, minutes)
    max_rate: float
    max_rate_at_risk: float | None
    cite: tuple[str, ...]
    label: str | None = None  # which label the schedule is from (region, indication), said by the maximum rate


@dataclass(frozen=True)
class LicenceDef:
    indication: str
    ages: str
    min_age_years: float | None
    max_age_years: float | None


@dataclass(frozen=True)
class ProductDef:
    id: str
    name: str
    sizes: tuple[float, ...]  # presentations in the dose unit, largest first
    per_ml: float  # dose unit per mL
    schedule: ScheduleDef | None
    licensed: tuple[LicenceDef, ...]
    cite: tuple[str, ...]


@dataclass(frozen=True)
class DoseDef:
    unit: str
    suffix: str  # result fields end in it: dose_per_day_g
    weight: str
    surface_area: str | None
    age_years: str | None
    regimen_input: str
    product_input: str | None
    risk_input: str | None
    presentation: str
    round_per: str | None  # dose (each dose from its own presentations) | None (no rounding)
    within_percent: float | None
    rounding_why: str | None
    rate_factor: float  # mL/h per (mg/kg/min x kg / (dose unit per mL))
    indication: str | None
    regimens: tuple[RegimenDef, ...]
    products: tuple[ProductDef, ...]
    pump_max_ml_per_h: float | None = None  # highest rate the pumps accept; faster label rates are warned about
    risk_when: Any = None  # compiled at_risk_when: a risk the calculator finds itself; the at-risk maximum applies


@dataclass(frozen=True)
class AxisDef:
    id: str
    name: str
    values: tuple[Option, ...]


@dataclass(frozen=True)
class CellDef:
    """match: (axis id, value ids) pairs; "band" is an axis. An axis left out matches all."""

    match: tuple[tuple[str, tuple[str, ...]], ...]
    not_covered: bool
    action: str | None
    actions: tuple[str, ...]
    pathway: str | None
    link: str | None
    evidence: str | None
    cite: tuple[str, ...]
    guideline_grade: str | None = None  # the guideline's grade in words: "Strong recommendation (ASH 2019 1b)"
    strength: str | None = None  # strong | conditional | consensus


@dataclass(frozen=True)
class DecisionDef:
    table: str
    title: str
    measure: str
    unit: str
    scale: str | None
    bands: tuple[BandDef, ...]
    axes: tuple[AxisDef, ...]
    cells: tuple[CellDef, ...]
    not_covered_text: str


@dataclass(frozen=True)
class DisplayDef:
    """Decimals or significant figures by unit; default for the rest."""

    default: tuple[int | None, int | None]
    by_unit: tuple[tuple[str, int | None, int | None], ...]


@dataclass(frozen=True)
class RefDef:
    """A citation as the reader sees it."""

    id: str
    label: str
    text: str
    url: str | None


@dataclass(frozen=True)
class Program:
    engine: int
    id: str
    title: str
    summary: str
    topic: str
    inputs: tuple[InputDef, ...]
    constants: tuple[tuple[str, float], ...]
    units: tuple[tuple[str, str], ...]  # name -> unit, for display
    derived: tuple[DerivedDef, ...]
    checks: tuple[CheckDef, ...]
    dose: DoseDef | None
    decision: DecisionDef | None
    headline: tuple[tuple[Expr, str], ...]
    fields: tuple[str, ...]  # result keys besides ok, errors, warnings, headline, summary, steps, working
    display: DisplayDef
    text: tuple[tuple[str, str], ...]
    references: tuple[tuple[str, RefDef], ...]
    field_units: tuple[tuple[str, str], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: dataclasses become objects, name/value pair tuples objects, tuples lists."""
        return _plain(self)

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: the program hash shown on validation pages."""
        text = json.dumps(self.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Fields holding (name, value) pairs that read better as JSON objects.
_PAIRS = {"constants", "units", "text", "references", "sets", "field_units", "match", "table_inputs"}


def _plain(value: Any, name: str = "") -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        if name in _PAIRS:
            return {k: _plain(v) for k, v in value}
        return [_plain(v) for v in value]
    return value
