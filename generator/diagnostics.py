"""Located diagnostics: every content problem is reported as
``file:line:col: field.path: message``, all of them in one run.

Domain code appends :class:`Diagnostic` objects to a :class:`Report`; only the
CLI boundary turns a failed report into an exit status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["ContentError", "Diagnostic", "Report", "format_loc"]

Severity = Literal["error", "warning"]


def format_loc(loc: tuple[str | int, ...]) -> str:
    """``("regimens", 0, "dose", "unit")`` -> ``regimens[0].dose.unit``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "<file>"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        return f"{self.path}:{self.line}:{self.col}: {prefix}{self.field}: {self.message}"


@dataclass
class Report:
    """Collects diagnostics across every file of a run."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.diagnostics.append(diagnostic)

    def error(self, path: str | Path, line: int, col: int, field_path: str, message: str) -> None:
        self.add(Diagnostic(str(path), line, col, field_path, message, "error"))

    def warning(self, path: str | Path, line: int, col: int, field_path: str, message: str) -> None:
        self.add(Diagnostic(str(path), line, col, field_path, message, "warning"))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def failed(self, *, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        # Stable, file-then-position order so editors read errors top to bottom.
        return sorted(self.diagnostics, key=lambda d: (d.path, d.line, d.col, d.field, d.message))


class ContentError(Exception):
    """Raised at a stage boundary when content is invalid; carries the report."""

    def __init__(self, report: Report):
        self.report = report
        super().__init__(f"{len(report.errors)} content error(s)")
