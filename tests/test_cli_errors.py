"""No traceback at the command line (security review 2026-11, D10): read-only
folders, a full disk, an impossible output path and unexpected failures are one
line and exit 1 (2 for usage); `--debug` shows the traceback."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.build as build_module
from generator.cli import cli

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"


def build(tmp_path: Path, *extra: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(
        cli, [*extra, "build", "--content", str(MINI), "-o", str(tmp_path / "site"), "--no-pdf"]
    )
    return result.exit_code, result.output, result.exception


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.EROFS, "the file system is read-only"),
        (errno.ENOSPC, "no space left on the disk"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_operational_errors_are_one_line(tmp_path, monkeypatch, code, words):
    def fail(context, site_dir):
        raise OSError(code, os.strerror(code), str(site_dir / "manifest.json"))

    monkeypatch.setattr(build_module, "write_manifest", fail)
    exit_code, output, _ = build(tmp_path)
    assert exit_code == 1
    staging = output.split("cannot build the site: ")[1].split(":")[0]
    assert output == (f"error: cannot build the site: {staging}: {words}; the previous site was left in place\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the build folder is gone


def test_debug_shows_the_traceback(tmp_path, monkeypatch):
    def fail(context, site_dir):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build_module, "write_manifest", fail)
    exit_code, _, exception = build(tmp_path, "--debug")
    assert exit_code == 1 and isinstance(exception, OSError)


def test_an_unexpected_failure_is_one_line_asking_for_a_report(tmp_path, monkeypatch):
    def fail(context, site_dir):
        raise ValueError("'<li>' is not in list")

    monkeypatch.setattr(build_module, "write_manifest", fail)
    exit_code, output, _ = build(tmp_path)
    assert exit_code == 1
    assert output == (
        "error: build failed: ValueError: '<li>' is not in list; the previous site was left in place "
        "(a bug: please report it with the output of `handbook --debug ...`)\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["build", "--content", str(MINI), "--no-pdf", "-q", "-o", "/proc/handbook-site"],
        ["pdf", "--content", str(MINI), "-q", "-o", "/proc/handbook.pdf"],
        ["build", "--content", str(MINI), "--no-pdf", "-q", "-o", "/dev/null/site"],
        ["validate", "--content", "/nonexistent/content"],
    ],
    ids=["build-proc", "pdf-proc", "build-under-a-file", "validate-missing"],
)
def test_impossible_paths_end_in_one_line_without_traceback(args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDBOOK_JOBS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "generator", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors or "error(s)" in done.stderr, done.stderr


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc", "error: SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 (got 'abc')"),
        ("253402214400", "error: SOURCE_DATE_EPOCH must be a time between 1970 and 2100 (got 253402214400)"),
    ],
)
def test_an_unusable_source_date_epoch_is_a_usage_error(monkeypatch, value, message):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = CliRunner().invoke(cli, ["validate", "--content", str(MINI)])
    assert result.exit_code == 2
    assert result.output.strip() == message
