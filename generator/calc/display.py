"""Display rules shared by both engines: numbers for the reader, and message templates.

A number is rounded half up to the decimals (or significant figures) the program's
display rules give for its unit, without trailing zeros and with a leading zero
(0.5, never .5 or 0.50). Written so that JavaScript's String(n) gives the same
characters (calc-engine.js has the twin of each function).
"""

from __future__ import annotations

import math
import re
from typing import Any

from .program import DisplayDef

__all__ = ["fill", "fmt", "fmt_minutes", "fmt_plain", "rule_for", "shown_unit"]


def shown_unit(unit: str) -> str:
    """A content unit as a reader sees it: squares and cubes raised (kg/m2 -> kg/m²).
    Content keeps the typed spelling; display rules are keyed by it."""
    return re.sub(r"\b(c?m)3\b", "\\1³", re.sub(r"\b(c?m)2\b", "\\1²", unit))


def rule_for(display: DisplayDef, unit: str | None) -> tuple[int | None, int | None]:
    for name, decimals, significant in display.by_unit:
        if name == unit:
            return decimals, significant
    return display.default


def _exponent(x: float) -> int:
    """floor(log10(x)) for x > 0, by exact comparisons (log10 may differ between runtimes)."""
    e = 0
    while x >= 10:
        x /= 10
        e += 1
    while x < 1:
        x *= 10
        e -= 1
    return e


def fmt(x: float, display: DisplayDef, unit: str | None = None) -> str:
    decimals, significant = rule_for(display, unit)
    if significant is not None and x != 0:
        decimals = max(0, significant - 1 - _exponent(abs(x)))
    decimals = decimals or 0
    p = 10**decimals
    n = math.floor(x * p + 0.5) / p
    if n == 0:
        n = 0.0  # never "-0"
    # n is the double nearest a multiple of 10^-decimals, so printing it with that many
    # decimals is exact, here as with JavaScript's toFixed.
    text = format(n, f".{decimals}f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_minutes(minutes: float, text: dict[str, str]) -> str:
    """Whole minutes as "4 h 10 min" (rounded up: it is the shortest time)."""
    total = math.ceil(minutes - 1e-9)
    hours, rest = total // 60, total % 60
    if hours and rest:
        return f"{hours} {text['hours']} {rest} {text['minutes']}"
    if hours:
        return f"{hours} {text['hours']}"
    return f"{rest} {text['minutes']}"


_SLOT = re.compile(r"\{([a-z0-9_]+)\}")


def fill(template: str, slots: dict[str, Any], units: dict[str, str], display: DisplayDef) -> str:
    """``{name}`` replaced by the slot's value: numbers by the display rule of their unit,
    yes/no as yes/no, texts as they are, a missing value as a dash."""

    def one(match: re.Match[str]) -> str:
        value = slots.get(match.group(1))
        if value is None:
            return "–"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int | float):
            return fmt(value, display, units.get(match.group(1)))
        return str(value)

    return _SLOT.sub(one, template)


def fmt_plain(x: float) -> str:
    """Two decimals at most, half up, no trailing zeros (for numbers outside a program)."""
    n = math.floor(x * 100 + 0.5) / 100
    return str(int(n)) if n == int(n) else repr(n)
