"""Readable descriptions for `handbook calc`: --describe, and "did you mean" on unknown input keys."""

from __future__ import annotations

import difflib
from typing import Any

from .display import fmt
from .program import Program

__all__ = ["describe_program", "unknown_key_hints"]


def describe_program(program: Program) -> str:
    """The inputs (units, limits, choices, alternatives), regimens and result fields."""
    lines = [f"{program.id}: {program.title}", program.summary, "", "Inputs:"]
    for inp in program.inputs:
        req = "required" if inp.required is True else ("optional" if inp.required is False else "required when needed")
        head = f"  {inp.id} ({inp.label}; {req})"
        if inp.number is not None:
            n = inp.number
            show = program.display
            head += f": number in {n.unit}, {fmt(n.min, show, n.unit)} to {fmt(n.max, show, n.unit)}"
            for alt in inp.alternatives:
                head += f"; or {alt.field} in {alt.unit}" if alt.field else f"; or in {alt.unit}"
        elif inp.type == "yesno":
            head += ": true or false"
        else:
            head += ": one of " + ", ".join(o.id for o in inp.options)
        lines.append(head)
    if program.dose is not None:
        lines += ["", "Regimens:"]
        lines += [
            f"  {r.id}: {r.name}, {r.dose_text} {r.frequency}, {r.days} day{'' if r.days == 1 else 's'}"
            for r in program.dose.regimens
        ]
        lines += ["", "Products:"] + [f"  {p.id}: {p.name}" for p in program.dose.products]
    lines += [
        "",
        "Result fields: ok, errors, warnings, " + ", ".join(program.fields) + ", headline, summary, steps, working",
        "",
    ]
    return "\n".join(lines)


def unknown_key_hints(program: Program, result: dict[str, Any]) -> None:
    """Adds "did you mean" to the engine's unknown-input errors (command line only)."""
    known = [i.id for i in program.inputs] + [a.field for i in program.inputs for a in i.alternatives if a.field]
    for error in result["errors"]:
        if error["message"].startswith("Unknown input '"):
            close = difflib.get_close_matches(error["field"], known, n=1, cutoff=0.6)
            if close:
                error["message"] = error["message"].rstrip(".") + f" (did you mean '{close[0]}'?)."
