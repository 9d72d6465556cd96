"""The Python engine: interprets a compiled :class:`~generator.calc.program.Program`.

Twin of theme/assets/javascripts/calc-engine.js, function for function: the same
operations in the same order, so both give identical JSON (held together by the shared
vectors in tests/vectors/ and a property test). Nothing clinical lives here: every
number, threshold and sentence comes from the program, i.e. from content.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .display import fill, fmt, shown_unit
from .program import DerivedDef, InputDef, Program

__all__ = ["BAD", "MISSING", "compute", "evaluate", "parse_number"]

MISSING = "missing"
BAD = "bad"
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")


class Run:
    """The state of one computation: values by name, messages, working lines."""

    def __init__(self, program: Program):
        self.program = program
        self.text = dict(program.text)
        self.units = dict(program.units) | dict(program.field_units)
        self.env: dict[str, Any] = dict(program.constants)
        self.errors: list[dict[str, str]] = []
        self.warnings: list[dict[str, str]] = []
        self.working: list[str] = []
        self.summary: list[dict[str, str]] = []
        self.steps: list[str] = []
        self.out: dict[str, Any] = {}

    def fill(self, template: str, extra: dict[str, Any] | None = None) -> str:
        return fill(template, self.env | (extra or {}), self.units, self.program.display)

    def say(self, key: str, values: dict[str, Any]) -> str:
        return fill(self.text[key], values, {}, self.program.display)

    def error(self, field: str, message: str) -> None:
        self.errors.append({"field": field, "message": message})

    def warn(self, field: str, message: str) -> None:
        self.warnings.append({"field": field, "message": message})

    def num(self, x: float, unit: str | None) -> str:
        return fmt(x, self.program.display, unit)

    def show(self, key: str, label: str, text: str) -> None:
        self.summary.append({"id": key, "label": label, "text": text})


# --------------------------------------------------------------------------- expressions


def _ipow(x: float, n: float) -> float | None:
    if n == 0.5:
        return math.sqrt(x) if x >= 0 else None
    if n == int(n) and abs(n) <= 16:
        out = 1.0
        for _ in range(int(abs(n))):
            out = out * x
        return out if n >= 0 else (None if out == 0 else 1 / out)
    return None if x < 0 else math.pow(x, n)


def evaluate(e: Any, env: dict[str, Any], program: Program) -> Any:
    """The value of a compiled expression; null (None) propagates through arithmetic."""
    if not isinstance(e, list):
        return e
    op = e[0]
    if op == "v":
        return env.get(e[1])
    if op == "s":
        return e[1]
    if op == "present":
        return evaluate(e[1], env, program) is not None
    if op == "if":
        test = evaluate(e[1], env, program)
        return None if test is None else evaluate(e[2] if test else e[3], env, program)
    if op in ("and", "or"):
        stop = op == "or"  # the value that decides alone
        a = evaluate(e[1], env, program)
        if a is stop:
            return stop
        b = evaluate(e[2], env, program)
        if b is stop:
            return stop
        return None if a is None or b is None else not stop
    if op == "points":
        chosen = evaluate(e[1], env, program)
        inp = next(i for i in program.inputs if i.id == e[1][1])
        return next((o.points for o in inp.options if o.id == chosen), None)
    args = [evaluate(a, env, program) for a in e[1:]]
    if any(a is None for a in args):
        return None
    return _apply(op, args)


def _apply(op: str, a: list[Any]) -> Any:
    if op == "==":
        return a[0] == a[1]
    if op == "!=":
        return a[0] != a[1]
    if op in ("<", "<=", ">", ">="):
        return {"<": a[0] < a[1], "<=": a[0] <= a[1], ">": a[0] > a[1], ">=": a[0] >= a[1]}[op]
    if op == "not":
        return not a[0]
    value: float | None
    if op == "+":
        value = a[0] + a[1]
    elif op == "-":
        value = a[0] - a[1]
    elif op == "*":
        value = a[0] * a[1]
    elif op == "/":
        value = None if a[1] == 0 else a[0] / a[1]
    elif op == "neg":
        value = -a[0]
    elif op == "pow":
        value = _ipow(a[0], a[1])
    elif op == "sqrt":
        value = math.sqrt(a[0]) if a[0] >= 0 else None
    elif op == "abs":
        value = abs(a[0])
    elif op == "min":
        value = min(a)
    elif op == "max":
        value = max(a)
    elif a[1] <= 0:
        value = None
    elif op == "round_to":
        value = math.floor(a[0] / a[1] + 0.5) * a[1]
    elif op == "floor_to":
        value = math.floor(a[0] / a[1]) * a[1]
    else:  # ceil_to
        value = math.ceil(a[0] / a[1]) * a[1]
    return value if value is None or math.isfinite(value) else None


# --------------------------------------------------------------------------- inputs


def parse_number(value: Any) -> float | str:
    """A finite float, or MISSING / BAD (text must be a plain decimal: no 1e3, no 96,5)."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return BAD
    if isinstance(value, str):
        text = value.strip(" \t\n\r")
        if text == "":
            return MISSING
        if not _NUMBER.fullmatch(text):
            return BAD
        number = float(text)
    elif isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return BAD
    else:
        return BAD
    return number if math.isfinite(number) else BAD


def _limits(run: Run, inp: InputDef, number: float, field: str) -> float | None:
    spec = inp.number
    assert spec is not None
    label, unit = inp.label, spec.unit
    positive_only = spec.min == 0 and not spec.zero_allowed
    low = number < 0 or (number == 0 and not spec.zero_allowed)
    if low and not positive_only:
        run.error(field, run.say("negative" if spec.zero_allowed else "not_positive", {"label": label}))
        return None
    if low or number < spec.min or number > spec.max:
        values = {"label": label, "min": run.num(spec.min, unit), "max": run.num(spec.max, unit), "unit": unit}
        run.error(field, run.say("out_of_range_positive" if positive_only else "out_of_range", values))
        return None
    if spec.warn_below is not None and number < spec.warn_below:
        run.warn(field, run.say("warn_low", {"label": label, "limit": run.num(spec.warn_below, unit), "unit": unit}))
    if spec.warn_above is not None and number > spec.warn_above:
        run.warn(field, run.say("warn_high", {"label": label, "limit": run.num(spec.warn_above, unit), "unit": unit}))
    return number


def _read_number(run: Run, inp: InputDef, inputs: dict[str, Any]) -> Any:
    spec = inp.number
    assert spec is not None
    field, raw, factor, typed = inp.id, inputs.get(inp.id), 1.0, spec.unit
    for alt in inp.alternatives:
        if alt.field is not None and parse_number(inputs.get(alt.field)) != MISSING:
            if parse_number(raw) != MISSING:
                run.error(
                    alt.field, run.say("both_units", {"label": inp.label, "unit": spec.unit, "alt_unit": alt.unit})
                )
                return BAD
            field, raw, factor, typed = alt.field, inputs.get(alt.field), alt.factor, alt.unit
    number = parse_number(raw)
    if number == MISSING:
        return MISSING
    if inp.unit_field is not None:
        chosen = inputs.get(inp.unit_field)
        alt_unit = next((a for a in inp.alternatives if a.unit == chosen), None)
        if chosen != spec.unit and alt_unit is None:
            return BAD  # the unit input reports its own error
        if alt_unit is not None:
            factor, typed = alt_unit.factor, alt_unit.unit
    if number == BAD:
        run.error(field, run.say("not_number", {"label": inp.label}))
        return BAD
    assert isinstance(number, float)
    value = number * factor
    if factor != 1:
        values = {
            "value": run.num(number, typed),
            "alt_unit": typed,
            "converted": run.num(value, spec.unit),
            "unit": spec.unit,
        }
        run.working.append(run.say("w_convert", values))
    checked = _limits(run, inp, value, field)
    return BAD if checked is None else checked


def _read(run: Run, inp: InputDef, inputs: dict[str, Any]) -> Any:
    if inp.type == "number":
        return _read_number(run, inp, inputs)
    value = inputs.get(inp.id)
    if value is None or value == "":
        return MISSING
    if inp.type == "yesno":
        if isinstance(value, bool):
            return value
        run.error(inp.id, run.say("not_boolean", {"label": inp.label}))
        return BAD
    if isinstance(value, str) and any(o.id == value for o in inp.options):
        return value
    run.error(inp.id, run.say("unknown_choice", {"label": inp.label}))
    return BAD


def read_inputs(run: Run, inputs: dict[str, Any]) -> None:
    """Every input parsed and checked; unknown keys refused by name; required and
    missing-input rules applied once all inputs are read (they may depend on others)."""
    program = run.program
    known = {i.id for i in program.inputs} | {a.field for i in program.inputs for a in i.alternatives if a.field}
    for key in sorted(inputs):
        if key not in known:
            run.error(key, run.say("unknown_input", {"key": key}))
    states = {inp.id: _read(run, inp, inputs) for inp in program.inputs}
    for name, state in states.items():
        run.env[name] = None if state in (MISSING, BAD) else state
    for inp in program.inputs:
        if states[inp.id] != MISSING:
            continue
        if evaluate(inp.required, run.env, program) is True:
            # A required question may say how to answer it ("Answer: ... Yes or No").
            asked = run.fill(inp.missing) if inp.missing else run.say("required", {"label": inp.label})
            run.error(inp.id, asked)
        elif inp.missing:
            run.warn(inp.id, run.fill(inp.missing))


# --------------------------------------------------------------------------- derived values and checks


def _derive(run: Run, d: DerivedDef) -> None:
    program = run.program
    env = run.env
    if d.cases:
        case = next((c for c in d.cases if evaluate(c.when, env, program) is True), None)
        env[d.id] = None if case is None else evaluate(case.value, env, program)
        if case is not None and case.say:
            run.working.append(run.fill(case.say))
        if case is not None and case.warn:
            run.warn(case.field or "", run.fill(case.warn))
    elif d.bands:
        x = evaluate(d.of, env, program)
        band = None
        if x is not None:
            band = next(b for b in d.bands if (b.min is None or x >= b.min) and (b.below is None or x < b.below))
        env[d.id] = None if band is None else band.id
        env[d.id + "_label"] = None if band is None else band.label
        env[d.id + "_text"] = None if band is None else band.text
        for name, expr in band.sets if band is not None else ():
            env[name] = evaluate(expr, env, program)
    else:
        applies = evaluate(d.applies, env, program)
        env[d.id] = evaluate(d.expr, env, program) if applies is True else None
    if env[d.id] is not None and d.working:
        run.working.append(run.fill(d.working))


def _summarise(run: Run, d: DerivedDef) -> None:
    value = run.env.get(d.id)
    if d.label is None or value is None:
        return
    if d.bands:
        text = run.env[d.id + "_label"]
    elif isinstance(value, bool):
        text = run.text["yes"] if value else run.text["no"]
    elif isinstance(value, float | int):
        unit = run.units.get(d.id, "")
        text = run.num(value, unit) + ("" if unit in ("", "1") else " " + shown_unit(unit))
    else:
        text = value
    run.show(d.id, d.label, text)


def _refused(run: Run) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": False, "errors": run.errors, "warnings": run.warnings}
    for key in run.program.fields:
        out[key] = None
    out.update({"headline": None, "summary": [], "steps": [], "working": []})
    return out


def compute(program: Program, inputs: Any) -> dict[str, Any]:
    """The result for one set of inputs: pure, JSON-serialisable, numbers unrounded.
    Refused inputs give ok false, located errors and every result field null."""
    from .decision import decide
    from .dosing import dose

    run = Run(program)
    read_inputs(run, inputs if isinstance(inputs, dict) else {})
    if run.errors:
        return _refused(run)
    for d in program.derived:
        _derive(run, d)
    for check in program.checks:
        if evaluate(check.when, run.env, program) is True:
            (run.error if check.severity == "refuse" else run.warn)(check.field, run.fill(check.message))
    if run.errors:
        return _refused(run)
    for d in program.derived:
        _summarise(run, d)
    if program.dose is not None:
        dose(run, program.dose)
    if program.decision is not None:
        decide(run, program.decision)
    if run.errors:
        return _refused(run)
    out: dict[str, Any] = {"ok": True, "errors": run.errors, "warnings": run.warnings}
    slots = run.env | run.out
    for key in program.fields:
        out[key] = run.out[key] if key in run.out else run.env.get(key)
    headline = next((text for when, text in program.headline if evaluate(when, slots, program) is True), None)
    out["headline"] = None if headline is None else fill(headline, slots, run.units, program.display)
    out.update({"summary": run.summary, "steps": run.steps, "working": run.working})
    return out
