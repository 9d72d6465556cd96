"""Stage 5 — print: the validated :class:`Handbook` as an A6 (or A5) PDF pocket guide.

The stage reads the whole handbook into one print context (cover, contents,
topics, calculator tables, index), renders it to HTML with the Jinja2 templates
in ``theme/print/`` and lays it out with WeasyPrint as a tagged PDF (PDF/UA-1).
Every number printed comes from content/, either as written or through the
calculator engine (:mod:`generator.calc.tables`); this module only formats.

The file is written next to its target and moved into place only when the
render succeeded, so a failed build never leaves half a PDF behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markupsafe import Markup, escape
from pydantic import BaseModel

from .model import Topic
from .model.common import Cited, Figure, Statement
from .model.handbook import Notation
from .model.topic import NOT_COVERED_TEXT, ReviewStatus
from .present import (
    figure_joint,
    fmt_band,
    fmt_figure_value,
    fmt_grouped,
    fmt_number,
    fmt_quantity,
    fmt_unit,
    house_notation,
    house_words_html,
    keep_together,
    one_unit_per_drug,
    template_environment,
)
from .print_index import IndexChoices, IndexTerm, anchor_terms, index_terms
from .print_tables import PHARMACY, band_cells, dosing_weight_table, engine_message
from .project import THEME_DIR
from .validate import Handbook, today

__all__ = [
    "PDF_VARIANT",
    "PRINT_THEME",
    "PrintConfig",
    "PrintError",
    "build_context",
    "calculator_tables",
    "load_print_config",
    "render_document",
    "render_html",
    "write_document",
    "write_pdf",
]

PRINT_THEME = THEME_DIR / "print"
INDEX_MARK = "<!-- the index, written by render_html once its terms are anchored -->"
PDF_VARIANT = "pdf/ua-1"

# Topic fields the templates lay out with their own block, in the order a
# clinician looks for them on a small page: what to do first, then how much.
# Any field not named here (a later, additive schema change) is still printed,
# by the generic block, after these.
SECTION_ORDER: tuple[tuple[str, str], ...] = (
    ("bottom_line", "Bottom line"),
    ("emergency", "Emergency"),
    ("decision_tables", "Decision table"),
    ("indications", "Indications"),
    ("regimens", "Dosing"),
    ("calculators", "Dose tables"),
    ("administration", "Administration"),
    ("special_populations", "Special populations"),
    ("contraindications", "Contraindications"),
    ("cautions", "Cautions"),
    ("adverse_effects", "Adverse effects"),
    ("monitoring", "Monitoring"),
    ("response", "Expected response"),
    ("predictors", "Predictors of response"),
    ("mechanism", "Mechanism of action"),
    ("pitfalls", "Pitfalls"),
    ("plain_language", "For patients and families"),
    ("related", "Related topics"),
)
# Fields shown in the topic heading, the cover or the index rather than as a section.
HEADER_FIELDS = frozenset({"id", "title", "summary", "specialty", "drugs", "tags", "aliases", "review"})


class PrintError(Exception):
    """The PDF could not be produced for a reason other than bad content
    (missing font, unknown topic, WeasyPrint failure)."""


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class PageSize:
    """One paper size of the guide (theme/print/config.yaml ``sizes``)."""

    name: str
    page: str
    width_mm: float
    height_mm: float
    margin_mm: tuple[float, float, float, float]
    font_pt: float


@dataclass(frozen=True)
class WeightRange:
    """Rows of a weight-band table: from_kg, from_kg + step_kg, ... up to to_kg."""

    from_kg: float
    to_kg: float
    step_kg: float

    def weights(self) -> list[float]:
        # Counted in whole steps so 0.5 kg steps do not drift (0.1 + 0.2 != 0.3).
        count = round((self.to_kg - self.from_kg) / self.step_kg)
        return [round(self.from_kg + i * self.step_kg, 6) for i in range(count + 1)]


@dataclass(frozen=True)
class PrintConfig:
    """Presentation settings of the pocket guide; nothing clinical."""

    sizes: dict[str, PageSize]
    weight_bands: dict[str, WeightRange]
    infusion_weights_kg: tuple[float, ...]
    lookup_heights_cm: tuple[float, ...]
    lookup_weights_kg: tuple[float, ...]
    font_family: str
    font_files: dict[str, Path] = field(default_factory=dict)
    index: IndexChoices = field(default_factory=IndexChoices)
    local_pages: dict[str, Any] = field(default_factory=dict)
    """What the padding pages print (config.yaml ``local_pages``): title, intro, lines, notes."""
    lookup_example: tuple[str, float, float] | None = None
    """Sex, height (cm) and weight (kg) of the adult the look-up works through as its example."""


def _first_existing(candidates: list[str]) -> Path | None:
    return next((Path(c) for c in candidates if Path(c).is_file()), None)


@cache
def load_print_config(path: Path = PRINT_THEME / "config.yaml") -> PrintConfig:
    """Read theme/print/config.yaml. A missing regular font is a :class:`PrintError`
    (PDF/UA needs embedded fonts; falling back to whatever fontconfig finds would
    make the guide depend on the machine that built it)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sizes = {
        name: PageSize(
            name=name,
            page=s["page"],
            width_mm=float(s["width_mm"]),
            height_mm=float(s["height_mm"]),
            margin_mm=tuple(float(m) for m in s["margin_mm"]),  # type: ignore[arg-type]
            font_pt=float(s["font_pt"]),
        )
        for name, s in data["sizes"].items()
    }
    bands = {name: WeightRange(**{k: float(v) for k, v in r.items()}) for name, r in data["weight_bands"].items()}
    fonts = data["fonts"]
    files: dict[str, Path] = {}
    for face in ("regular", "bold", "italic", "bold_italic"):
        found = _first_existing(fonts.get(face, []))
        if found is not None:
            files[face] = found
    if "regular" not in files:
        tried = ", ".join(fonts.get("regular", []))
        raise PrintError(f"no font file for the pocket guide (tried {tried}); install fonts-dejavu-core")
    return PrintConfig(
        sizes=sizes,
        weight_bands=bands,
        infusion_weights_kg=tuple(float(w) for w in data["infusion_weights_kg"]),
        lookup_heights_cm=tuple(float(h) for h in data["dosing_weight_lookup"]["heights_cm"]),
        lookup_weights_kg=tuple(float(w) for w in data["dosing_weight_lookup"]["weights_kg"]),
        font_family=fonts["family"],
        font_files=files,
        index=_index_choices(data.get("index") or {}),
        lookup_example=_lookup_example(data["dosing_weight_lookup"].get("example")),
        local_pages=dict(data.get("local_pages") or {}),
    )


def _lookup_example(data: dict[str, Any] | None) -> tuple[str, float, float] | None:
    if data is None:
        return None
    return (str(data["sex"]), float(data["height_cm"]), float(data["weight_kg"]))


def _index_choices(data: dict[str, Any]) -> IndexChoices:
    """theme/print/config.yaml ``index``: the editor's merges, "see" lines, dropped terms and
    further places (generator.print_index.IndexChoices)."""
    known = {"merge", "see", "drop", "also", "add"}
    if set(data) - known:
        raise PrintError(f"config.yaml index: unknown keys {sorted(set(data) - known)} (expected {sorted(known)})")
    return IndexChoices(
        merge={str(k): str(v) for k, v in (data.get("merge") or {}).items()},
        see={str(k): str(v) for k, v in (data.get("see") or {}).items()},
        drop=frozenset(str(t).casefold() for t in data.get("drop") or []),
        also={str(k): tuple(map(str, v)) for k, v in (data.get("also") or {}).items()},
        add={str(k): tuple(map(str, v)) for k, v in (data.get("add") or {}).items()},
    )


# --------------------------------------------------------------------------- formatting


def fmt_figure(figure: Figure, notation: Notation | None = None) -> str:
    """``time to response: median 2 days``-style text of a reported figure."""
    return f"{figure.label}{figure_joint(figure.label)}{fmt_figure_value(figure, notation)}"


_INLINE = (
    # Applied to already-escaped text, so author HTML stays text.
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
)
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
# "anti-HBc" too: a capital part may end in small letters ("HBc", "IgG").
_HYPHENATED = re.compile(r"(?<![\w-])(?:[A-Z]{1,4}-[A-Za-z]+|[a-z]+-[A-Z][A-Za-z]{0,3})(?![\w-])")


def inline_markdown(text: str) -> Markup:
    """The inline Markdown subset authors may use (emphasis, code, links) as
    HTML. The text is escaped first: raw HTML in content prints as text."""
    html = str(escape(house_notation(text)))
    for pattern, replacement in _INLINE:
        html = pattern.sub(replacement, html)

    def link(match: re.Match[str]) -> str:
        label, target = match.group(1), match.group(2)
        # Only web and mail links stay clickable on paper; site-relative links
        # (to other topics) have no meaning in the PDF, their label is enough.
        if target.startswith(("https://", "http://", "mailto:")):
            return f'<a href="{target}">{label}</a>'
        return label

    html = _LINK.sub(link, html)
    # A short capital part joined by a hyphen ("L-proline", "GDH-PQQ", "B-cell", "anti-D")
    # does not break at its hyphen: "L-" at a line end reads as a fragment (print review D21).
    # Text only: a link's address keeps its hyphens as they are.
    parts = re.split(r"(<[^>]*>)", html)
    return Markup(
        "".join(p if p.startswith("<") else _HYPHENATED.sub(r'<span class="nobr">\g<0></span>', p) for p in parts)
    )


def sentence(title: str) -> str:
    """A title as a sentence of a reference: one full stop, none after a title that ends in
    its own mark ("... immune thrombocytopenia (ITP)?" not "(ITP)?.")."""
    title = house_notation(title)
    return title if title.rstrip().endswith((".", "?", "!")) else f"{title}."


def printed_url(url: Any) -> str:
    """An address as paper prints it: a web-service query (openFDA's
    ``api.fda.gov/drug/label.json?search=set_id%3A%22...``) is no address a reader types, so
    its host and path stand for it; the reference's title names the label (print review 3,
    finding 18). Other addresses are printed whole."""
    from urllib.parse import urlsplit

    text = str(url)
    parts = urlsplit(text)
    if parts.query and parts.netloc == "api.fda.gov":
        return f"openFDA, {parts.netloc}{parts.path}"
    return text


RUNNING_TITLE_CHARS = 40
"""Longest running header beside the PENDING REVIEW band on one A6 line (5.9 pt bold)."""


def running_title(title: str, limit: int = RUNNING_TITLE_CHARS) -> str:
    """The topic title as the running header prints it, on one line beside the review band:
    without a closing parenthesis ("(CTCAE v5.0)"), then without what follows a colon when
    the head is long enough to name the topic; a title still too long ends at a word, with "…"."""
    short = re.sub(r"\s*\([^()]*\)$", "", title).strip() or title
    if len(short) > limit and ": " in short:
        head = short.partition(": ")[0]
        short = head if len(head) >= 12 else short
    if len(short) > limit:
        short = short[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return short


def humanise(name: str) -> str:
    """``special_populations`` -> ``Special populations`` (generic section titles)."""
    return name.replace("_", " ").capitalize()


# --------------------------------------------------------------------------- context


def _walk_cites(value: Any) -> Iterator[str]:
    """Cited reference ids in reading order (field declaration order)."""
    if isinstance(value, Cited):
        yield from value.cite
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            if name != "cite":
                yield from _walk_cites(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk_cites(item)


def anchor(topic_id: str, section: str | None = None) -> str:
    """Fragment id of a topic heading or one of its sections."""
    return f"t-{topic_id}" if section is None else f"t-{topic_id}--{section.replace('_', '-')}"


def _topic_calculators(handbook: Handbook, topic: Topic) -> list[str]:
    """Calculators whose tables print in this topic: those the topic embeds, and
    those built on this topic that no topic embeds (so no table is lost)."""
    embedded = {calc_id for t in handbook.topics.values() for calc_id in t.calculators}
    ids = [c for c in topic.calculators if c in handbook.calculators]
    ids += [c.id for c in handbook.calculators.values() if c.topic == topic.id and c.id not in embedded]
    # A calculator whose own topic was left out of this build (build --exclude-drafts) has no regimens to print.
    return [c for c in dict.fromkeys(ids) if handbook.calculators[c].topic in handbook.topics]


def _common_notes(cells: list[dict[str, Any]]) -> list[str]:
    """Notes the engine gives for every row of a table (a licence warning): printed once,
    under the caption, rather than under each row."""
    notes = [[n for n in (row["note"], *row["warnings"]) if n] for row in cells]
    return [n for n in notes[0] if all(n in other for other in notes[1:])] if notes else []


def _row_groups(cells: list[dict[str, Any]], common: list[str]) -> list[dict[str, Any]]:
    """Consecutive rows with the same notes, each group printed as one unbreakable
    tbody ending with its notes: a note sits under its rows, never on another page."""
    groups: list[dict[str, Any]] = []
    for row in cells:
        notes = [n for n in (row["note"], *row["warnings"]) if n and n not in common]
        if groups and groups[-1]["notes"] == notes and notes:
            groups[-1]["rows"].append(row)
        else:
            groups.append({"rows": [row], "notes": notes})
    return groups


def _weight_band_table(
    program: Any, table: Any, neonatal: bool, step_kg: float, dose_text: str, licence: str = ""
) -> dict[str, Any]:
    """One regimen's weight-band table for the template: bands of weights that get the
    same dispensed course, computed by the engine (generator.calc.tables); this stage
    only formats the cells (print_tables) and lays them out. A neonatal table lists every
    weight of its range (no gaps a baby's weight could fall into) with the exact dose in
    mg and mL, and no pump rates: the recorded rates are the label's, for adults.
    ``dose_text``: the regimen's dose as the topic prints it (present.one_unit_per_drug)."""
    from .calc.display import fmt

    show = program.display
    milligrams = neonatal and table.unit == "g"
    cells = [band_cells(program, table, row, milligrams=milligrams) for row in table.rows]
    if licence:
        # The engine's "not licensed at this age (15 years and older)" reads as if no licence
        # anywhere covered the patient; paper says which licence that is (print review 3, finding 6).
        unlicensed = engine_message(program, "unlicensed")
        for cell in cells:
            cell["warnings"] = [licence if unlicensed.match(w) else w for w in cell["warnings"]]
    constants = dict(program.constants)
    lookup = not neonatal and "adjust_bmi_above" in constants
    bmi = fmt(constants["adjust_bmi_above"], show, None) if lookup else ""
    days = table.days
    span = f"{cells[0]['weight'].split('–')[0]}–{cells[-1]['weight'].split('–')[-1]} kg" if cells else "no weights"
    grid = fmt(step_kg / 10, show, "kg")
    if neonatal:
        weights = f"Actual body weight, every {fmt(step_kg, show, 'kg')} kg: round the weight down to the row above."
    else:
        weights = (
            f"Round the weight down to {grid} kg and read its row; a row groups the weights that get the same "
            "vials, its rates and shortest time are its lightest weight's."
        )
    repeat = next((c["repeat"] for c in cells if c["repeat"]), "")
    regimen = next(r for r in program.dose.regimens if r.id == table.regimen)
    course_cap = next((c.text for c in regimen.caps if c.scope == "course"), None)
    notes = [weights]
    # A neonatal table prints no rates and no vials: no note about either (print review A2).
    if any(c["rate"] for c in cells) and not neonatal:
        notes.append(
            "mL/h in whole numbers, rounded down; the shortest time is at the maximum rate once the "
            "timed steps are done; stepping up takes longer."
        )
    if repeat and course_cap:
        notes.append(
            f"Day 2 max: if the dose is repeated, {course_cap} a course (at the row's lightest weight) "
            "less the dose given, in whole vials."
        )
    if any(c["exact"] for c in cells) and not neonatal:
        name = table.product_name or "the product"
        notes.append(
            f"Exact doses: no combination of {name} vials is close enough; give the exact dose and ask pharmacy."
        )
    if neonatal:
        notes.append("No infusion rates for newborns here: the recorded rates are the product label's.")
    if milligrams:
        notes.insert(0, "Doses in mg (1 g = 1000 mg): no dose with a decimal point.")
    groups = _row_groups(cells, _common_notes(cells))
    return {
        "kind": "weight-band",
        "neonatal": neonatal,
        "calculator": table.calculator,
        "regimen_id": table.regimen,
        "short_title": f"{table.regimen_name}, {dose_text}",
        "title": f"{table.regimen_name}: {dose_text} {'once' if days == 1 else f'daily × {days} days'}"
        f" ({span}{', neonatal' if neonatal else ''})",
        # Obese adults are read off the dosing-weight look-up: said first, in bold (print review A4).
        "bmi": bmi,
        "note": " ".join(notes),
        "product": {"id": table.product, "name": table.product_name} if table.product else None,
        "days": days,
        "unit": "mg" if milligrams else table.unit,
        "groups": groups,
        "common_notes": _common_notes(cells),
        "rows": cells,
        "rates": any(c["rate"] for c in cells) and not neonatal,
        "repeat": bool(repeat),
        "vials": any(c["vials"] for c in cells),
    }


def licence_note(product: Any) -> str:
    """Which licences of the product the handbook records, as a table prints them beside a
    row the engine calls unlicensed: "Licence recorded here: US (FDA prescribing
    information), chronic ITP, 15 years and older. Check the label of the product in your
    hand." Only what content/products.yaml records, each licence by its region."""
    if product is None or not product.licensed:
        return ""
    recorded = "; ".join(f"{use.region}, {use.indication}, {use.ages}" for use in product.licensed)
    plural = "s" if len(product.licensed) > 1 else ""
    return f"{product.name} licence{plural} recorded here: {recorded}. Check the label of the product in your hand."


def _infusion_note(risk: bool, schedule: Any, maximum: str) -> str:
    """With renal or thrombotic risk and no at-risk maximum recorded the engine gives the
    start rate only (second clinical review, W6): the note must not invite an increase."""
    if risk and schedule.max_rate_at_risk is None:
        return (
            "By dosing weight: the start rate only. No lower maximum for renal or thrombotic risk is "
            "recorded: keep to the lowest practicable rate, as the label asks, and agree any increase "
            "with pharmacy or haematology."
        )
    return f"By dosing weight; start at the first step and increase as tolerated. {maximum}."


def _infusion_tables(program: Any, regimen: str, weights: list[float], product: Any) -> list[dict[str, Any]]:
    """Infusion-rate steps in mL/h by dosing weight (rows from generator.calc.tables); a
    second table when the lower maximum for renal or thrombotic risk changes the steps."""
    from .calc.display import fmt
    from .calc.tables import infusion_rows

    show = program.display
    tables = []
    previous: list[Any] | None = None
    for risk in (False, True):
        rows = infusion_rows(program, regimen, product.id, weights, at_risk=risk)
        if not rows:
            continue
        header = [
            {"mg_per_kg_min": fmt(rate, show, "mg/kg/min"), "minutes": minutes, "maximum": is_max}
            for rate, minutes, is_max, _ in rows[0].steps
        ]
        if header == previous:
            continue
        previous = header
        schedule = product.schedule
        maximum = f"Maximum {fmt(schedule.max_rate, show, None)} mg/kg/min"
        if schedule.max_rate_at_risk is not None:
            at_risk = fmt(schedule.max_rate_at_risk, show, None)
            maximum += f"; {at_risk} mg/kg/min with risk of renal failure or thrombosis"
        else:
            # Not "follow the product label" beside the label maximum: read alone, that sent at-risk
            # patients to 4 mg/kg/min (print review A5). The topic's cautions say "the lowest rate practicable".
            maximum += (
                f". Risk of thrombosis or renal failure: no lower maximum of {product.name} is recorded; these "
                "steps are not targets: give the lowest practicable rate (see Cautions)"
            )
        tables.append(
            {
                "kind": "infusion",
                "at_risk": risk,
                "calculator": program.id,
                "toc_title": f"Infusion rates: {product.name}"
                + (", risk of renal failure or thrombosis" if risk else ""),
                "title": f"Infusion rates, {product.name} (mL/h)"
                + (": risk of renal failure or thrombosis" if risk else ""),
                "note": _infusion_note(risk, schedule, maximum),
                "steps": header,
                "rows": [
                    {"weight_kg": fmt(r.weight_kg, show, "kg"), "rates": [fmt(st[3], show, "mL/h") for st in r.steps]}
                    for r in rows
                ],
                "footnotes": [],
            }
        )
    return tables


def calculator_tables(handbook: Handbook, topic: Topic, config: PrintConfig) -> list[dict[str, Any]]:
    """Printed tables of the topic's calculators: a weight-band table per regimen of each
    dose calculator and its infusion-rate steps. Every number is computed by
    generator.calc.tables; this stage only chooses the ranges and lays out the rows."""
    from .calc.tables import weight_band_tables
    from .present import neonatal_regimens

    ranges = {name: (r.from_kg, r.to_kg, r.step_kg) for name, r in config.weight_bands.items()}
    tables: list[dict[str, Any]] = []
    for calc_id in _topic_calculators(handbook, topic):
        program = handbook.programs.get(calc_id)
        if program is None or program.dose is None:
            continue
        neonatal = neonatal_regimens(handbook, program.topic)
        # Each regimen's dose as its topic prints it: "0.4 g/kg", not the author's "400 mg/kg".
        owner = handbook.topics.get(program.topic)
        shown = {r.id: fmt_quantity(r.dose) for r in one_unit_per_drug(owner).regimens} if owner else {}
        # The neonatal table lists every 0.1 kg, each row exact for its weight (print review A2).
        for table in weight_band_tables(
            program, ranges, range_for=dict.fromkeys(neonatal, "neonatal"), exact_rows_for=frozenset({"neonatal"})
        ):
            band = config.weight_bands["neonatal" if table.regimen in neonatal else "adult"]
            dose_text = shown.get(table.regimen, table.dose_text)
            licence = licence_note(handbook.products.get(table.product)) if table.product else ""
            tables.append(
                _weight_band_table(program, table, table.regimen in neonatal, band.step_kg, dose_text, licence)
            )
        adjusting = next((r.id for r in program.dose.regimens if r.id not in neonatal), None)
        if adjusting is not None:
            lookup = _dosing_weight_lookup(program, adjusting, config)
            if lookup is not None:
                tables.append(lookup)
        products = program.dose.products
        if products and products[0].schedule is not None:
            regimen = next((r.id for r in program.dose.regimens if r.id not in neonatal), program.dose.regimens[0].id)
            tables.extend(_infusion_tables(program, regimen, list(config.infusion_weights_kg), products[0]))
    for number, table in enumerate(tables):
        table["key"] = table.get("regimen_id") or f"{table['kind']}-{number}"
    # A dose table's BMI rule names the page of its calculator's dosing-weight look-up.
    lookups = {t["calculator"]: t["key"] for t in tables if t["kind"] == "dosing-weight"}
    # And its maximum rates name the page of the rates for patients at risk of renal failure
    # or thrombosis: read alone, a table's maximum was given to them (print review 3, D1).
    at_risk = {t["calculator"]: t["key"] for t in tables if t["kind"] == "infusion" and t["at_risk"]}
    for table in tables:
        if table["kind"] == "weight-band":
            table["lookup_key"] = lookups.get(table["calculator"]) if table["bmi"] else None
            table["at_risk_key"] = at_risk.get(table["calculator"]) if table.get("rates") else None
    return tables


def _dosing_weight_lookup(program: Any, regimen: str, config: PrintConfig) -> dict[str, Any] | None:
    """The dosing weight by height, sex and actual weight, so the weight-band tables serve
    obese adults too; every cell is the engine's dosing weight for an adult."""
    from .calc.display import fmt

    constants = dict(program.constants)
    if "adjust_bmi_above" not in constants or "adult_age" not in constants:
        return None
    show = program.display
    heights, weights = list(config.lookup_heights_cm), list(config.lookup_weights_kg)
    parts = dosing_weight_table(program, regimen, constants["adult_age"], heights, weights)
    if not parts:
        return None
    factor = constants.get("adjusted_body_weight_fraction")
    formula = f"Adjusted body weight = IBW + {fmt(factor, show, None)} × (actual − IBW), IBW by the Devine formula. "
    return {
        "kind": "dosing-weight",
        "calculator": program.id,
        "toc_title": f"Dosing weight look-up: BMI above {fmt(constants['adjust_bmi_above'], show, None)} kg/m²",
        "title": f"Dosing weight (kg) for adults with BMI above {fmt(constants['adjust_bmi_above'], show, None)} kg/m²",
        "note": (formula if factor is not None else "")
        + f"Aged {fmt(constants['adult_age'], show, None)} years or over. Dosing weights rounded down to 0.5 kg. "
        "Between columns or rows, read the lower actual weight and the lower height; the cell covers the weights "
        "up to the next column. A: dose on actual body weight. A cell of two lines, \u201cA\u2264N\u201d over "
        "D: actual body weight up to N kg, above N kg the dosing weight D. "
        f"{PHARMACY}: no dosing weight can be worked out here: calculate the dose with pharmacy. "
        "Then read the dose table's row for this weight. "
        + _off_grid(program, regimen, config, factor),
        "tables": [
            {"sex": t.sex, "heights": [fmt(h, show, "cm") for h in t.heights_cm], "cells": t.cells} for t in parts
        ],
        "weights": [fmt(w, show, "kg") for w in weights],
    }


def _off_grid(program: Any, regimen: str, config: PrintConfig, factor: float | None) -> str:
    """What the look-up says for patients off its grid: the engine's warning for the heights
    where it does not adjust, and the formula worked through for one heavier patient (the
    engine's IBW and dosing weight, never typed: print review 3, finding 5)."""
    from .calc.display import fmt
    from .print_tables import dosing_weight_example, height_warning

    show, adult = program.display, dict(program.constants)["adult_age"]
    heights, weights = config.lookup_heights_cm, config.lookup_weights_kg
    text = ""
    for sex in ("female", "male"):
        short = [h for h in heights if height_warning(program, regimen, adult, sex, h, weights[-1])]
        if short:
            message = height_warning(program, regimen, adult, sex, short[0], weights[-1])
            rows = " and ".join(fmt(h, show, "cm") for h in short)
            text += f"Rows {rows} cm, and anyone shorter: {message} "
            break
    if config.lookup_example is None or factor is None:
        return text
    ex = dosing_weight_example(program, regimen, adult, *config.lookup_example)
    if ex is None:
        return text
    ibw, weight = fmt(ex.ibw_kg, show, "kg"), fmt(ex.weight_kg, show, "kg")
    return text + (
        f"Above {fmt(weights[-1], show, 'kg')} kg, or a height between the rows when the exact weight matters: "
        f"work it out. Example, {ex.sex}, {fmt(ex.height_cm, show, 'cm')} cm, {weight} kg: IBW {ibw} kg; "
        f"{ibw} + {fmt(factor, show, None)} × ({weight} − {ibw}) = {fmt(ex.dosing_weight_kg, show, 'kg')} kg; "
        f"read the dose table at {fmt(ex.read_at_kg, show, 'kg')} kg."
    )


def decision_units(handbook: Handbook) -> dict[str, list[tuple[str, float]]]:
    """For each decision table a calculator reads: the other units readers may
    count in, with how many of them make one of the table's unit."""
    out: dict[str, list[tuple[str, float]]] = {}
    for program in handbook.programs.values():
        if program.decision is None:
            continue
        measure = next(i for i in program.inputs if i.id == program.decision.measure)
        others = [(fmt_unit(a.unit), 1 / a.factor) for a in measure.alternatives if a.field is None]
        out[f"{program.topic}/{program.decision.table}"] = others
    return out


def _reference_numbers(topic: Topic) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for ref_id in _walk_cites(topic):
        numbers.setdefault(ref_id, len(numbers) + 1)
    return numbers


# Fields with a block of their own in topic.html.j2.
SPECIAL_BLOCKS = frozenset(
    {
        "bottom_line",
        "decision_tables",
        "indications",
        "regimens",
        "calculators",
        "special_populations",
        "adverse_effects",
        "monitoring",
        "response",
        "predictors",
        "plain_language",
        "related",
    }
)


def _kind(name: str, value: Any) -> str:
    """How a section is laid out: its own block, a list of statements, a list of headed
    items (contraindications, cautions: "**Heading (products).** Text"), or generic."""
    if name in SPECIAL_BLOCKS:
        return name
    if isinstance(value, list) and all(type(v) is Statement for v in value):
        return "statements"
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, BaseModel) and "text" in type(v).model_fields for v in value)
    ):
        return "headed"
    return "generic"


# Fields of a headed item that its heading, its text or its citation marks already print.
HEADED_FIELDS = frozenset(
    {"condition", "title", "kind", "severity", "products", "text", "risk_factors", "cite", "evidence", "grade"}
)


def headed_parts(value: BaseModel, products: dict[str, Any]) -> dict[str, Any]:
    """A contraindication or caution as a reader scans it: a bold heading (the condition or
    title, else the kind in words), the products by name, never the field names or ids
    ("Kind: other; Title: ..." leaked the schema onto paper: print review B12)."""
    head = getattr(value, "condition", None) or getattr(value, "title", None)
    kind = getattr(value, "kind", None)
    if not head and kind is not None and str(kind) != "other":
        head = humanise(str(kind).replace("-", "_"))
    names = [products[p].name if p in products else p for p in getattr(value, "products", [])]
    rest = [n for n in type(value).model_fields if n not in HEADED_FIELDS and getattr(value, n) not in (None, [], "")]
    return {
        "head": head or "",
        "products": names,
        "caution_only": getattr(value, "severity", None) == "caution",
        "risk_factors": list(getattr(value, "risk_factors", [])),
        "rest": rest,
    }


def _sections(topic: Topic, *, has_tables: bool = False) -> list[tuple[str, str, str]]:
    """(field, heading, kind) of every non-empty section of a topic, known fields
    first; fields added to the schema later come before "for patients" and "related".
    The calculators section holds the printed tables, so it shows when there are any."""
    known = dict(SECTION_ORDER)
    names = [name for name, _ in SECTION_ORDER if name in type(topic).model_fields]
    extra = [name for name in type(topic).model_fields if name not in known and name not in HEADER_FIELDS]
    names = names[:-2] + extra + names[-2:]
    return [
        (name, known.get(name) or humanise(name), _kind(name, getattr(topic, name)))
        for name in names
        if (has_tables if name == "calculators" else getattr(topic, name, None) not in (None, [], ""))
    ]


def quick_reference(handbook: Handbook, printed: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page after the cover carries, found in the printed topics: the emergency
    pathway of the first topic that has one and dose tables (other emergency sections by
    page), the grade bands of the first decision table a calculator reads, and the first
    weight-band table (the first regimen of the first dose calculator, as the calculator
    offers it first)."""
    emergencies = [item for item in printed if item["topic"].emergency]
    main = next((item for item in emergencies if item["tables"]), emergencies[0] if emergencies else None)
    grades = None
    printed_ids = {item["topic"].id for item in printed}
    for calc in handbook.calculators.values():
        if calc.decision is not None and calc.topic in printed_ids:
            table = next((t for t in handbook.topics[calc.topic].decision_tables if t.id == calc.decision.table), None)
            if table is not None:
                grades = {"topic": calc.topic, "table": table}
                break
    dose = next(((item["topic"].id, t) for item in printed for t in item["tables"] if t["kind"] == "weight-band"), None)
    return {
        "emergency": main,
        "other_emergencies": [item["topic"] for item in emergencies if item is not main],
        "grades": grades,
        "dose": {"topic": dose[0], "table": dose[1]} if dose else None,
        "dose_tables": [
            (item["topic"].id, t) for item in printed for t in item["tables"] if t["kind"] == "weight-band"
        ],
        # The dosing-weight look-up and the infusion rates: what the review found missing from Contents.
        "lookups": [
            (item["topic"].id, t)
            for item in printed
            for t in item["tables"]
            if t["kind"] in ("dosing-weight", "infusion")
        ],
        "contraindications": [
            item["topic"].id for item in printed if item["tables"] and getattr(item["topic"], "contraindications", None)
        ],
    }


def table_anchor(topic_id: str, table: dict[str, Any]) -> str:
    """Fragment id of one printed calculator table (contents, quick reference, index)."""
    return anchor(topic_id, f"table-{table['key']}")


def _pending(topic: Topic) -> bool:
    return topic.review.status is not ReviewStatus.approved


def _build_stamp() -> str:
    """W3C date-time of the build for the PDF metadata: SOURCE_DATE_EPOCH when set,
    so two builds of the same content give the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch else dt.datetime.now(tz=dt.UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_context(
    handbook: Handbook,
    *,
    size: str = "a6",
    topic_id: str | None = None,
    build_date: dt.date | None = None,
    config: PrintConfig | None = None,
    marks: bool = False,
) -> dict[str, Any]:
    """Everything the print templates need, computed before any HTML is written.
    ``marks``: the print-shop variant, with 3 mm bleed and crop marks."""
    config = config or load_print_config()
    if size not in config.sizes:
        raise PrintError(f"unknown page size '{size}' (expected one of {', '.join(config.sizes)})")
    if topic_id is not None and topic_id not in handbook.topics:
        raise PrintError(f"no topic '{topic_id}' (expected one of {', '.join(handbook.topics)})")
    build_date = build_date or today()
    topics = [handbook.topics[topic_id]] if topic_id else list(handbook.topics.values())

    # Specialties in the order handbook.yaml gives, then the others alphabetically.
    order = {name: i for i, name in enumerate(handbook.meta.specialties)}
    topics.sort(key=lambda t: (order.get(t.specialty, len(order)), t.specialty.casefold(), t.title.casefold()))
    groups: dict[str, list[Topic]] = {}
    for topic in topics:
        groups.setdefault(topic.specialty, []).append(topic)

    pending = [t for t in topics if t.review.status is not ReviewStatus.approved]
    printed = []
    previous: Topic | None = None
    for topic in topics:
        # Every topic starts a page: one run on in mid-page left its title, keywords and
        # summary at a page foot, and the contents sent the reader to the previous topic's
        # references (print review C16). A page also never mixes a pending topic (marked
        # on every page) with an approved one. The edge tab changes with the specialty.
        new_specialty = previous is None or previous.specialty != topic.specialty
        previous = topic
        numbers = _reference_numbers(topic)
        tables = calculator_tables(handbook, topic, config)
        printed.append(
            {
                "topic": one_unit_per_drug(topic),
                "pending": _pending(topic),
                "new_page": True,
                "new_specialty": new_specialty,
                "tab_index": list(groups).index(topic.specialty),
                "sections": _sections(topic, has_tables=bool(tables)),
                "refnum": numbers,
                "references": [(n, handbook.references[ref_id]) for ref_id, n in numbers.items()],
                "tables": tables,
            }
        )
    return {
        "meta": handbook.meta,
        "size": config.sizes[size],
        "fonts": config.font_files,
        "font_family": config.font_family,
        "build_date": build_date,
        "build_stamp": _build_stamp(),
        "groups": groups,
        "topics": printed,
        "titles": {t.id: t.title for t in handbook.topics.values()},
        "printed_ids": {t.id for t in topics},
        "print_order": {t.id: number for number, t in enumerate(topics)},
        "pending_count": len(pending),
        # The edition is due for review when its first topic is: the cover says so.
        "next_review_due": min((t.review.next_review_due for t in topics), default=None),
        "withdrawn": getattr(handbook.meta.edition, "withdrawn", None),
        "topic_count": len(topics),
        "glossary": sorted(handbook.glossary.terms, key=lambda g: g.abbr.casefold()),
        "products": handbook.products,
        "single_topic": topic_id is not None,
        "decision_units": decision_units(handbook),
        "marks": marks,
        "quick": quick_reference(handbook, printed),
    }


# --------------------------------------------------------------------------- render


def _in_house_style(present: Callable[[Any, Any], str]) -> Callable[..., str]:
    """A presenter as a filter that spells units in the handbook's notation
    (content/handbook.yaml ``notation``, in the context as ``meta``), as the site's does."""

    @jinja2.pass_context
    def in_style(context: Any, value: Any) -> str:
        meta = context.get("meta")
        return present(value, meta.notation if meta is not None else None)

    return in_style


@cache
def _environment() -> jinja2.Environment:
    env = template_environment(PRINT_THEME)
    env.filters.update(
        num=fmt_number,
        grouped=fmt_grouped,
        quantity=_in_house_style(fmt_quantity),
        unit=_in_house_style(lambda unit, notation: fmt_unit(unit, notation=notation)),
        figure=_in_house_style(fmt_figure),
        band=lambda band, factor=1: fmt_band(band, None, factor),
        md=inline_markdown,
        sentence=sentence,
        printed_url=printed_url,
        humanise=humanise,
        running_title=running_title,
        cite_numbers=lambda cite, refnum: sorted({refnum[ref_id] for ref_id in cite}),
    )
    env.globals.update(
        anchor=anchor,
        headed_parts=headed_parts,
        table_anchor=table_anchor,
        is_model=lambda v: isinstance(v, BaseModel),
        field_names=lambda v: list(type(v).model_fields),
        not_covered_text=NOT_COVERED_TEXT,
    )
    return env


def render_html(handbook: Handbook, **options: Any) -> str:
    """The pocket guide as one HTML document (see :func:`build_context` for options)."""
    context = build_context(handbook, **options)
    env = _environment()
    html = env.get_template("handbook.html.j2").render(**context)
    # The index is written after its terms are anchored where they are printed (print_index).
    choices = (options.get("config") or load_print_config()).index
    terms = index_terms(handbook, context["topics"], table_anchor, anchor, choices)
    if context["quick"]["emergency"] or context["quick"]["grades"] or context["quick"]["dose"]:
        terms.insert(0, IndexTerm("quick reference", None, fixed="quick-reference"))
    html, index = anchor_terms(html, terms, context["titles"], choices)
    html = html.replace(INDEX_MARK, env.get_template("index.html.j2").render(index=index), 1)
    # One pass over the whole document, so no number escapes it, whichever template wrote it:
    # micrograms in the house style (prose, regimens, table cells), then numbers kept with units.
    return keep_together(house_words_html(html, handbook.meta.notation))


def _fetcher() -> Any:
    """A URL fetcher that serves only the print theme and the font files: the
    build never reaches the network, and author text cannot pull in files."""
    from weasyprint.urls import URLFetcher

    allowed = [PRINT_THEME, *{p.parent for p in load_print_config().font_files.values()}]

    class LocalFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = local_path(url)
            if path is not None and any(path.is_relative_to(root.resolve()) for root in allowed):
                return super().fetch(path.as_uri(), headers)
            raise ValueError(f"the pocket guide fetches only its theme and fonts (refused {url})")

    return LocalFetcher(allowed_protocols={"file"}, fail_on_errors=True)


def local_path(url: str) -> Path | None:
    """The real file a ``file:`` URL names, decoded (``%2e%2e`` is "..") and resolved
    (links followed) before any check; None for another scheme, a host, or a
    path that still carries a "%" or a backslash after decoding."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("",):
        return None
    decoded = unquote(parts.path)
    if "%" in decoded or "\\" in decoded or "\x00" in decoded or not decoded.startswith("/"):
        return None
    return Path(decoded).resolve()


@contextlib.contextmanager
def _page_progress(say: Callable[[str], None] | None, started: float) -> Iterator[None]:
    """Turn WeasyPrint's "Creating layout - Page N" log records into a progress line."""
    if say is None:
        yield
        return
    page_number = re.compile(r"Creating layout - Page (\d+)")
    passes = [1]

    class PageHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if "Repagination" in message:
                passes[0] += 1  # page numbers in the contents and index moved pages: WeasyPrint lays out again
            match = page_number.search(message)
            if match:
                again = f", pass {passes[0]}" if passes[0] > 1 else ""
                say(f"\r\033[Kpdf: page {match.group(1)} laid out ({time.perf_counter() - started:.1f} s{again})")

    logger = logging.getLogger("weasyprint.progress")
    handler, level, propagate = PageHandler(), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the progress records are for this line, not for the root logger
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _progress_enabled(quiet: bool) -> bool:
    if quiet or os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    return sys.stderr.isatty()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """WeasyPrint builds one large graph (boxes, then PDF objects) that stays alive
    until the file is written, and the cyclic collector would walk it again and
    again: for a 753-page guide, 0.104 s per page with it, 0.083 s without, for a
    quarter more peak memory (1.06 -> 1.31 GB). Collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_document(handbook: Handbook, **options: Any) -> Any:
    """The laid-out WeasyPrint document (pages known, nothing written yet): the whole guide
    padded to a multiple of four pages (:func:`padded`); a single topic as it falls."""
    import weasyprint

    html = render_html(handbook, **options)
    with _collector_paused():
        document = weasyprint.HTML(string=html, base_url=str(PRINT_THEME) + "/", url_fetcher=_fetcher()).render(
            pdf_variant=PDF_VARIANT
        )
        if options.get("topic_id") is None:
            document = padded(document, handbook, **options)
    return document


def padded(document: Any, handbook: Handbook, **options: Any) -> Any:
    """The guide with pages added to reach a multiple of four (a saddle-stitched booklet
    folds four pages to a sheet): a "Local doses and contacts" page to fill in, always, then
    ruled note pages, never blank ones (print review 3, finding 17). They are laid out on their
    own after the guide, numbered on from its last page, so the guide is laid out once."""
    import weasyprint

    config = options.get("config") or load_print_config()
    local = config.local_pages
    if not local:
        return document
    # The local page always (a guide that happens to fill its last sheet still needs it),
    # then note pages to the next multiple of four.
    missing = 1 + -(len(document.pages) + 1) % 4
    first = len(document.pages) + 1
    notes = {"title": local["notes_title"], "lines": [""] * int(local["notes_lines"])}
    first_page = {"title": local["title"], "intro": local["intro"], "lines": local["lines"]}
    # What the stylesheet needs, not the guide's whole context (its tables cost seconds).
    context = {
        "meta": handbook.meta,
        "size": config.sizes[options.get("size") or "a6"],
        "fonts": config.font_files,
        "font_family": config.font_family,
        "marks": bool(options.get("marks")),
    }
    left_first = first % 2 == 0
    html = _environment().get_template("local.html.j2").render(
        # An even page is a left-hand page: the extra pages then start on the left (after a
        # page that is dropped), so the mirrored margins and the outer folios stay right.
        **context,
        pages=[first_page] + [notes] * (missing - 1),
        first_folio=first - left_first,
        left_first=left_first,
    )
    extra = weasyprint.HTML(string=html, base_url=str(PRINT_THEME) + "/", url_fetcher=_fetcher()).render(
        pdf_variant=PDF_VARIANT
    )
    return document.copy(document.pages + extra.pages[int(left_first) :])


@contextlib.contextmanager
def _page_references_once() -> Iterator[None]:
    """For PDF/UA, WeasyPrint tags every box with its page and looks the page up in
    ``pydyf.PDF.page_references``, which builds the tuple of every page's reference
    afresh on each call: writing cost boxes x pages (26 of 88 s for a 753-page
    guide). While a guide is written, the tuple is built once per page count. Same
    values, same bytes (tests/test_pdf.py compares)."""
    import pydyf

    original = pydyf.PDF.page_references

    def page_references(pdf: Any) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_handbook_page_references")
        if cached is None or cached[0] is not kids or cached[1] != len(kids):
            cached = (kids, len(kids), original.fget(pdf))
            pdf.__dict__["_handbook_page_references"] = cached
        return cached[2]

    pydyf.PDF.page_references = property(page_references)
    try:
        yield
    finally:
        pydyf.PDF.page_references = original


def write_document(document: Any, out: Any) -> None:
    """Write a laid-out document (see :func:`render_document`) as PDF/UA-1 to the
    binary file ``out``."""
    with _page_references_once(), _collector_paused():
        document.write_pdf(out, pdf_variant=PDF_VARIANT)


def _current_umask() -> int:
    """The process umask (reading it means setting it; it is put back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_pdf(
    handbook: Handbook,
    path: Path | str,
    *,
    size: str = "a6",
    topic_id: str | None = None,
    quiet: bool = True,
    log: Callable[[str], None] | None = None,
    marks: bool = False,
    booklet: bool = False,
) -> int:
    """Render the pocket guide to ``path`` (PDF/UA-1) and return its page count.

    The PDF is written to a temporary file in the target folder and moved over
    the target only after WeasyPrint finished, so a failure leaves no file (and
    an older PDF at the target untouched)."""
    started = time.perf_counter()
    show = _progress_enabled(quiet)
    say = log or (lambda line: print(line, end="", file=sys.stderr, flush=True))
    if show:
        say("\rpdf: laying out pages...")
    with _page_progress(say if show else None, started):
        document = render_document(handbook, size=size, topic_id=topic_id, marks=marks)
    pages = len(document.pages)
    if show:
        say(f"\r\033[Kpdf: {pages} pages laid out ({time.perf_counter() - started:.1f} s), writing...")

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            if booklet:
                # Imposed from the finished guide, so its pages are the same as the reading copy's.
                from .impose import impose_booklet

                reading = io.BytesIO()
                write_document(document, reading)
                impose_booklet(reading.getvalue(), out)
            else:
                write_document(document, out)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp creates the file 0600; a web server running as another user would then
        # answer 403 for the guide. The user's umask decides, as for any file they write.
        os.chmod(temp_name, 0o666 & ~_current_umask())
        os.replace(temp_name, target)
    except BaseException:
        # BaseException: WeasyPrint's fatal fetch error is one, and Ctrl-C must not leave a .part file either.
        Path(temp_name).unlink(missing_ok=True)
        raise
    if show:
        say("\r\033[K")  # the caller prints the summary line; the progress line goes away
    return pages
