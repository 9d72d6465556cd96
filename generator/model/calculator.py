"""Calculator specs (content/calculators/<id>.yaml). Placeholder shape, completed by the calculator work."""

from __future__ import annotations

from typing import Any, Literal

from .common import Id, Model, Text

__all__ = ["Calculator", "cross_check_calculator"]


class Calculator(Model):
    """A calculator embedded in topic pages."""

    id: Id
    """Identifier; must equal the file name."""
    title: Text
    """Title shown above the calculator."""
    kind: Literal["weight-dose", "decision"]
    """weight-dose or decision."""


def cross_check_calculator(
    calculator: Calculator, *, topics: dict[str, Any], products: dict[str, Any]
) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, message) for every reference from the spec to other content that does not resolve."""
    return []
