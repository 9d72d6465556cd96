"""The README's two set-up commands and CI stay in step."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_shows_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", setup, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line and not line.startswith("#")]
    assert commands == ["python3 -m pip install -e . && handbook build", "bash tests/run.sh"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec bash tests/run.sh" in ci


def test_test_runner_refuses_an_empty_run() -> None:
    runner = (ROOT / "tests" / "run.sh").read_text(encoding="utf-8")
    assert '"$status" -eq 5' in runner
    assert "apt-get install" in runner and "chromium" in runner
