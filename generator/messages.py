"""How a report reads at the terminal, for an editor who is drafting.

Every diagnostic keeps its own located line, with two exceptions that would otherwise
bury the real problems:

* a file with several empty values (a skeleton from ``handbook new`` not yet filled)
  gets one message listing each placeholder with its line, instead of one error each;
* the unit vocabulary (28 units) is printed once per run, not inside every message
  about a unit.

The report itself is unchanged: the counts, ``--strict`` and the exit status still see
every diagnostic.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from .diagnostics import Diagnostic

__all__ = ["PLACEHOLDER", "report_lines"]

PLACEHOLDER = "got nothing"
"""The end of every message about an empty value (generator.validate)."""
_CHOICES = re.compile(r"expected one of ([^;)]*)")


def _unit_vocabulary() -> frozenset[str]:
    from .model.common import Unit

    return frozenset(unit.value for unit in Unit)


def _without_vocabulary(message: str, vocabulary: frozenset[str]) -> tuple[str, str | None]:
    """The message with a listed unit vocabulary replaced by a pointer, and the list."""
    match = _CHOICES.search(message)
    if match is None:
        return message, None
    choices = re.split(r",? or |, ", match.group(1))
    if frozenset(choice.strip("'") for choice in choices) != vocabulary:
        return message, None
    shortened = message[: match.start()] + "expected a unit from the vocabulary below" + message[match.end() :]
    return shortened, match.group(1)


def _is_placeholder(diagnostic: Diagnostic) -> bool:
    return diagnostic.severity == "error" and diagnostic.message.endswith((PLACEHOLDER, PLACEHOLDER + ")"))


def report_lines(diagnostics: Iterable[Diagnostic], guide_link: Callable[[Diagnostic], str]) -> list[str]:
    """The lines to print for ``diagnostics`` (in file and line order), each message
    or group followed by the authoring-guide section that explains it."""
    ordered = sorted(diagnostics, key=lambda d: (d.path, d.line, d.col, d.field, d.message))
    placeholders: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in ordered:
        if _is_placeholder(diagnostic):
            placeholders[diagnostic.path].append(diagnostic)
    grouped = {path for path, found in placeholders.items() if len(found) > 1}
    vocabulary = _unit_vocabulary()
    listed = next(filter(None, (_without_vocabulary(d.message, vocabulary)[1] for d in ordered)), None)
    lines: list[str] = []
    for diagnostic in ordered:
        if diagnostic.path in grouped and _is_placeholder(diagnostic):
            if diagnostic is placeholders[diagnostic.path][0]:
                lines += _placeholder_group(placeholders[diagnostic.path], guide_link)
            continue
        message, _ = _without_vocabulary(diagnostic.message, vocabulary)
        lines.append(str(diagnostic).removesuffix(diagnostic.message) + message)
        lines.append(f"  see {guide_link(diagnostic)}")
    if listed is not None:
        lines.append(f"unit vocabulary: {listed}")
    return lines


def _placeholder_group(found: list[Diagnostic], guide_link: Callable[[Diagnostic], str]) -> list[str]:
    first = found[0]
    lines = [f"{first.path}:{first.line}:{first.col}: {len(found)} placeholders left to fill:"]
    vocabulary = _unit_vocabulary()
    for diagnostic in found:
        message, units = _without_vocabulary(diagnostic.message, vocabulary)
        what = "a unit from the vocabulary below" if units else _expected(message)
        lines.append(f"  line {diagnostic.line}: {diagnostic.field} ({what})")
    links = sorted({guide_link(d) for d in found})
    guide = links[0].split("#", 1)[0]
    lines.append(f"  see {guide}, sections " + ", ".join("#" + link.split("#", 1)[1] for link in links))
    return lines


def _expected(message: str) -> str:
    """What an empty value should hold, from its message: "expected text, got nothing"
    -> "text"; "unknown value (expected one of 'IV' or 'SC'; got nothing)" -> "one of 'IV' or 'SC'"."""
    match = re.search(r"expected (.*?)[,;] got nothing", message)
    return match.group(1) if match else message
