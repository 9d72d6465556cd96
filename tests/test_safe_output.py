"""`handbook build -o DIR` never deletes what it did not make; concurrent builds
never mix; interrupted builds are swept; the swap never leaves the site missing
(security review 2026-11, D4 and D11, item 3)."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.safe_output as safe_output
from generator.build import build_site
from generator.cli import cli
from generator.safe_output import OutputRefused, check_pdf_target, check_site_target, sweep

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"


def digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------- refusals (no build needed)


@pytest.mark.parametrize(
    "where, reason",
    [
        ("stranger", "it is not empty and was not built by handbook (no manifest.json)"),
        ("content", "it is the handbook's content folder"),
        ("project", "it is the handbook's own folder"),
        ("above", "it contains the handbook's content folder"),
        ("inside", "it is inside the content folder"),
    ],
)
def test_build_refuses_an_output_it_did_not_make_and_keeps_the_files(tmp_path, monkeypatch, where, reason):
    project = tmp_path / "project"
    content = project / "content"
    shutil.copytree(MINI, content)
    monkeypatch.chdir(ROOT)
    stranger = tmp_path / "shared"
    stranger.mkdir()
    (stranger / "colleague.docx").write_bytes(b"minutes of the meeting")
    (tmp_path / "notes.txt").write_text("keep me")
    target = {
        "stranger": stranger,
        "content": content,
        "project": project,
        "above": tmp_path,
        "inside": content / "site",
    }[where]
    before = digest(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--content", str(content), "-o", str(target), "--no-pdf"])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: refusing to "), result.output
    assert reason in lines[0]
    assert digest(tmp_path) == before  # nothing deleted, nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "project", "shared"]


def test_home_root_and_current_folder_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(tmp_path / "home")
    with pytest.raises(OutputRefused, match="to your home folder"):
        check_site_target(tmp_path / "home", content_dir=MINI)
    with pytest.raises(OutputRefused, match="to the root folder /"):
        check_site_target(Path("/"), content_dir=MINI)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(OutputRefused, match="it is the current folder"):
        check_site_target(Path("."), content_dir=MINI)
    with pytest.raises(OutputRefused, match="it contains the current folder"):
        check_site_target(Path(".."), content_dir=MINI)


def test_a_missing_or_empty_folder_or_one_of_our_sites_may_be_replaced(tmp_path):
    assert check_site_target(tmp_path / "new", content_dir=MINI) == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert check_site_target(tmp_path / "empty", content_dir=MINI) == tmp_path / "empty"
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "manifest.json").write_text(json.dumps({"edition": {}, "build_time": "x", "topics": []}))
    assert check_site_target(ours, content_dir=MINI) == ours
    (tmp_path / "notes.txt").write_text("keep")
    with pytest.raises(OutputRefused, match="it is not a folder"):
        check_site_target(tmp_path / "notes.txt", content_dir=MINI)
    (ours / "manifest.json").write_text('{"name": "some other tool"}')
    with pytest.raises(OutputRefused, match="not built by handbook"):
        check_site_target(ours, content_dir=MINI)


def test_pdf_replaces_only_a_pocket_guide_it_printed(tmp_path):
    theirs = tmp_path / "report.pdf"
    theirs.write_bytes(b"%PDF-1.7\n... /Creator (Microsoft Word) ...\n%%EOF\n")
    with pytest.raises(OutputRefused, match="it is not a pocket guide printed by handbook"):
        check_pdf_target(theirs, content_dir=MINI)
    text = tmp_path / "notes.pdf"
    text.write_text("not a pdf at all")
    with pytest.raises(OutputRefused, match="not a pocket guide"):
        check_pdf_target(text, content_dir=MINI)
    with pytest.raises(OutputRefused, match="it is not a regular file"):
        check_pdf_target(tmp_path, content_dir=MINI)
    ours = tmp_path / "guide.pdf"
    ours.write_bytes(b"%PDF-1.7\n...\n<< /Creator (clinical-handbook generator) >>\n%%EOF\n")
    assert check_pdf_target(ours, content_dir=MINI) == ours


def test_handbook_pdf_refuses_to_overwrite_a_colleagues_pdf(tmp_path):
    theirs = tmp_path / "report.pdf"
    theirs.write_bytes(b"%PDF-1.4\nsomeone's report\n%%EOF\n")
    result = CliRunner().invoke(cli, ["pdf", "--content", str(MINI), "-o", str(theirs), "-q"])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"error: refusing to replace {theirs}: it is not a pocket guide printed by handbook; choose another name"
    )
    assert theirs.read_bytes() == b"%PDF-1.4\nsomeone's report\n%%EOF\n"


# --------------------------------------------------------------------------- builds


@pytest.mark.slow
def test_rebuild_replaces_its_own_site_and_leaves_no_build_folder(tmp_path):
    site = tmp_path / "site"
    build_site(MINI, site, pdf=False)
    (site / "stale.html").write_text("from the old build")
    build_site(MINI, site, pdf=False)
    assert not (site / "stale.html").exists()
    assert (site / "topics" / "alpha" / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert oct(site.stat().st_mode & 0o777) == "0o755"


@pytest.mark.slow
def test_two_concurrent_builds_of_different_content_each_get_only_their_own(tmp_path):
    """D4: two builds 0.3 s apart used to share .docs/ and mix their pages."""
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, title in ((first, "Handbook AAA"), (second, "Handbook BBB")):
        shutil.copytree(MINI, folder)
        meta = folder / "handbook.yaml"
        meta.write_text(meta.read_text().replace("title: ", f"title: {title} ", 1))
        topic = folder / "topics" / "alpha.yaml"
        topic.write_text(topic.read_text().replace("title: Alpha treatment", f"title: {title[-3:]} treatment"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDBOOK_JOBS": "1"}
    command = [sys.executable, "-m", "generator", "build", "--no-pdf"]
    one = subprocess.Popen([*command, "--content", str(first), "-o", str(tmp_path / "site-a")], cwd=ROOT, env=env)
    time.sleep(0.3)
    two = subprocess.Popen([*command, "--content", str(second), "-o", str(tmp_path / "site-b")], cwd=ROOT, env=env)
    assert one.wait(timeout=300) == 0 and two.wait(timeout=300) == 0
    for site, mine, theirs in (("site-a", "AAA", "BBB"), ("site-b", "BBB", "AAA")):
        text = "".join(p.read_text() for p in (tmp_path / site).rglob("*.html"))
        text += (tmp_path / site / "manifest.json").read_text()
        assert f"Handbook {mine}" in text and f"{mine} treatment" in text
        assert theirs not in text, site


@pytest.mark.slow
def test_two_concurrent_builds_into_one_folder_leave_one_whole_site(tmp_path):
    """D4, same -o: the site that remains is entirely one build's, never a mixture."""
    contents = []
    for title in ("Handbook AAA", "Handbook BBB"):
        folder = tmp_path / title[-3:]
        shutil.copytree(MINI, folder)
        meta = folder / "handbook.yaml"
        meta.write_text(meta.read_text().replace("title: Mini Handbook", f"title: {title}", 1))
        contents.append(folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDBOOK_JOBS": "1"}
    site = tmp_path / "site"
    command = [sys.executable, "-m", "generator", "build", "--no-pdf", "-o", str(site), "--content"]
    one = subprocess.Popen([*command, str(contents[0])], cwd=ROOT, env=env)
    time.sleep(0.3)
    two = subprocess.Popen([*command, str(contents[1])], cwd=ROOT, env=env)
    assert one.wait(timeout=300) == 0 and two.wait(timeout=300) == 0
    title = json.loads((site / "manifest.json").read_text())["title"]
    other = "Handbook BBB" if title == "Handbook AAA" else "Handbook AAA"
    text = "".join(p.read_text() for p in site.rglob("*.html"))
    assert title in text and other not in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["AAA", "BBB", "site"]


def _build_then_hang(site: str) -> None:
    safe_output._exchange = lambda first, second: (time.sleep(60), True)[1]
    build_site(MINI, Path(site), pdf=False)


@pytest.mark.slow
def test_a_build_killed_during_the_swap_leaves_the_old_site_and_is_swept(tmp_path):
    """D11: the old two-rename swap left no site/ at all when killed between the
    renames, and build folders were never removed."""
    site = tmp_path / "site"
    build_site(MINI, site, pdf=False)
    before = digest(site)
    child = multiprocessing.get_context("fork").Process(target=_build_then_hang, args=(str(site),))
    child.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        work = [p for p in tmp_path.iterdir() if p.name.startswith("site.build-")]
        if work and (work[0] / "site" / "manifest.json").is_file():
            break
        time.sleep(0.1)
    else:
        pytest.fail("the build never reached the swap")
    assert sweep(site) == []  # its owner is alive: not swept
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert digest(site) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("site.build-")]
    build_site(MINI, site, pdf=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_leftovers_of_earlier_versions_are_swept_but_not_a_strangers_folder(tmp_path):
    site = tmp_path / "site"
    (tmp_path / "site.tmp-abc123").mkdir()
    pdf = tmp_path / "site.pdf-x1"
    pdf.mkdir()
    (pdf / "pocket-guide.pdf").write_bytes(b"%PDF-")
    stranger = tmp_path / "site.old-mine"
    stranger.mkdir()
    (stranger / "thesis.docx").write_text("keep")
    unmarked = tmp_path / "site.build-zz"
    unmarked.mkdir()
    (unmarked / "data.csv").write_text("keep")
    removed = sweep(site)
    assert sorted(p.name for p in removed) == ["site.pdf-x1", "site.tmp-abc123"]
    assert (stranger / "thesis.docx").read_text() == "keep"
    assert (unmarked / "data.csv").read_text() == "keep"


def test_an_old_site_left_between_two_renames_is_put_back(tmp_path):
    site = tmp_path / "site"
    old = tmp_path / "site.old-k2"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"edition": {}, "build_time": "x", "topics": []}))
    sweep(site)
    assert (site / "manifest.json").is_file() and not old.exists()


def test_the_fallback_swap_puts_the_old_site_back_when_the_second_rename_fails(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "manifest.json").write_text(json.dumps({"edition": {}, "build_time": "x", "topics": []}))
    monkeypatch.setattr(safe_output, "_exchange", lambda first, second: False)
    real_rename = Path.rename

    def rename(self, target):
        if self.name == "site" and self.parent.name.startswith("site.build-"):
            raise OSError(28, "No space left on device")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError), safe_output.work_folder(site) as work:
        (work / "site").mkdir()
        safe_output.swap_in(work / "site", site, work)
    assert (site / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


@pytest.mark.slow
def test_handbook_pdf_replaces_its_own_pocket_guide(tmp_path):
    guide = tmp_path / "guide.pdf"
    for _ in range(2):
        result = CliRunner().invoke(cli, ["pdf", "--content", str(MINI), "-o", str(guide), "-q", "--topic", "alpha"])
        assert result.exit_code == 0, result.output
    assert guide.read_bytes().startswith(b"%PDF-")
