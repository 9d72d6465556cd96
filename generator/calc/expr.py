"""Formulas of the calculator language: parsed with :mod:`ast` against a whitelist
(never ``eval``), unit-checked with pint, compiled to a JSON tree both engines walk.

A formula is a Python expression over declared names (inputs, constants, derived
values). Each node gets a unit; operands of ``+ - < min max`` and both branches of
``a if c else b`` must share a dimension, and the compiler inserts the conversion
factor where their units differ (cm against m). The engines then compute on plain
numbers in the declared units. A compiled node is ``[op, arg, ...]``; numbers,
booleans and null stand for themselves; ``["s", text]`` is a string and
``["v", name]`` a name.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from typing import Any

from . import units

__all__ = ["FUNCTIONS", "ExprError", "Type", "compile_formula", "names_in"]

Node = Any  # [op, *args] | float | bool | None (JSON)


@dataclass(frozen=True)
class Type:
    """What a name or a node holds: a number with a unit, a yes/no, or a text (choice)."""

    kind: str  # "number" | "bool" | "text"
    unit: Any = None  # pint unit, for numbers
    choices: tuple[str, ...] = ()  # for texts: the allowed values
    points: bool = False  # a choice whose options carry points (scores)

    def describe(self) -> str:
        if self.kind == "number":
            return units.show(self.unit) if not units.dimensionless(self.unit) else "a plain number"
        return {"bool": "yes/no", "text": "a choice"}[self.kind]


class ExprError(ValueError):
    """A formula the language refuses; ``column`` is 1-based within the formula text."""

    def __init__(self, message: str, column: int = 1):
        super().__init__(message)
        self.column = column


# name -> (minimum, maximum) argument count; checked in _call.
FUNCTIONS = {
    "min": (2, 9),
    "max": (2, 9),
    "round_to": (2, 2),
    "floor_to": (2, 2),
    "ceil_to": (2, 2),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "present": (1, 1),
    "value": (2, 2),
    "quantity": (2, 2),
    "points": (1, 1),
}
_BIN = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


def names_in(text: str) -> set[str]:
    """Names a formula refers to (for ordering checks); empty if it does not parse."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return set()
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls}


def compile_formula(text: str, env: dict[str, Type], declared: Type | None = None) -> tuple[Node, Type]:
    """Compile ``text`` over the names of ``env``; when ``declared`` is given the result
    must have its kind and dimension, and is converted to its unit."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"not a formula: {exc.msg}", exc.offset or 1) from None
    node, typ = _Compiler(env).visit(tree.body)
    if declared is None:
        return node, typ
    if declared.kind != typ.kind:
        raise ExprError(f"the formula gives {typ.describe()}, but {declared.describe()} is declared")
    if typ.kind == "number":
        if not units.same_dimension(typ.unit, declared.unit):
            raise ExprError(
                f"the formula gives {units.show(typ.unit)}, which is not a {units.show(declared.unit)} quantity "
                f"(dimension {_dim(typ.unit)}, expected {_dim(declared.unit)})"
            )
        node = _scaled(node, units.factor(typ.unit, declared.unit))
    return node, declared


def _dim(unit: Any) -> str:
    text = str(units.registry().Quantity(1, unit).dimensionality)
    return text if text != "dimensionless" else "none"


def _scaled(node: Node, factor: float) -> Node:
    return node if factor == 1 else ["*", node, factor]


class _Compiler:
    def __init__(self, env: dict[str, Type]):
        self.env = env
        self.one = units.parse("1")

    def fail(self, node: ast.AST, message: str) -> ExprError:
        return ExprError(message, getattr(node, "col_offset", 0) + 1)

    def visit(self, node: ast.AST) -> tuple[Node, Type]:
        method = getattr(self, "v_" + type(node).__name__, None)
        if method is None:
            raise self.fail(node, f"'{ast.unparse(node)}' is not allowed in a formula")
        return method(node)

    def number(self, node: ast.AST) -> tuple[Node, Type]:
        compiled, typ = self.visit(node)
        if typ.kind != "number":
            raise self.fail(node, f"'{ast.unparse(node)}' is {typ.describe()}, not a number")
        return compiled, typ

    def boolean(self, node: ast.AST) -> Node:
        compiled, typ = self.visit(node)
        if typ.kind != "bool":
            raise self.fail(node, f"'{ast.unparse(node)}' is {typ.describe()}, not a yes/no condition")
        return compiled

    def v_Constant(self, node: ast.Constant) -> tuple[Node, Type]:
        if isinstance(node.value, bool):
            return node.value, Type("bool")
        if isinstance(node.value, int | float):
            return float(node.value), Type("number", self.one)
        if isinstance(node.value, str):
            return ["s", node.value], Type("text", choices=(node.value,))
        raise self.fail(node, f"'{ast.unparse(node)}' is not a number, a text or True/False")

    def v_Name(self, node: ast.Name) -> tuple[Node, Type]:
        typ = self.env.get(node.id)
        if typ is None:
            close = difflib.get_close_matches(node.id, list(self.env), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise self.fail(node, f"unknown name '{node.id}'{hint}")
        return ["v", node.id], typ

    def v_UnaryOp(self, node: ast.UnaryOp) -> tuple[Node, Type]:
        if isinstance(node.op, ast.Not):
            return ["not", self.boolean(node.operand)], Type("bool")
        compiled, typ = self.number(node.operand)
        return (["neg", compiled] if isinstance(node.op, ast.USub) else compiled), typ

    def same(self, left: ast.AST, right: ast.AST, what: str) -> tuple[Node, Node, Type]:
        """Two operands of one dimension, the right converted to the left's unit."""
        a, ta = self.visit(left)
        b, tb = self.visit(right)
        if ta.kind != tb.kind:
            raise self.fail(
                right, f"{what}: '{ast.unparse(right)}' is {tb.describe()}, '{ast.unparse(left)}' is {ta.describe()}"
            )
        if ta.kind == "text":
            allowed = set(ta.choices) & set(tb.choices)
            if not allowed:
                bad, options = (right, ta.choices) if len(tb.choices) == 1 else (left, tb.choices)
                value = ast.unparse(bad)
                close = difflib.get_close_matches(value.strip("'\""), list(options), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else f" (expected one of {', '.join(options)})"
                raise self.fail(bad, f"{value} is never a value here{hint}")
            return a, b, ta
        if ta.kind == "number":
            if not units.same_dimension(ta.unit, tb.unit):
                raise self.fail(
                    right,
                    f"{what}: '{ast.unparse(left)}' is in {ta.describe()} but '{ast.unparse(right)}' "
                    f"is in {tb.describe()} (different dimensions)",
                )
            b = _scaled(b, units.factor(tb.unit, ta.unit))
        return a, b, ta

    def v_BinOp(self, node: ast.BinOp) -> tuple[Node, Type]:
        if isinstance(node.op, ast.Pow):
            base, typ = self.number(node.left)
            if not (isinstance(node.right, ast.Constant) and isinstance(node.right.value, int | float)):
                raise self.fail(node.right, "a power must be a plain number, e.g. height ** 2")
            power = float(node.right.value)
            return ["pow", base, power], Type("number", typ.unit**power)
        op = _BIN.get(type(node.op))
        if op is None:
            raise self.fail(node, f"operator in '{ast.unparse(node)}' is not allowed")
        if op in "+-":
            a, b, typ = self.same(node.left, node.right, "adding or subtracting")
            if typ.kind != "number":
                raise self.fail(node, f"'{ast.unparse(node)}' adds {typ.describe()} values")
            return [op, a, b], typ
        a, ta = self.number(node.left)
        b, tb = self.number(node.right)
        return [op, a, b], Type("number", ta.unit * tb.unit if op == "*" else ta.unit / tb.unit)

    def v_BoolOp(self, node: ast.BoolOp) -> tuple[Node, Type]:
        op = "and" if isinstance(node.op, ast.And) else "or"
        args = [self.boolean(v) for v in node.values]
        out = args[0]
        for arg in args[1:]:
            out = [op, out, arg]
        return out, Type("bool")

    def v_Compare(self, node: ast.Compare) -> tuple[Node, Type]:
        parts = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            name = _CMP.get(type(op))
            if name is None:
                raise self.fail(node, f"comparison in '{ast.unparse(node)}' is not allowed")
            a, b, typ = self.same(left, right, "comparing")
            if typ.kind != "number" and name not in ("==", "!="):
                raise self.fail(node, f"'{ast.unparse(node)}' orders {typ.describe()} values")
            parts.append([name, a, b])
            left = right
        out = parts[0]
        for part in parts[1:]:
            out = ["and", out, part]
        return out, Type("bool")

    def v_IfExp(self, node: ast.IfExp) -> tuple[Node, Type]:
        test = self.boolean(node.test)
        a, b, typ = self.same(node.body, node.orelse, "the two branches of if/else")
        if typ.kind == "text":
            typ = Type(
                "text",
                choices=tuple(dict.fromkeys(self.visit(node.body)[1].choices + self.visit(node.orelse)[1].choices)),
            )
        return ["if", test, a, b], typ

    def v_Call(self, node: ast.Call) -> tuple[Node, Type]:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise self.fail(node, f"'{ast.unparse(node)}': only the listed functions, with plain arguments")
        name = node.func.id
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, list(FUNCTIONS), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (expected one of {', '.join(FUNCTIONS)})"
            raise self.fail(node, f"unknown function '{name}'{hint}")
        low, high = FUNCTIONS[name]
        if not low <= len(node.args) <= high:
            count = str(low) if low == high else f"{low} to {high}"
            raise self.fail(node, f"{name}() takes {count} arguments (got {len(node.args)})")
        return getattr(self, "f_" + name)(node, node.args)

    def f_min(self, node: ast.Call, args: list[ast.expr]) -> tuple[Node, Type]:
        first, typ = self.number(args[0])
        out = [node.func.id, first]  # type: ignore[attr-defined]
        for arg in args[1:]:
            out.append(self.same(args[0], arg, f"{node.func.id}()")[1])  # type: ignore[attr-defined]
        return out, typ

    f_max = f_min

    def f_round_to(self, node: ast.Call, args: list[ast.expr]) -> tuple[Node, Type]:
        x, step, typ = self.same(args[0], args[1], f"{node.func.id}()")  # type: ignore[attr-defined]
        if typ.kind != "number":
            raise self.fail(node, f"{node.func.id}() rounds numbers")  # type: ignore[attr-defined]
        return [node.func.id, x, step], typ  # type: ignore[attr-defined]

    f_floor_to = f_round_to
    f_ceil_to = f_round_to

    def f_sqrt(self, node: ast.Call, args: list[ast.expr]) -> tuple[Node, Type]:
        x, typ = self.number(args[0])
        return ["sqrt", x], Type("number", typ.unit**0.5)

    def f_abs(self, node: ast.Call, args: list[ast.expr]) -> tuple[Node, Type]:
        x, typ = self.number(args[0])
        return ["abs", x], typ

    def f_present(self, node: ast.Call, args: list[ast.expr]) -> tuple[Node, Type]:
        if not isinstance(args[0], ast.Name):
            raise self.fail(node, "present() takes a name, e.g. present(height_cm)")
        return ["present", self.visit(args[0])[0]], Type("bool")

    def unit_argument(self, node: ast.expr) -> Any:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            raise self.fail(node, "the unit is written as text, e.g. 'kg'")
        try:
            return units.parse(node.value)
        except units.UnitError as exc:
            raise self.fail(node, str(exc)) from None

    def f_value(self, node: ast.Call, args: list[ast.expr]) -> tuple[Node, Type]:
        """value(x, 'unit'): the number x is in that unit (for empirical formulas)."""
        x, typ = self.number(args[0])
        unit = self.unit_argument(args[1])
        if not units.same_dimension(typ.unit, unit):
            raise self.fail(
                args[1], f"'{ast.unparse(args[0])}' is in {typ.describe()}, not convertible to {units.show(unit)}"
            )
        return _scaled(x, units.factor(typ.unit, unit)), Type("number", self.one)

    def f_quantity(self, node: ast.Call, args: list[ast.expr]) -> tuple[Node, Type]:
        """quantity(n, 'unit'): a plain number read as that unit."""
        x, typ = self.number(args[0])
        if not units.dimensionless(typ.unit):
            raise self.fail(
                args[0], f"quantity() takes a plain number ('{ast.unparse(args[0])}' is in {typ.describe()})"
            )
        return x, Type("number", self.unit_argument(args[1]))

    def f_points(self, node: ast.Call, args: list[ast.expr]) -> tuple[Node, Type]:
        compiled, typ = self.visit(args[0])
        if not (isinstance(args[0], ast.Name) and typ.points):
            raise self.fail(node, "points() takes a choice input whose options carry points")
        return ["points", compiled], Type("number", self.one)
