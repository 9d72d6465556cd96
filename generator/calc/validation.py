"""The evidence a clinical safety officer asks for: every shared vector of a calculator
(tests/vectors/<id>.json) through both engines, against the expected values worked by hand.

``handbook calc <id> --validate`` runs both engines (node for calc-engine.js) and exits 1 on
any mismatch; the site's validation page shows the Python results and the hand-worked
expectations, and calculator.js fills in the JavaScript engine's results in the reader's
own browser (the very engine the page ships).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..project import THEME_DIR
from .engine import compute
from .program import Program

__all__ = ["ENGINE_JS", "CaseResult", "Outcome", "matches", "validate_vectors", "vectors_dir"]

# The engine the site ships (theme/assets/javascripts/), run by node for --validate.
ENGINE_JS = THEME_DIR / "assets" / "javascripts" / "calc-engine.js"  # repository or wheel (generator.project)

# Reads the program (first line), then one inputs object per line; writes one result per line.
_RUNNER = """
const engine = require(process.argv[1]);
const lines = require("fs").readFileSync(0, "utf8").split("\\n").filter(Boolean);
const program = JSON.parse(lines[0]);
const out = lines.slice(1).map((l) => JSON.stringify(engine.compute(program, JSON.parse(l))));
process.stdout.write(out.join("\\n") + "\\n");
"""


def vectors_dir(content_dir: Path) -> Path:
    """Shared vectors live in tests/vectors/ next to the content folder."""
    return Path(content_dir).resolve().parent / "tests" / "vectors"


def matches(actual: Any, expected: Any) -> bool:
    """An output agrees with an expected (sub)value: numbers to 1e-9 relative, the rest exactly."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return actual == expected and type(actual) is type(expected)
    if isinstance(expected, int | float):
        is_number = isinstance(actual, int | float) and not isinstance(actual, bool)
        return is_number and math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(map(matches, actual, expected))
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and set(actual) == set(expected)
            and all(matches(actual[k], expected[k]) for k in expected)
        )
    return False


@dataclass
class CaseResult:
    """One vector: what was typed, what hand arithmetic expects, what each engine gave."""

    name: str
    note: str
    inputs: dict[str, Any]
    expect: dict[str, Any]
    python: dict[str, Any]
    javascript: dict[str, Any] | None = None

    @property
    def python_ok(self) -> bool:
        return all(matches(self.python.get(k, "<absent>"), v) for k, v in self.expect.items())

    @property
    def engines_agree(self) -> bool | None:
        return None if self.javascript is None else self.javascript == self.python


@dataclass
class Outcome:
    """Every vector of one calculator, with the engine version and the program's hash."""

    calculator: str
    engine: int
    program_hash: str
    cases: list[CaseResult] = field(default_factory=list)
    problem: str | None = None

    @property
    def passed(self) -> bool:
        return self.problem is None and bool(self.cases) and all(c.python_ok and c.engines_agree for c in self.cases)

    def report(self) -> str:
        lines = [f"{self.calculator}: engine {self.engine}, program {self.program_hash[:16]}"]
        for case in self.cases:
            verdict = "ok" if case.python_ok and case.engines_agree else "MISMATCH"
            why = [] if case.python_ok else ["Python differs from the expected values"]
            why += [] if case.engines_agree else ["JavaScript differs from Python"]
            lines.append(f"  {verdict}: {case.name}" + (f" ({'; '.join(why)})" if why else ""))
        if self.problem:
            lines.append(f"  error: {self.problem}")
        passed = sum(1 for c in self.cases if c.python_ok and c.engines_agree)
        lines.append(f"{passed} of {len(self.cases)} vectors pass in both engines")
        return "\n".join(lines) + "\n"


def python_results(program: Program, path: Path) -> Outcome:
    """The Python engine on every vector of ``path`` (no node needed)."""
    outcome = Outcome(program.id, program.engine, program.digest())
    if not path.is_file():
        outcome.problem = f"no shared vectors ({path})"
        return outcome
    data = json.loads(path.read_text(encoding="utf-8"))
    for case in data["cases"]:
        result = json.loads(json.dumps(compute(program, case["inputs"])))
        outcome.cases.append(CaseResult(case["name"], case["note"], case["inputs"], case["expect"], result))
    return outcome


def validate_vectors(program: Program, path: Path) -> Outcome:
    """Both engines on every vector: JavaScript through node, one process for all cases."""
    outcome = python_results(program, path)
    node = shutil.which("node")
    if outcome.problem or node is None:
        outcome.problem = outcome.problem or "node is not installed: the JavaScript engine cannot be run"
        return outcome
    stdin = "\n".join([json.dumps(program.to_json()), *(json.dumps(c.inputs) for c in outcome.cases)]) + "\n"
    run = subprocess.run(
        [node, "-e", _RUNNER, str(ENGINE_JS)], input=stdin, capture_output=True, text=True, check=False, timeout=300
    )
    if run.returncode != 0:
        outcome.problem = f"node failed: {run.stderr.strip()[-500:]}"
        return outcome
    for case, line in zip(outcome.cases, run.stdout.splitlines(), strict=True):
        case.javascript = json.loads(line)
    return outcome
