"""The README's two set-up commands, as printed, work from a fresh copy of the repository,
and CI runs the second one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", setup, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_shows_exactly_two_setup_commands_and_ci_runs_the_test_one() -> None:
    assert readme_setup_commands() == ["./handbook build", "bash tests/run.sh"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec bash tests/run.sh" in ci


def test_test_runner_uses_the_repository_venv_and_refuses_an_empty_run() -> None:
    runner = (ROOT / "tests" / "run.sh").read_text(encoding="utf-8")
    assert '"$status" -eq 5' in runner
    assert '"$VIRTUAL_ENV/bin/python" -m pytest' in runner
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    for package in ("python3-venv", "chromium", "poppler-utils", "nodejs", "fonts-dejavu-core", "libpango-1.0-0"):
        assert package in bootstrap
    # Nothing is ever installed into the system Python (PEP 668 refuses it on Debian).
    assert "pip install" not in runner
    assert '"$venv/bin/python" -m pip install' in bootstrap


def fresh_copy(target: Path) -> Path:
    """The repository's tracked files as they are in the working tree (uncommitted edits
    included), without .venv, caches or built sites: what a new clone holds."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.mark.slow
def test_readme_commands_as_printed_work_in_a_fresh_copy(tmp_path: Path) -> None:
    """Command 1 exactly as printed; command 2 as printed with pytest arguments appended
    (the whole suite would run this test again), then with a selection that collects
    nothing, which must fail. The copy makes its own .venv: the Python that runs this
    test is left alone."""
    clone = fresh_copy(tmp_path / "clone")
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT / ".venv"))
    )
    env.pop("SOURCE_DATE_EPOCH", None)
    build_command, test_command = readme_setup_commands()

    built = subprocess.run(build_command, shell=True, cwd=clone, env=env, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr[-3000:]
    assert (clone / ".venv" / "bin" / "handbook").is_file()
    assert (clone / "site" / "index.html").is_file()
    assert (clone / "site" / "pocket-guide.pdf").read_bytes().startswith(b"%PDF-")

    tested = subprocess.run(
        f"{test_command} -q -p no:cacheprovider tests/test_setup_contract.py -k readme_shows",
        shell=True,
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    assert "1 passed" in tested.stdout

    empty = subprocess.run(
        f"{test_command} -q -p no:cacheprovider -k no_test_has_this_name",
        shell=True,
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert empty.returncode == 1
    assert "tests/run.sh: pytest collected no tests: that is a failure" in empty.stderr


def _bootstrap(script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in bash after sourcing scripts/bootstrap.sh, as an ordinary user:
    ``id`` is shadowed so the root-only install branch is never taken."""
    prelude = "set -euo pipefail; source scripts/bootstrap.sh; id() { echo 1000; }; "
    return subprocess.run(["bash", "-c", prelude + script], cwd=ROOT, capture_output=True, text=True, check=False)


def test_a_missing_debian_package_stops_an_ordinary_user_with_the_line_to_run() -> None:
    result = _bootstrap("ensure_debian_packages tests/run.sh bash no-such-package-for-the-handbook")
    assert result.returncode == 1
    assert result.stderr == (
        "tests/run.sh: missing Debian packages: no-such-package-for-the-handbook\n"
        "tests/run.sh: install them, then run this again: sudo apt-get install no-such-package-for-the-handbook\n"
    )


def test_installed_debian_packages_pass_without_a_word() -> None:
    result = _bootstrap("ensure_debian_packages tests/run.sh bash coreutils; echo passed")
    assert (result.returncode, result.stdout, result.stderr) == (0, "passed\n", "")
