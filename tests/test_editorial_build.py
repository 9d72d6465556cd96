"""`handbook build --release / --exclude-drafts / --since`: real MkDocs builds of the
fixture handbook in a throw-away git repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build_site
from generator.cli import cli
from generator.diff import DiffError

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"

pytestmark = pytest.mark.slow


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        check=True,
        capture_output=True,
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """content/ committed once; then the dose is doubled and beta becomes a draft."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # 2027-01-01: no review due
    shutil.copytree(MINI, tmp_path / "content")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "content")
    _git(tmp_path, "commit", "-q", "-m", "edition 2026.1")
    _edit(tmp_path / "content" / "topics" / "alpha.yaml", "amount: 1,", "amount: 2,")
    _edit(tmp_path / "content" / "topics" / "beta.yaml", "status: approved", "status: draft")
    return tmp_path


def test_release_refuses_and_builds_nothing(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--release", "--no-pdf", "-o", "site"])
    assert result.exit_code == 1
    assert result.output == (
        "content/safety/hazards.yaml: the hazard log has no clinical safety officer sign-off "
        "(expected sign_off: name, role, date)\n"
        "content/topics/alpha.yaml: topic 'alpha' is submitted, not approved\n"
        "content/topics/beta.yaml: topic 'beta' is draft, not approved\n"
        "release refused: 3 problem(s); nothing was built\n"
    )
    assert not (repo / "site").exists()


def test_release_with_drafts_excluded_names_only_what_is_built(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--release", "--exclude-drafts", "--no-pdf", "-o", "site"])
    assert result.exit_code == 1
    assert result.output == (
        "content/safety/hazards.yaml: the hazard log has no clinical safety officer sign-off "
        "(expected sign_off: name, role, date)\n"
        "content/topics/alpha.yaml: topic 'alpha' is submitted, not approved\n"
        "release refused: 2 problem(s); nothing was built\n"
    )


def test_exclude_drafts_and_since_build_the_changes_page(repo: Path) -> None:
    build_site(Path("content"), Path("site"), docs_dir=Path("docs"), pdf=False, exclude_drafts=True, since="HEAD")
    site = repo / "site"
    assert (site / "topics" / "alpha").is_dir() or (site / "topics" / "alpha.html").is_file()
    assert not any(p.name.startswith("beta") for p in (site / "topics").iterdir()), "the draft is not built"
    page = (repo / "docs" / "changes.md").read_text(encoding="utf-8")
    assert "| [Alpha treatment in ITP](topics/alpha.md) | regimen alpha-once dose | 1 g/kg | **2 g/kg** |" in page
    assert "## Removed topics\n\n- Beta grading (`beta`)\n" in page
    html = next(site.glob("changes*/index.html"), None) or site / "changes.html"
    text = html.read_text(encoding="utf-8")
    assert 'class="admonition danger"' in text
    assert "<strong>2 g/kg</strong>" in text
    assert "Changes in this edition" in (site / "index.html").read_text(encoding="utf-8"), "the page is in the nav"
    # The working tree was read, never changed.
    assert "amount: 2," in (repo / "content" / "topics" / "alpha.yaml").read_text(encoding="utf-8")


def test_a_build_without_since_has_no_changes_page(repo: Path) -> None:
    build_site(Path("content"), Path("site"), docs_dir=Path("docs"), pdf=False, since="HEAD")
    assert (repo / "docs" / "changes.md").is_file()
    build_site(Path("content"), Path("site"), docs_dir=Path("docs"), pdf=False)
    assert not (repo / "docs" / "changes.md").exists()
    assert not list((repo / "site").glob("changes*"))


def test_since_an_unknown_revision_stops_the_build(repo: Path) -> None:
    with pytest.raises(DiffError, match=r"^git:no-such-tag: 'no-such-tag' is not a git revision of "):
        build_site(Path("content"), Path("site"), docs_dir=Path("docs"), pdf=False, since="no-such-tag")
    assert not (repo / "site").exists()
