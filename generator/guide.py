"""Point each validation message at the section of the authoring guide that explains it.

The rules are data: the first rule whose field pattern and message pattern both match
a diagnostic gives the anchor. The CLI can append the link to a printed diagnostic:

    content/topics/x.yaml:12:7: regimens[0].dose.unit: unknown value (...)
      see docs/authoring.md#units

Tests check that every anchor exists in docs/authoring.md, so a renamed heading
cannot leave a dead link behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import Diagnostic

__all__ = ["GUIDE", "RULES", "Rule", "guide_anchor", "guide_link", "guide_location", "with_guide_link"]

GUIDE = "docs/authoring.md"
"""The guide's place in this repository; the installed tool carries it (generator.project)."""


def guide_location() -> str:
    """The authoring guide the installed tool carries, as a reader at this terminal can
    open it: relative to the current folder when it is inside it (in this repository:
    docs/authoring.md), else its absolute path."""
    from .project import GUIDE_FILE

    try:
        return GUIDE_FILE.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(GUIDE_FILE)


@dataclass(frozen=True)
class Rule:
    """A kind of problem: which diagnostics it covers, and where the guide explains it."""

    name: str
    anchor: str
    message: re.Pattern[str]
    field: re.Pattern[str] = re.compile("")

    def matches(self, diagnostic: Diagnostic) -> bool:
        return bool(self.message.search(diagnostic.message) and self.field.search(diagnostic.field))


def _rule(name: str, anchor: str, message: str, field: str = "") -> Rule:
    return Rule(name, anchor, re.compile(message), re.compile(field))


# Order matters: specific kinds before the generic ones that would also match.
RULES: tuple[Rule, ...] = (
    _rule("yaml", "yaml-basics", r"^(YAML |duplicate key |file is empty|file is not UTF-8|expected a YAML mapping)"),
    _rule("unknown-field", "fields", r"^unknown field "),
    _rule("citation", "citing", r"cites no reference|cites an undefined reference|is not cited by any content"),
    _rule("unit", "units", r"is not a dose unit|unknown value|mass unit|cannot convert", r"(^|\.)unit$|units\[\d+\]$"),
    _rule("review", "review", r"", r"^review(\.|$)"),
    _rule("decision-table", "decision-tables", r"", r"^decision_tables\["),
    _rule("dose", "doses", r"", r"^regimens\["),
    _rule("link", "links", r"links to a missing topic|no calculator '|no regimen '|no topic '|no product '"),
    _rule("id", "ids-and-files", r"id must equal the file name|is used twice|is defined twice|expected form"),
    _rule("required", "fields", r"^required field is missing|^expected text, got nothing|^must not be empty"),
)


def guide_anchor(diagnostic: Diagnostic) -> str:
    """The anchor in docs/authoring.md that explains ``diagnostic``; the error-message
    index when no rule is more specific."""
    for rule in RULES:
        if rule.matches(diagnostic):
            return rule.anchor
    return "error-messages"


def guide_link(diagnostic: Diagnostic, *, guide: str | None = None) -> str:
    return f"{guide or guide_location()}#{guide_anchor(diagnostic)}"


def with_guide_link(diagnostic: Diagnostic, *, guide: str | None = None) -> str:
    """The diagnostic as printed, with a second line naming the guide section."""
    return f"{diagnostic}\n  see {guide_link(diagnostic, guide=guide)}"
