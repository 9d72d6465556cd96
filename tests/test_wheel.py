"""The tool as a hospital installs it: a wheel, installed into a fresh virtual
environment, starts a handbook in an empty folder outside this repository, validates,
builds the site and prints the PDF there, and writes nothing anywhere else.

The wheel is installed with --no-deps, and its dependencies (MkDocs, WeasyPrint...) are
lent by the environment running this test through a .pth line placed after the new
environment's own site-packages: no download, and the tool itself can only come from
the wheel (the lent folder holds at most an editable-install hook for this repository,
which a .pth line does not activate; the test checks where `generator` is imported from).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from test_setup_contract import fresh_copy

ROOT = Path(__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
def test_the_wheel_starts_validates_and_builds_a_handbook_and_writes_only_inside_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SOURCE_DATE_EPOCH")}
    source = fresh_copy(tmp_path / "source")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source)],
        tmp_path,
        env,
    )
    (wheel,) = (tmp_path / "dist").glob("clinical_handbook-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = venv / "bin" / "python"
    purelib = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path, env).stdout.strip()
    )
    lent = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (purelib / "zz-lent-dependencies.pth").write_text("\n".join(sorted(lent)) + "\n")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)], tmp_path, env)
    where = run(
        [str(python), "-c", "import generator.project as p; print(p.__file__); print(p.THEME_DIR)"], tmp_path, env
    )
    module, theme = where.stdout.split()
    assert Path(module).is_relative_to(purelib) and Path(theme).is_relative_to(purelib), where.stdout

    # An empty folder outside the repository, with its own home folder for caches.
    work = tmp_path / "hospital"
    (work / "home").mkdir(parents=True)
    env = {**env, "HOME": str(work / "home"), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    install_before, repo_before = snapshot(purelib), _repo_status()
    handbook = str(venv / "bin" / "handbook")
    run([handbook, "init", "antimicrobials"], work, env)
    folder = work / "antimicrobials"
    validated = run([handbook, "validate"], folder / "topics", env)  # found from a subfolder
    assert validated.stdout.startswith("ok: 1 topics")
    run([handbook, "build", "-q"], folder, env)
    run([handbook, "pdf", "-q"], folder, env)
    # An error's hint names a section of the guide the installed tool carries.
    topic = folder / "topics" / "example-topic.yaml"
    original = topic.read_text()
    topic.write_text(original.replace("specialty:", "specality:"))
    refused = subprocess.run([handbook, "validate"], cwd=folder, env=env, capture_output=True, text=True, check=False)
    topic.write_text(original)
    assert refused.returncode == 1
    hint = next(line for line in refused.stderr.splitlines() if line.startswith("  see "))
    guide, anchor = hint.removeprefix("  see ").split("#")
    assert Path(guide).is_relative_to(purelib) and anchor == "fields", hint
    assert "\n## Fields\n" in Path(guide).read_text()

    assert (folder / "site" / "index.html").is_file()
    assert (folder / "site" / "pocket-guide.pdf").read_bytes().startswith(b"%PDF-")
    assert (folder / "build" / "pocket-guide.pdf").read_bytes().startswith(b"%PDF-")
    assert snapshot(purelib) == install_before, "the tool wrote into its own install"
    assert _repo_status() == repo_before, "the tool wrote into this repository"
    outside = sorted(
        p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file() and "antimicrobials" not in p.parts
    )
    assert [p for p in outside if not p.startswith("home/.cache/fontconfig/")] == [], outside
    site_files = {p.name for p in (folder / "site").iterdir()}
    assert {"index.html", "manifest.json", "pocket-guide.pdf", "assets"} <= site_files


def _repo_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
