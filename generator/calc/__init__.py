"""The calculator language and its engines.

- units: content units read with pint (validation time only)
- expr: formulas parsed with ast against a whitelist, unit-checked, compiled to trees
- compiler, compile_blocks: a spec (generator.model.calculator) -> a typed Program
- program: the compiled program types, what both engines read
- engine, dosing, decision, display: the Python engine (twin of calc-engine.js)
- tables: weight-band rows for the page's fallback and the pocket guide
- validation: both engines on every shared vector, for the validation pages
"""

from __future__ import annotations

from typing import Any

from .engine import compute
from .program import ENGINE_VERSION, Program

__all__ = ["ENGINE_VERSION", "Program", "UnknownCalculator", "compute", "program_for", "program_json"]


class UnknownCalculator(KeyError):
    """No calculator of that id in the handbook."""

    def __str__(self) -> str:
        return f"no calculator '{self.args[0]}'"


def program_for(handbook: Any, calculator_id: str) -> Program:
    """The compiled program of a validated handbook's calculator (compiled once, at validation)."""
    program = handbook.programs.get(calculator_id)
    if program is None:
        raise UnknownCalculator(calculator_id)
    return program


def program_json(handbook: Any, calculator_id: str) -> dict[str, Any]:
    """The program as the page embeds it, with the handbook's spelling of units
    (``notation``: unit -> [after 1, after any other number]) so the form shows the
    engine's units as the pages do; the engines never read it."""
    from ..present import unit_notation

    meta = getattr(handbook, "meta", None)
    notation = unit_notation(meta.notation if meta is not None else None)
    # Only the spellings that differ from the content's: each page carries its programs.
    differ = {unit: shown for unit, shown in notation.items() if shown != [unit, unit]}
    return {**program_for(handbook, calculator_id).to_json(), "notation": differ}
