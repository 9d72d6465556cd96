"""Property: whatever an editor does to a valid file, the validator either accepts
it or reports located errors. It never raises."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.diagnostics import Report
from generator.load import load_yaml_text
from generator.validate import validate_content

MINI = Path(__file__).parent / "fixtures" / "mini"
ALPHA = (MINI / "topics" / "alpha.yaml").read_text(encoding="utf-8")
SNIPPETS = [
    ":",
    "-",
    " ",
    "\n",
    "  ",
    "[",
    "]",
    "{",
    "}",
    "!!python/object:os.system",
    "&a",
    "*a",
    "<<: *a",
    "'",
    '"',
    "#",
    "0",
    "-1",
    "1e9",
    "null",
    "~",
    "true",
    "\t",
    "g/kg",
    "x10^9/L",
    "cite: [nope]",
    "\u00e9",
    "id: other",
    "\x00",
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = ALPHA
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "delete", "swap-lines", "duplicate-line"]))
        lines = text.splitlines(keepends=True)
        if kind == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.sampled_from(SNIPPETS)) + text[at:]
        elif kind == "delete":
            at = draw(st.integers(0, max(0, len(text) - 1)))
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif kind == "swap-lines" and len(lines) > 1:
            i = draw(st.integers(0, len(lines) - 2))
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
            text = "".join(lines)
        elif lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            text = "".join(lines)
    return text


def _located(report: Report, text: str) -> None:
    line_count = max(1, text.count("\n") + 1)
    for d in report.diagnostics:
        assert 1 <= d.line <= line_count + 1, str(d)
        assert d.col >= 1, str(d)
        assert d.field and d.message, str(d)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_loader_never_raises(text: str) -> None:
    report = Report()
    load_yaml_text(text, "alpha.yaml", report)
    _located(report, text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(text=mutated())
def test_validator_accepts_or_locates(tmp_path_factory, text: str) -> None:
    import shutil

    content = tmp_path_factory.mktemp("content")
    shutil.copytree(MINI, content, dirs_exist_ok=True)
    (content / "topics" / "alpha.yaml").write_text(text, encoding="utf-8")
    handbook, report = validate_content(content, on=dt.date(2026, 11, 23))
    _located(report, text)
    assert (handbook is None) == bool(report.errors)
