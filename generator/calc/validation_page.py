"""The generated validation page of a calculator (under Calculators on the site): its
formulas as readable maths with their sources, its constants and regimens, the engine
version and the program's hash, and every shared vector with the expected values, the
Python engine's result, and the JavaScript engine's result (filled in by calculator.js in
the reader's browser, from the engine the page ships)."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup, escape

from .program import Program
from .validation import Outcome

__all__ = ["validation_page"]


def _attr(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")


def _cites(program: Program, ids: Any) -> str:
    refs = dict(program.references)
    return "; ".join(str(escape(refs[i].label)) for i in ids if i in refs) or "—"


def _formulas(handbook: Any, program: Program) -> list[str]:
    calc = handbook.calculators[program.id]
    library = {f.id: f for f in (handbook.formulas.formulas if handbook.formulas else [])}
    rows = ["<table><thead><tr><th>Value</th><th>Formula</th><th>Sources</th></tr></thead><tbody>"]
    for d in calc.derived:
        if d.use and d.use in library:
            lib = library[d.use]
            args = ", ".join(f"{k} = {v}" for k, v in d.args.items())
            maths = f"{escape(lib.maths)}<br><small>{escape(lib.name)}; {escape(args)}</small>"
            sources = _cites(program, lib.cite) if lib.cite else escape(lib.basis or "")
        elif d.formula:
            maths, sources = f"<code>{escape(d.formula)}</code>", "—"
        elif d.cases:
            maths = "<br>".join(f"when <code>{escape(c.when)}</code>: <code>{escape(c.value)}</code>" for c in d.cases)
            sources = "—"
        else:
            maths, sources = f"bands of <code>{escape(d.of or '')}</code>", "—"
        rows.append(f"<tr><td>{escape(d.label or d.id)}</td><td>{maths}</td><td>{sources}</td></tr>")
    for name, const in calc.constants.items():
        support = _cites(program, const.cite) if const.cite else escape(const.basis or "")
        rows.append(
            f"<tr><td><code>{escape(name)}</code></td><td>{const.value:g} {escape(const.unit)}</td>"
            f"<td>{support}</td></tr>"
        )
    rows.append("</tbody></table>")
    return rows


def _regimens(program: Program) -> list[str]:
    if program.dose is None:
        return []
    lines = ["", "## Regimens", ""]
    for r in program.dose.regimens:
        caps = ", ".join(f"maximum per {c.scope} {escape(c.text)}" for c in r.caps) or "no maximum recorded"
        days = f"{r.days} day" if r.days == 1 else f"{r.days} days"
        lines.append(
            f"- {escape(r.name)}: {escape(r.dose_text)} {escape(r.frequency)}, {days}; {caps}. "
            f"Sources: {_cites(program, r.cite)}."
        )
    return lines


def _vectors(program: Program, outcome: Outcome) -> list[str]:
    if outcome.problem:
        return ["", f"**{escape(outcome.problem)}**"]
    rows = [
        f'<table class="hb-validation" data-calc-validation="{escape(program.id)}">',
        "<thead><tr><th>Case</th><th>Inputs</th><th>Expected (by hand)</th><th>Python engine</th>"
        "<th>JavaScript engine</th></tr></thead><tbody>",
    ]
    for case in outcome.cases:
        shown = {k: case.python.get(k) for k in case.expect}
        verdict = "agrees" if case.python_ok else "DIFFERS"
        rows.append(
            f"<tr data-inputs='{_attr(case.inputs)}' data-python='{_attr(case.python)}'>"
            f"<td><strong>{escape(case.name)}</strong><br><small>{escape(case.note)}</small></td>"
            f"<td><code>{escape(json.dumps(case.inputs, ensure_ascii=False))}</code></td>"
            f"<td><code>{escape(json.dumps(case.expect, ensure_ascii=False))}</code></td>"
            f"<td>{verdict}<br><code>{escape(json.dumps(shown, ensure_ascii=False))}</code></td>"
            "<td data-js>needs JavaScript</td></tr>"
        )
    rows.append("</tbody></table>")
    passed = sum(1 for c in outcome.cases if c.python_ok)
    return [
        "",
        f"{passed} of {len(outcome.cases)} vectors agree with the hand-worked values in the Python engine.",
        "",
        *rows,
    ]


def validation_page(handbook: Any, program: Program, outcome: Outcome) -> str:
    """The Markdown (with HTML tables) of the validation page."""
    lines = [
        f"# Validation: {escape(program.title)}",
        "",
        f"Engine version {program.engine}; compiled program SHA-256 <code>{program.digest()}</code>. "
        "Both engines read this program; the shared vectors below hold them together. "
        f"Run `handbook calc {escape(program.id)} --validate` to check both engines on a computer.",
        "",
        "## Formulas and constants",
        "",
        *_formulas(handbook, program),
        *_regimens(program),
        "",
        "## Shared vectors",
        *_vectors(program, outcome),
        "",
    ]
    return str(Markup("\n".join(lines)))
