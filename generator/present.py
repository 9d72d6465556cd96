"""How clinical numbers and units are shown to readers, on the site and on paper.

The house notation: platelet counts in ×10⁹/L or per µL, kg/m², numbers with a leading zero
(0.4) and no trailing zeros (1, not 1.0), a number and its unit separated by a space (10%
excepted), and micrograms and units spelt in the handbook's style (content/handbook.yaml
``notation.style``: BNF writes micrograms in full, ISMP writes mcg; both write units in full).
The calculators get the same spellings from :func:`unit_notation`.

One module for both outputs: a dose must never read "0.0125 g/kg" on a page and
"0.013 g/kg" in the pocket guide. Numbers an author wrote are shown exactly as
written; numbers derived at build time (a band converted to /uL) are rounded here.
Numbers the calculator computes are formatted by the engine (``generator.calc.display``).
Both outputs also set up their Jinja templates the same way (:func:`template_environment`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from .model.common import Figure, Quantity, Unit
from .model.handbook import Notation, NotationStyle
from .model.topic import Band, Dose

__all__ = [
    "UNIT_DISPLAY",
    "bind_units",
    "figure_joint",
    "fmt_band",
    "fmt_figure_value",
    "fmt_grouped",
    "fmt_number",
    "fmt_quantity",
    "fmt_unit",
    "house_notation",
    "house_words",
    "house_words_html",
    "keep_together",
    "one_unit_per_drug",
    "template_environment",
    "unit_notation",
]


def template_environment(folder: Path, **options: Any) -> jinja2.Environment:
    """Jinja as both outputs use it, each adding its own filters: author text is
    escaped even where a template forgets a filter, a typo in a template fails the
    build instead of printing nothing for the reader, and block tags leave no
    blank lines behind."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        **options,
    )


# Typography of the controlled unit vocabulary; content keeps the ASCII spelling.
UNIT_DISPLAY = {"x10^9/L": "×10⁹/L", "/uL": "/µL", "kg/m2": "kg/m²", "mg/m2": "mg/m²", "m2": "m²", "umol/L": "µmol/L"}

# Units whose spelling depends on the house style and on the number: (one, several).
# microgram and microgram/kg are spelt here ahead of the vocabulary (model.common.Unit):
# a unit added there under these names is shown in the house style at once.
_SPELT: dict[str, dict[NotationStyle, tuple[str, str]]] = {
    "microgram": {NotationStyle.bnf: ("microgram", "micrograms"), NotationStyle.ismp: ("mcg", "mcg")},
    "microgram/kg": {NotationStyle.bnf: ("microgram/kg", "micrograms/kg"), NotationStyle.ismp: ("mcg/kg", "mcg/kg")},
    # The vocabulary's own spellings (model.common.Unit), so structured doses read as prose does.
    "mcg": {NotationStyle.bnf: ("microgram", "micrograms"), NotationStyle.ismp: ("mcg", "mcg")},
    "mcg/kg": {NotationStyle.bnf: ("microgram/kg", "micrograms/kg"), NotationStyle.ismp: ("mcg/kg", "mcg/kg")},
    "mcg/mL": {NotationStyle.bnf: ("microgram/mL", "micrograms/mL"), NotationStyle.ismp: ("mcg/mL", "mcg/mL")},
    "unit": {NotationStyle.bnf: ("unit", "units"), NotationStyle.ismp: ("unit", "units")},
    "units/kg": {NotationStyle.bnf: ("unit/kg", "units/kg"), NotationStyle.ismp: ("unit/kg", "units/kg")},
    **{
        word: {NotationStyle.bnf: (word, word + "s"), NotationStyle.ismp: (word, word + "s")}
        for word in ("day", "week", "month", "year")
    },
}
_DEFAULT = Notation()


def fmt_unit(unit: Any, amount: float | None = None, notation: Notation | None = None) -> str:
    """A unit as readers see it: ``×10⁹/L``, ``/µL``, ``micrograms/kg`` (BNF) or
    ``mcg/kg`` (ISMP); singular after exactly 1 (``1 unit``), plural otherwise."""
    value = getattr(unit, "value", unit)
    spelt = _SPELT.get(value)
    if spelt is not None:
        one, several = spelt[(notation or _DEFAULT).style]
        return one if amount == 1 else several
    return UNIT_DISPLAY.get(value, value)


def unit_notation(notation: Notation | None = None) -> dict[str, list[str]]:
    """Every unit of the vocabulary as [after 1, after any other number], for the
    calculators' compiled specs: the engine shows units as the pages do."""
    return {u.value: [fmt_unit(u, 1, notation), fmt_unit(u, 2, notation)] for u in Unit}


def fmt_number(value: float | int) -> str:
    """A number as its author wrote it: the shortest text that reads back as the
    same number (0.4, 1, 0.0125, 82.3), never rounded."""
    if isinstance(value, bool):
        raise TypeError("a clinical number cannot be a boolean")
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def fmt_grouped(value: float | int, decimals: int = 3) -> str:
    """A number derived at build time: at most ``decimals`` places, no trailing
    zeros, thousands separated (25,000)."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _with_unit(number: str, unit: Any, amount: float | None = None, notation: Notation | None = None) -> str:
    shown = fmt_unit(unit, amount, notation)
    return f"{number}{shown}" if shown == "%" else f"{number} {shown}"


def fmt_quantity(quantity: Quantity | Dose | None, notation: Notation | None = None) -> str:
    """``1 g/kg``, ``10%``, ``2 micrograms/kg`` (BNF) or ``2 mcg/kg`` (ISMP)."""
    if quantity is None:
        return ""
    amount = quantity.amount if isinstance(quantity, Dose) else quantity.value
    return _with_unit(fmt_number(amount), quantity.unit, amount, notation)


_LEADS_INTO_NUMBER = re.compile(r"\b(below|above|under|over|from|to|at least|at most|up to)$")


def figure_joint(label: str) -> str:
    """What stands between a figure's label and its number: a colon ("time to response:
    2 days"), or a space after a label that leads into its number ("severe renal
    impairment below 30 mL/min", not "below: 30": print review 5)."""
    return " " if _LEADS_INTO_NUMBER.search(label) else ": "


def fmt_figure_value(figure: Figure, notation: Notation | None = None) -> str:
    """The number part of a reported figure: ``up to 80%``, ``2–4 days``, ``≥ 5 h``."""
    if figure.value is not None:
        number = fmt_number(figure.value)
    elif figure.low is not None and figure.high is not None:
        number = f"{fmt_number(figure.low)}–{fmt_number(figure.high)}"
    elif figure.low is not None:
        number = f"≥ {fmt_number(figure.low)}"
    else:
        assert figure.high is not None  # the model requires a value or a bound
        number = f"≤ {fmt_number(figure.high)}"
    # A range or a bound reads with the plural ("1–2 micrograms").
    text = _with_unit(number, figure.unit, figure.value, notation)
    return f"{figure.qualifier} {text}" if figure.qualifier else text


def fmt_band(band: Band, unit: Any = None, factor: float = 1) -> str:
    """A band's range in reader terms: ``< 25``, ``25 to < 50``, ``≥ 150``, in
    ``unit`` when given (after multiplying by ``factor``, e.g. 1000 for x10^9/L -> /uL)."""

    def number(value: float) -> str:
        return fmt_number(value) if factor == 1 else fmt_grouped(value * factor)

    if band.min in (None, 0) and band.below is not None:
        text = f"< {number(band.below)}"
    elif band.below is None:
        text = f"≥ {number(band.min or 0)}"
    else:
        text = f"{number(band.min or 0)} to < {number(band.below)}"
    return f"{text} {fmt_unit(unit)}" if unit is not None else text


# --------------------------------------------------------------------------- line breaking

# A number with what qualifies it: "< 50", "0.8–1 g/kg", "24 to 48 h", "25 ×10⁹/L",
# "(40–150 kg)". A reader must never find "2 g/" at a line end and "kg" on the next.
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_UNIT_WORDS = (
    "g|mg|mcg|micrograms?|kg|mL|L|h|hours?|min|minutes?|days?|weeks?|months?|years?|%|"
    "mmol|µmol|units?|vials?|doses?|patients?|IU|cm|m|mm|inch(?:es)?|pt|°C"
)
_UNIT = rf"(?:(?:{_UNIT_WORDS})(?:/[\w⁹²µ^]+)*|[x×]10[\^⁰-⁹\d]*/\w+|/[µu]L|/\w+)(?![\w/])"
# A compound quantity ("40 mg/0.4 mL", "100 mg in 10 mL") is one: "40 mg/0." at a line end
# and "4 mL" on the next read as two doses (print review, enoxaparin syringes).
_PER_AMOUNT = rf"(?:\s?/\s?{_NUMBER}\s?(?:{_UNIT_WORDS})(?![\w/]))"
_QUANTITY = re.compile(
    rf"(?:(?:&lt;|&gt;|[<>≤≥])\s?)?{_NUMBER}"
    rf"(?:\s?[–-]\s?{_NUMBER}|\sto\s(?:(?:&lt;|[<≤])\s|below\s)?{_NUMBER})?"
    rf"(?:\s?(?:{_UNIT_WORDS}){_PER_AMOUNT}|\s?{_UNIT})?"
)
# A minus (or a hyphen standing for one) between spaces stays with what it subtracts:
# at a line end it would read as a hyphen.
_MINUS = re.compile(r"(?<=\s)[−-]\s[\w(][^\s<]*")
# ... and with the word before it, so no line starts with the minus ("- IBW)" read as a dash).
_MINUS_WITH_LEFT = re.compile(r"[\w)]+\s[−]\s[\w(][^\s<]*")
# A formula's operator chain stays on one line: "(140 − age) × weight ÷ (72 × creatinine)"
# broken after "×" reads as two statements (print review 3, finding 14).
_OPERAND = r"(?:\([^()<>]{1,40}\)|[\w.]+)"
_FORMULA = re.compile(rf"{_OPERAND}(?: [×÷] {_OPERAND})+")
_TAG = re.compile(r"(<[^>]*>)")
_SKIP = re.compile(r"<(style|script|title|head)\b", re.IGNORECASE)


def _join(match: re.Match[str]) -> str:
    text = match.group(0)
    if not re.search(r"[\s–/-]", text):
        return text  # a bare number or "10%" cannot break anyway
    return f'<span class="nobr">{text}</span>'


def _on_text_nodes(html: str, change: Callable[[str], str]) -> str:
    """``html`` with ``change`` applied to each text node that has more than white space
    (tags, attributes and the contents of ``<head>``, ``<title>``, ``<style>`` and
    ``<script>`` untouched)."""
    out: list[str] = []
    skipping = None
    for part in _TAG.split(html):
        if part.startswith("<"):
            opened = _SKIP.match(part)
            if opened and skipping is None:
                skipping = opened.group(1).lower()
            elif skipping and part.lower().startswith(f"</{skipping}"):
                skipping = None
            out.append(part)
        else:
            out.append(part if skipping or not part.strip() else change(part))
    return "".join(out)


def keep_together(html: str) -> str:
    """Bind numbers to their units, ranges to their ends and a minus to its operand in
    an HTML fragment (text nodes only; tags, attributes and ``<head>`` untouched) by
    wrapping each in ``<span class="nobr">`` (the stylesheet gives it ``white-space: nowrap``).
    The printed text is unchanged, so text extraction and search read the same words."""

    def bind(text: str) -> str:
        # A formula is kept whole; the text around it has its quantities and minuses bound.
        pieces = _FORMULA.split(text)
        formulas = [f'<span class="nobr">{m.group(0)}</span>' for m in _FORMULA.finditer(text)]
        return "".join(_bind(p) + (formulas[i] if i < len(formulas) else "") for i, p in enumerate(pieces))

    return _on_text_nodes(html, bind)


def _bind(text: str) -> str:
    text = _QUANTITY.sub(_join, text)
    if _MINUS_WITH_LEFT.search(text):
        return _MINUS_WITH_LEFT.sub(lambda m: f'<span class="nobr">{m.group(0)}</span>', text)
    return _MINUS.sub(lambda m: f'<span class="nobr">{m.group(0)}</span>', text)


# --------------------------------------------------------------------------- one unit per drug

# Per-kg dose units, smallest first, each 1000 of the one before. Whole doses keep the
# author's unit: the BNF writes "500 mg", not "0.5 g", beside a 1 g dose.
_LADDERS = (("mcg/kg", "mg/kg", "g/kg"),)


def _larger_unit(units: set[str]) -> dict[str, tuple[str, int]]:
    """unit -> (the largest unit of its ladder among ``units``, how many of it make one)."""
    out = {}
    for ladder in _LADDERS:
        present = [u for u in ladder if u in units]
        if len(present) > 1:
            top = ladder.index(present[-1])
            out.update({u: (present[-1], 1000 ** (top - ladder.index(u))) for u in present[:-1]})
    return out


def _in_unit(quantity: Any, field: str, unit: str, per: int) -> Any:
    # Decimal: 400 mg/kg is 0.4 g/kg exactly, never 0.39999999999999997.
    value = float(Decimal(str(getattr(quantity, field))) / per)
    return quantity.model_copy(update={field: value, "unit": unit})


def one_unit_per_drug(topic: Any) -> Any:
    """The topic as readers see it: each drug's doses and maxima in one unit, the largest
    its regimens use, so "0.4 g/kg" and "400 mg/kg" of IVIG never stand on one page (print
    review 3, finding 10). Only the unit changes, by an exact power of 1000: 400 mg/kg is
    shown as 0.4 g/kg. The content and the engine keep the author's numbers."""
    units: dict[str, set[str]] = {}
    for regimen in topic.regimens:
        units.setdefault(regimen.drug, set()).add(getattr(regimen.dose.unit, "value", regimen.dose.unit))
    larger = {drug: _larger_unit(found) for drug, found in units.items()}
    regimens = []
    for regimen in topic.regimens:
        to = larger[regimen.drug]
        changes = {}
        for field, number in (("dose", "amount"), ("max_per_dose", "value"), ("max_per_course", "value")):
            quantity = getattr(regimen, field)
            unit = getattr(getattr(quantity, "unit", None), "value", None)
            if unit in to:
                changes[field] = _in_unit(quantity, number, *to[unit])
        regimens.append(regimen.model_copy(update=changes) if changes else regimen)
    if all(a is b for a, b in zip(regimens, topic.regimens, strict=True)):
        return topic
    return topic.model_copy(update={"regimens": regimens})


def neonatal_regimens(handbook: Any, topic_id: str) -> frozenset[str]:
    """Regimens the topic assigns to neonates (special_populations[].regimen): their printed
    and fallback weight-band tables use the neonatal weight range."""
    topic = handbook.topics.get(topic_id)
    groups = topic.special_populations if topic is not None else []
    return frozenset(g.regimen for g in groups if g.population == "neonates" and g.regimen)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# Authors type units in ASCII in free text ("x10^9/L", "25,000/uL", "kg/m2"); the house
# notation is the controlled vocabulary's (UNIT_DISPLAY). Only spellings that cannot be
# anything else are rewritten; numbers are never touched.
_HOUSE = (
    (
        re.compile(r"(?<![\w^])x ?10\^(\d+) ?/ ?(L|uL|µL)\b"),
        lambda m: f"×10{m.group(1).translate(_SUPERSCRIPT)}/{'L' if m.group(2) == 'L' else 'µL'}",
    ),
    (re.compile(r"(?<=[\d\s(/])uL\b"), lambda m: "µL"),
    (re.compile(r"(?<![\w/])umol/L\b"), lambda m: "µmol/L"),
    # A concentration's volume is a capital L, as in every unit of the vocabulary: "100 mg/ml"
    # in a product's registered name reads "100 mg/mL" (print review 3, finding 18).
    (re.compile(r"(?<=\d )(mg|g|micrograms?|mcg|IU)/ml\b"), lambda m: f"{m.group(1)}/mL"),
    (re.compile(r"(?<![\w/])(kg|mg)/m2\b"), lambda m: f"{m.group(1)}/m²"),
    # Body surface area: "mL/min/1.73 m2" (an eGFR), "1.8 m2".
    (re.compile(r"(?<=\d )m2\b"), lambda m: "m²"),
    # A multiplication sign in a formula: a chain "a x b x ..." with a number in it
    # ("rate x weight x 60", "(1000 x concentration)"); "an x axis" is left alone.
    (
        re.compile(r"[\w()./]+(?: x [\w()./]+)+"),
        lambda m: m.group(0).replace(" x ", " × ") if re.search(r"\d", m.group(0)) else m.group(0),
    ),
    # A unit in parentheses times what follows: "rate (mg/kg/min) x weight (kg)".
    (re.compile(r"(\((?:\w+/[\w/]+|kg|g|mg|mL|h|min)\)) x (?=[\w(])"), lambda m: f"{m.group(1)} × "),
    # A minus in a formula: "0.4 × (actual weight - IBW)" -> "0.4 × (actual weight − IBW)".
    (re.compile(r"(?<=× \()([^()]*?) - ([^()]*?)(?=\))"), lambda m: f"{m.group(1)} − {m.group(2)}"),
)


def house_notation(text: str) -> str:
    """Free text in the house notation: "25 x10^9/L" -> "25 ×10⁹/L", "/uL" -> "/µL",
    "umol/L" -> "µmol/L", "kg/m2" -> "kg/m²", "1.73 m2" -> "1.73 m²", "a x b" -> "a × b"
    (print review D19, D21)."""
    for pattern, replacement in _HOUSE:
        text = pattern.sub(replacement, text)
    return text


# --------------------------------------------------------------------------- words in free text

# Micrograms as an author typed them in prose, a regimen or a table cell: "50 mcg/kg",
# "25 to 60 mcg/kg", "1 mcg = 5 IU", "the dose in mcg". A misread "mcg" is "mg", a
# 1000-fold error, so BNF spells it out (issue 15 item 5, print review 3 finding 11).
# Word-bounded: an identifier ("dose_mcg") or an address keeps its letters.
_MCG = re.compile(r"(?<![\w/.=&?-])mcg(?![\w-])")
# ISMP writes "mcg" where a number is counted in micrograms ("2 micrograms/kg");
# "micrograms and units" as words stay words.
_MICROGRAMS = re.compile(r"(?<=\d)(\s|\xa0)micrograms?(?![\w-])")
# "1 mcg" is one microgram; "0.1 mcg", "21 mcg" and "1–2 mcg" are several.
_ONE_BEFORE = re.compile(r"(?<![\d.,–-])1(?:\s|\xa0)$")


def house_words(text: str, notation: Notation | None = None) -> str:
    """Free text with micrograms in the handbook's style (content/handbook.yaml
    ``notation.style``): BNF "50 micrograms/kg", "1 microgram = 5 IU"; ISMP "50 mcg/kg".
    The one rule for author text on the site (the ``text`` and ``prose`` filters) and
    in the pocket guide (every text node of the printed document)."""
    style = (notation or _DEFAULT).style
    if style is NotationStyle.bnf:
        return _MCG.sub(lambda m: "microgram" if _ONE_BEFORE.search(text, 0, m.start()) else "micrograms", text)
    return _MICROGRAMS.sub(lambda m: f"{m.group(1)}mcg", text)


# A number and the unit after it, joined by one plain space ("80 mg", "1 g/kg", "50 x10^9/L").
_UNIT_AHEAD = rf"(?:{_UNIT_WORDS})(?!\w)|[x×]10|/[µu]L"
_NUMBER_UNIT = re.compile(rf"(?<![\w.,])({_NUMBER}) (?={_UNIT_AHEAD})")
# A range before its unit ("10 to 20 mL", "25 to 60 micrograms/kg"): one quantity too.
_RANGE_UNIT = re.compile(rf"(?<![\w.,])({_NUMBER}) to (?={_NUMBER} (?:{_UNIT_AHEAD}))")


def bind_units(text: str) -> str:
    """Author text with a no-break space between each number and its unit, so a phone
    never ends a line with "80" and starts the next with "mg a day" (the phone review of
    session 9: the decision table's cards, the emergency list, the cautions), and a range
    before its unit is kept whole ("10 to 20 mL"). The site's
    ``text`` and ``prose`` filters; the pocket guide binds whole quantities with
    :func:`keep_together`. A browser's search and copy read U+00A0 as a space."""
    text = _RANGE_UNIT.sub(lambda m: m.group(1) + "\u00a0to\u00a0", text)
    return _NUMBER_UNIT.sub(lambda m: m.group(1) + "\u00a0", text)


def house_words_html(html: str, notation: Notation | None = None) -> str:
    """:func:`house_words` on the text nodes of an HTML document (tags, attributes,
    addresses and ``<style>`` untouched)."""
    return _on_text_nodes(
        html, lambda text: house_words(text, notation) if "mcg" in text or "microgram" in text else text
    )
