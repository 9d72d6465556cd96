"""The compiler: a calculator spec (generator.model.calculator) checked against the
handbook and turned into one typed :class:`~generator.calc.program.Program`.

Every problem is returned as (location in the spec, message) so validation reports it
at file:line:col with the field path; nothing is compiled from a spec with problems.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ..model.calculator import Calculator, Derived, FormulaLibrary, LibraryFormula
from . import units
from .compile_blocks import compile_decision, compile_dose, reference_display
from .expr import ExprError, Type, compile_formula, names_in
from .program import (
    ENGINE_VERSION,
    AltUnit,
    BandDef,
    CaseDef,
    CheckDef,
    DerivedDef,
    DisplayDef,
    InputDef,
    NumberDef,
    Option,
    Program,
)
from .text import TEXT

__all__ = ["Compiler", "Loc", "check_library", "compile_calculator"]

Loc = tuple[str | int, ...]
_SLOT = re.compile(r"\{([a-z0-9_]+)\}")


class Compiler:
    """Compiles one calculator; ``problems`` collects located errors."""

    def __init__(self, calc: Calculator, handbook: Any, library: FormulaLibrary | None):
        self.calc = calc
        self.handbook = handbook
        self.library = {f.id: f for f in library.formulas} if library else {}
        self.display = library.display if library else None
        self.problems: list[tuple[Loc, str]] = []
        self.env: dict[str, Type] = {}
        self.units: dict[str, str] = {}
        self.constants: dict[str, float] = {}
        self.cites: list[str] = []
        # Names declared with a unit that could not be read: that unit's error is reported
        # where it is written, and formulas naming them are not checked (nothing to check against).
        self.unknown: set[str] = set()
        self.library_broken = False

    # ------------------------------------------------------------------ helpers
    def problem(self, loc: Loc, message: str) -> None:
        self.problems.append((loc, message))

    def unit(self, text: str, loc: Loc) -> Any:
        try:
            return units.parse(text)
        except units.UnitError as exc:
            self.problem(loc, str(exc))
            return None

    def formula(self, text: str, loc: Loc, declared: Type | None = None, env: dict[str, Type] | None = None) -> Any:
        if self.unknown & names_in(text) or (
            declared is not None and declared.kind == "number" and declared.unit is None
        ):
            return None
        try:
            return compile_formula(text, env or self.env, declared)[0]
        except ExprError as exc:
            where = f" (at column {exc.column} of the formula)" if exc.column > 1 else ""
            self.problem(loc, f"{exc}{where}")
            return None
        except units.UnitError as exc:
            self.problem(loc, str(exc))
            return None

    def condition(self, text: str | bool, loc: Loc) -> Any:
        if isinstance(text, bool):
            return text
        return self.formula(text, loc, Type("bool"))

    def template(self, text: str | None, loc: Loc, extra: set[str] = frozenset()) -> str | None:  # type: ignore[assignment]
        for name in _SLOT.findall(text or ""):
            if name not in self.env and name not in extra:
                import difflib

                close = difflib.get_close_matches(name, [*self.env, *extra], n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.problem(loc, f"unknown name '{{{name}}}' in the text{hint}")
        return text

    def cite(self, ids: Any) -> tuple[str, ...]:
        for ref in ids:
            if ref not in self.cites:
                self.cites.append(ref)
        return tuple(ids)

    def declare(self, name: str, typ: Type, unit_text: str | None, loc: Loc) -> None:
        if name in self.env:
            self.problem(loc, f"the name '{name}' is already used in this calculator")
        self.env[name] = typ
        if unit_text is not None:
            self.units[name] = unit_text

    # ------------------------------------------------------------------ inputs and constants
    def inputs(self) -> list[InputDef]:
        out: list[InputDef] = []
        dose = self.calc.dose
        for i, inp in enumerate(self.calc.inputs):
            loc: Loc = ("inputs", i)
            number = None
            alts: list[AltUnit] = []
            options: list[Option] = [Option(c.id, c.label, c.points) for c in inp.choices]
            scored = any(o.points is not None for o in options)
            ids = tuple(o.id for o in options)
            typ = Type("bool") if inp.type == "yesno" else Type("text", choices=ids, points=scored)
            if inp.type == "number" and inp.unit and inp.limits:
                base = self.unit(inp.unit, (*loc, "unit"))
                if base is None:
                    self.unknown.add(inp.id)
                lim = inp.limits
                number = NumberDef(inp.unit, lim.min, lim.max, lim.warn_below, lim.warn_above, lim.zero_allowed)
                typ = Type("number", base)
                for j, alt in enumerate(inp.alternatives):
                    factor = alt.factor
                    if factor is None and base is not None:
                        other = self.unit(alt.unit, (*loc, "alternatives", j, "unit"))
                        try:
                            factor = units.factor(other, base) if other is not None else None
                        except units.UnitError as exc:
                            self.problem((*loc, "alternatives", j, "unit"), f"{exc}: give factor and basis")
                    if factor is not None:
                        alts.append(AltUnit(alt.unit, alt.field, factor))
            elif inp.type in ("regimen", "product"):
                options = self.choice_options(inp.type, loc)
                typ = Type("text", choices=tuple(o.id for o in options))
            self.declare(inp.id, typ, inp.unit, (*loc, "id"))
            out.append(
                InputDef(
                    inp.id,
                    inp.label,
                    inp.help,
                    "choice" if inp.type in ("regimen", "product") else inp.type,
                    number,
                    tuple(alts),
                    inp.unit_field,
                    tuple(options),
                    None,
                    inp.missing,
                    inp.empty_label,
                )
            )
            if inp.unit_field:
                unit_options = [Option(inp.unit or "", inp.unit or "")] + [
                    Option(a.unit, a.unit) for a in inp.alternatives
                ]
                self.declare(
                    inp.unit_field, Type("text", choices=tuple(o.id for o in unit_options)), None, (*loc, "unit_field")
                )
                out.append(
                    InputDef(inp.unit_field, TEXT["unit"], None, "choice", options=tuple(unit_options), required=True)
                )
        del dose
        return out

    def choice_options(self, kind: str, loc: Loc) -> list[Option]:
        dose = self.calc.dose
        if dose is None:
            self.problem((*loc, "type"), f"a {kind} input needs a dose block")
            return []
        if kind == "regimen":
            topic = self.handbook.topics.get(self.calc.topic)
            regimens = {r.id: r for r in topic.regimens} if topic else {}
            return [
                Option(r.regimen, regimens[r.regimen].name if r.regimen in regimens else r.regimen)
                for r in dose.regimens
            ]
        products = self.handbook.products
        return [Option(p, products[p].name if p in products else p) for p in dose.products]

    def required(self, defs: list[InputDef]) -> list[InputDef]:
        """Required conditions compile once every input is declared (they may name others)."""
        out = []
        declared = {inp.id: inp for inp in self.calc.inputs}
        for i, d in enumerate(defs):
            spec = declared.get(d.id)
            req = d.required if spec is None else self.condition(spec.required, ("inputs", i, "required"))
            if spec is not None and spec.missing:
                self.template(spec.missing, ("inputs", i, "missing"))
            out.append(InputDef(**{**d.__dict__, "required": req}))
        return out

    def constants_(self) -> None:
        for name, const in self.calc.constants.items():
            unit = self.unit(const.unit, ("constants", name, "unit"))
            if unit is None:
                self.unknown.add(name)
            self.declare(name, Type("number", unit), const.unit, ("constants", name))
            self.constants[name] = const.value
            self.cite(const.cite)

    # ------------------------------------------------------------------ derived values
    def derived(self) -> list[DerivedDef]:
        return [self.one_derived(d, ("derived", i)) for i, d in enumerate(self.calc.derived)]

    def declared_type(self, d: Derived, loc: Loc) -> Type:
        if d.type == "yesno":
            return Type("bool")
        if d.type == "text":
            return Type("text", choices=tuple(c for case in d.cases for c in _literals(case.value)) or ("",))
        unit = self.unit(d.unit or "1", (*loc, "unit"))
        if unit is None:
            self.unknown.add(d.id)
        return Type("number", unit)

    def one_derived(self, d: Derived, loc: Loc) -> DerivedDef:
        typ = self.declared_type(d, loc)
        expr, applies, cases, bands, of = None, True, [], [], None
        if d.formula:
            expr = self.formula(d.formula, (*loc, "formula"), typ)
        elif d.use:
            expr, applies = self.library_call(d, typ, loc)
        elif d.cases:
            for j, case in enumerate(d.cases):
                cloc = (*loc, "cases", j)
                when = self.condition(case.when, (*cloc, "when"))
                value = self.formula(case.value, (*cloc, "value"), typ if d.type != "text" else None)
                cases.append(CaseDef(when, value, case.say, case.warn, case.field))
        else:
            of = self.formula(d.of or "0", (*loc, "of"))
            bands = self.bands(d, loc)
            typ = Type("text", choices=tuple(b.id for b in d.bands))
        self.declare(d.id, typ, d.unit, (*loc, "id"))
        if d.bands:
            self.declare(d.id + "_label", Type("text", choices=tuple(b.label for b in d.bands)), None, (*loc, "id"))
            self.declare(d.id + "_text", Type("text", choices=tuple(b.text or "" for b in d.bands)), None, (*loc, "id"))
        for j, case in enumerate(d.cases):
            self.template(case.say, (*loc, "cases", j, "say"))
            self.template(case.warn, (*loc, "cases", j, "warn"))
        self.template(d.working, (*loc, "working"))
        return DerivedDef(
            d.id, d.label, typ.kind, d.unit, expr, applies, tuple(cases), of, tuple(bands), d.working, d.output
        )

    def bands(self, d: Derived, loc: Loc) -> list[BandDef]:
        for name, unit_text in d.provides.items():
            unit = self.unit(unit_text, (*loc, "provides", name))
            if unit is None:
                self.unknown.add(name)
            self.declare(name, Type("number", unit), unit_text, (*loc, "provides", name))
        out = []
        for j, band in enumerate(d.bands):
            bloc = (*loc, "bands", j)
            previous = d.bands[j - 1] if j else None
            if previous is not None and previous.below != band.min:
                self.problem(
                    (*bloc, "min"),
                    f"band '{band.id}' must start where '{previous.id}' ends (expected min: {previous.below})",
                )
            sets = []
            for name, text in band.set.items():
                if name not in d.provides:
                    self.problem((*bloc, "set", name), f"'{name}' is not declared in provides")
                    continue
                sets.append((name, self.formula(text, (*bloc, "set", name), self.env.get(name))))
            out.append(
                BandDef(
                    band.id,
                    band.label,
                    band.min,
                    band.below,
                    band.text,
                    tuple(sets),
                    self.cite(band.cite),
                    band.evidence.words if band.evidence else None,
                )
            )
        return out

    def library_call(self, d: Derived, typ: Type, loc: Loc) -> tuple[Any, Any]:
        lib = self.library.get(d.use or "")
        if lib is None:
            import difflib

            close = difflib.get_close_matches(d.use or "", list(self.library), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.problem((*loc, "use"), f"no formula '{d.use}' in content/formulas.yaml{hint}")
            return None, True
        missing = [p for p in lib.params if p not in d.args]
        extra = [a for a in d.args if a not in lib.params]
        if missing or extra:
            self.problem(
                (*loc, "args"),
                f"formula '{lib.id}' takes {', '.join(lib.params)} "
                f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(extra) or 'none'})",
            )
            return None, True
        if _check_one(lib, ()):
            # check_library reports the formula's own problems in content/formulas.yaml, where
            # they are written; repeating them here would only echo. No program comes of it.
            self.library_broken = True
            return None, True
        prefix = lib.id.replace("-", "_") + "_"
        mapping = dict(d.args)
        for name, const in lib.constants.items():
            mapping[name] = prefix + name
            if prefix + name not in self.env:
                self.env[prefix + name] = Type("number", units.parse(const.unit))
                self.units[prefix + name] = const.unit
                self.constants[prefix + name] = const.value
                self.cite(const.cite)
        self.cite(lib.cite)
        for arg in d.args.values():
            if arg not in self.env:
                self.problem((*loc, "args"), f"unknown name '{arg}'")
                return None, True
        expr = self.formula(_rename(lib.formula, mapping), (*loc, "use"), typ)
        applies = self.condition(_rename(lib.applies, mapping), (*loc, "use")) if lib.applies else True
        return expr, applies

    # ------------------------------------------------------------------ checks, headline, program
    def checks(self) -> list[CheckDef]:
        out = []
        for i, check in enumerate(self.calc.checks):
            when = self.condition(check.when, ("checks", i, "when"))
            message = check.refuse or check.warn or ""
            self.template(message, ("checks", i, "refuse" if check.refuse else "warn"))
            out.append(CheckDef(when, "refuse" if check.refuse else "warn", message, check.field))
        return out

    def display_def(self) -> DisplayDef:
        rules = self.display
        if rules is None:
            self.problem(("id",), "content/formulas.yaml (display rules) is missing")
            return DisplayDef((2, None), ())
        return DisplayDef(
            (rules.default.decimals, rules.default.significant),
            tuple((u, k.decimals, k.significant) for u, k in rules.units.items()),
        )

    def compile(self) -> Program | None:
        self.constants_()
        inputs = self.inputs()
        decision, axis_inputs, decision_fields = compile_decision(self) if self.calc.decision else (None, [], {})
        inputs = self.required(inputs + axis_inputs)
        derived = self.derived()
        checks = self.checks()
        dose, dose_fields = compile_dose(self) if self.calc.dose else (None, {})
        extra = {**dose_fields, **decision_fields}
        for name, typ in extra.items():
            self.env.setdefault(name, typ)
        headline = []
        for i, h in enumerate(self.calc.headline):
            headline.append(
                (self.condition(h.when, ("headline", i, "when")), self.template(h.text, ("headline", i, "text")) or "")
            )
        fields = [d.id for d in self.calc.derived if d.output]
        fields += [f"{d.id}_{x}" for d in self.calc.derived if d.output and d.bands for x in ("label", "text")]
        fields += [n for d in self.calc.derived if d.output for n in d.provides]
        fields += [f for f in extra if f not in fields]
        field_units = tuple((k, v) for k, v in _field_units(self, extra).items())
        if self.problems or self.library_broken:
            return None
        refs = tuple(
            (r, reference_display(self.handbook.references[r])) for r in self.cites if r in self.handbook.references
        )
        return Program(
            ENGINE_VERSION,
            self.calc.id,
            self.calc.title,
            self.calc.summary,
            self.calc.topic,
            tuple(inputs),
            tuple(self.constants.items()),
            tuple(self.units.items()),
            tuple(derived),
            tuple(checks),
            dose,
            decision,
            tuple(headline),
            tuple(fields),
            self.display_def(),
            tuple(TEXT.items()),
            refs,
            field_units,
        )


def _field_units(compiler: Compiler, extra: dict[str, Type]) -> dict[str, str]:
    out = {}
    for name, typ in extra.items():
        if typ.kind == "number" and typ.unit is not None:
            out[name] = compiler.units.get(name) or _unit_text(typ.unit)
    return out


def _unit_text(unit: Any) -> str:
    return {"milliliter": "mL", "milliliter / hour": "mL/h", "percent": "%", "minute": "min"}.get(
        str(unit), units.show(unit)
    )


def _literals(text: str) -> list[str]:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return []
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _rename(text: str | None, mapping: dict[str, str]) -> str:
    """A library formula with its parameter and constant names replaced (on the tree)."""
    tree = ast.parse((text or "").strip(), mode="eval")
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in calls and node.id in mapping:
            node.id = mapping[node.id]
    return ast.unparse(tree)


def check_library(library: FormulaLibrary) -> list[tuple[Loc, str]]:
    """Every library formula compiles over its own parameters and constants, to its unit."""
    problems: list[tuple[Loc, str]] = []
    for i, lib in enumerate(library.formulas):
        problems.extend(_check_one(lib, ("formulas", i)))
    return problems


def _check_one(lib: LibraryFormula, loc: Loc) -> list[tuple[Loc, str]]:
    env: dict[str, Type] = {}
    problems: list[tuple[Loc, str]] = []
    written = [(name, (*loc, "params", name), unit) for name, unit in lib.params.items()]
    written += [(name, (*loc, "constants", name, "unit"), c.unit) for name, c in lib.constants.items()]
    for name, where, unit in written:
        if unit.startswith("choice:"):
            env[name] = Type("text", choices=tuple(unit[7:].split("|")))
            continue
        try:
            env[name] = Type("number", units.parse(unit))
        except units.UnitError as exc:
            problems.append((where, str(exc)))
    try:
        declared = Type("number", units.parse(lib.unit))
    except units.UnitError as exc:
        problems.append(((*loc, "unit"), str(exc)))
    if problems:
        return problems
    for field, text, typ in (("formula", lib.formula, declared), ("applies", lib.applies, Type("bool"))):
        if text:
            try:
                compile_formula(text, env, typ)
            except ExprError as exc:
                problems.append(((*loc, field), str(exc)))
    return problems


def compile_calculator(
    calc: Calculator, handbook: Any, library: FormulaLibrary | None
) -> tuple[Program | None, list[tuple[Loc, str]]]:
    compiler = Compiler(calc, handbook, library)
    program = compiler.compile()
    return program, compiler.problems
