"""`handbook diff`: fixture editions made from copies of tests/fixtures/mini, each with
one edit, compared with exact expected reports."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from generator.build import write_manifest
from generator.cli import cli
from generator.diff import (
    DiffError,
    changes_markdown,
    compare,
    load_edition,
    render_json,
    render_markdown,
    render_text,
)
from generator.validate import load_handbook

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
GOLDEN = ROOT / "tests" / "fixtures" / "editions"

Edit = tuple[str, str, str]  # (file inside content/, text, replacement)

DOSE_2G: Edit = ("topics/alpha.yaml", "dose: {amount: 1, unit: g/kg}", "dose: {amount: 2, unit: g/kg}")
CELL_TEXT: Edit = ("topics/alpha.yaml", "action: Give alpha.,", "action: Give alpha at once.,")
CELL_NOT_COVERED: Edit = (
    "topics/alpha.yaml",
    "{when: {band: low, bleeding: active}, actions: [corticosteroid], pathway: treat, action: Give alpha., "
    "cite: [guide-2020], evidence: low}",
    "{when: {band: low, bleeding: active}, not_covered: true}",
)
BAND_30: Edit = ("topics/alpha.yaml", "below: 50}", "below: 30}")
BAND_30_HIGH: Edit = ("topics/alpha.yaml", "min: 50}", "min: 30}")
RATE_3: Edit = ("products.yaml", "max_rate: 4", "max_rate: 3")
EDITION_2: Edit = ("handbook.yaml", 'name: "2026.1"\n  date: 2026-11-01', 'name: "2026.2"\n  date: 2026-12-01')


def make_edition(folder: Path, *edits: Edit, gamma: bool = False) -> Path:
    """A copy of the mini handbook with ``edits`` applied (each must apply once)."""
    shutil.copytree(MINI, folder)
    for name, old, new in edits:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"fixture edit does not apply: {old!r} in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    if gamma:
        text = (folder / "topics" / "beta.yaml").read_text(encoding="utf-8")
        text = text.replace("id: beta", "id: gamma").replace("title: Beta grading", "title: Gamma <b>notes</b>")
        (folder / "topics" / "gamma.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Editions are made in tmp_path and named relative to it (stable labels)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def text_report(old: str, new: str) -> str:
    return render_text(compare(load_edition(old), load_edition(new)))


HEADER = "Edition 2026.1 (2026-11-01) -> 2026.1 (2026-11-01)\nold: old\nnew: new\n"


# --------------------------------------------------------------------------- text reports


def test_nothing_changed(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new")
    assert text_report("old", "new") == HEADER + "No changes.\n"


def test_nothing_changed_when_only_comments_and_layout_differ(here: Path) -> None:
    make_edition(here / "old")
    make_edition(
        here / "new",
        ("topics/alpha.yaml", "dose: {amount: 1, unit: g/kg}", "dose:  # per kg\n      amount: 1.0\n      unit: g/kg"),
    )
    assert text_report("old", "new") == HEADER + "No changes.\n"


def test_dose_changed(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", DOSE_2G, EDITION_2)
    assert text_report("old", "new") == (
        "Edition 2026.1 (2026-11-01) -> 2026.2 (2026-12-01)\n"
        "old: old\n"
        "new: new\n"
        "\n"
        "Changed topics (1):\n"
        "  ~ alpha: Alpha treatment in ITP\n"
        "      DOSE       regimen alpha-once dose: 1 g/kg -> 2 g/kg\n"
        "      sections changed: regimens\n"
    )


def test_topic_added(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", gamma=True)
    assert text_report("old", "new") == HEADER + "\nAdded topics (1):\n  + gamma: Gamma <b>notes</b>\n"


def test_topic_removed(here: Path) -> None:
    make_edition(here / "old", gamma=True)
    make_edition(here / "new")
    assert text_report("old", "new") == HEADER + "\nRemoved topics (1):\n  - gamma: Gamma <b>notes</b>\n"


def test_decision_table_cell_changed(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", CELL_NOT_COVERED)
    assert text_report("old", "new") == HEADER + (
        "\n"
        "Changed topics (1):\n"
        "  ~ alpha: Alpha treatment in ITP\n"
        "      cell       table grade-table cell (band=low, bleeding=active): Give alpha. (pathway: treat; "
        "actions: corticosteroid) -> "
        "not covered by the sources\n"
        "      sections changed: decision_tables\n"
    )


def test_threshold_changed(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", BAND_30, BAND_30_HIGH)
    assert text_report("old", "new") == HEADER + (
        "\n"
        "Changed topics (1):\n"
        "  ~ alpha: Alpha treatment in ITP\n"
        "      threshold  table grade-table band low: < 50 x10^9/L -> < 30 x10^9/L\n"
        "      threshold  table grade-table band high: >= 50 x10^9/L -> >= 30 x10^9/L\n"
        "      sections changed: decision_tables\n"
    )


def test_infusion_rate_changed(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", RATE_3)
    assert text_report("old", "new") == HEADER + (
        "\nProducts (1 change(s)):\n"
        "      rate       product product-x infusion (ITP) max rate: 4 mg/kg/min -> 3 mg/kg/min\n"
    )


def test_several_changes_in_one_report(here: Path) -> None:
    make_edition(here / "old", gamma=True)
    make_edition(
        here / "new", DOSE_2G, CELL_TEXT, ("topics/beta.yaml", "status: approved", "status: approved\n  # same")
    )
    assert text_report("old", "new") == HEADER + (
        "\n"
        "Removed topics (1):\n"
        "  - gamma: Gamma <b>notes</b>\n"
        "\n"
        "Changed topics (1):\n"
        "  ~ alpha: Alpha treatment in ITP\n"
        "      DOSE       regimen alpha-once dose: 1 g/kg -> 2 g/kg\n"
        "      cell       table grade-table cell (band=low, bleeding=active): Give alpha. (pathway: treat; "
        "actions: corticosteroid) -> "
        "Give alpha at once. (pathway: treat; actions: corticosteroid)\n"
        "      sections changed: regimens, decision_tables\n"
    )


# --------------------------------------------------------------------------- Markdown and JSON


def test_markdown_page_highlights_dose_changes(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", DOSE_2G, CELL_NOT_COVERED, EDITION_2)
    markdown = changes_markdown(
        load_handbook(Path("old")), load_handbook(Path("new")), link=lambda topic_id: f"topics/{topic_id}.md"
    )
    assert markdown == (GOLDEN / "dose-and-cell-changed.md").read_text(encoding="utf-8")


def test_markdown_escapes_author_text(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", gamma=True)
    markdown = render_markdown(compare(load_edition("old"), load_edition("new")))
    assert "- Gamma &lt;b&gt;notes&lt;/b&gt;\n" in markdown
    assert "<b>" not in markdown


def test_markdown_when_nothing_changed(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new")
    assert render_markdown(compare(load_edition("old"), load_edition("new"))) == (
        "# Changes in this edition\n"
        "\n"
        "Edition **2026\\.1** (2026-11-01) compared with edition **2026\\.1** (2026-11-01).\n"
        "\n"
        "No topic, dose, threshold, rate or decision changed.\n"
    )


def test_json_lists_old_and_new_values(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", DOSE_2G)
    data = json.loads(render_json(compare(load_edition("old"), load_edition("new"))))
    assert data["empty"] is False
    assert data["added"] == [] and data["removed"] == []
    assert data["changed"] == [
        {
            "id": "alpha",
            "title": "Alpha treatment in ITP",
            "changes": [{"kind": "dose", "where": "regimen alpha-once dose", "old": "1 g/kg", "new": "2 g/kg"}],
            "sections": ["regimens"],
        }
    ]


# --------------------------------------------------------------------------- editions from sites and git


def _write_manifest(content: Path, site: Path) -> None:
    """The manifest exactly as `handbook build` writes it (generator.build.write_manifest)."""
    site.mkdir()
    write_manifest(SimpleNamespace(handbook=load_handbook(content), content_dir=content), site)


def test_site_folders_compare_by_the_manifest_file_hashes(here: Path) -> None:
    for name, edits in (("old", ()), ("new", (DOSE_2G,))):
        make_edition(here / f"{name}-content", *edits)
        _write_manifest(here / f"{name}-content", here / name)
    assert text_report("old", "new") == HEADER + (
        "note: a side has no content folder; changed topics are known from file hashes only\n"
        "\n"
        "Changed topics (1):\n"
        "  ~ alpha: Alpha treatment in ITP\n"
        "      sections changed: content\n"
    )


def test_site_folder_with_content_gives_dose_detail(here: Path) -> None:
    make_edition(here / "old")
    site = here / "new"
    site.mkdir()
    make_edition(site / "content", DOSE_2G)
    (site / "manifest.json").write_text("{}", encoding="utf-8")
    assert "DOSE       regimen alpha-once dose: 1 g/kg -> 2 g/kg\n" in text_report("old", "new")


def test_a_content_folder_against_a_site_compares_file_hashes(here: Path) -> None:
    make_edition(here / "old-content")
    _write_manifest(here / "old-content", here / "old")
    make_edition(here / "new", CELL_TEXT)
    report = text_report("old", "new")
    assert report.endswith("Changed topics (1):\n  ~ alpha: Alpha treatment in ITP\n      sections changed: content\n")
    make_edition(here / "same")
    assert text_report("old", "same").endswith("No changes.\n")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(here: Path) -> Path:
    """A git repository with two commits of content/: the second doubles the dose."""
    _git(here, "init", "-q", "-b", "main")
    make_edition(here / "content")
    _git(here, "add", "content")
    _git(here, "commit", "-q", "-m", "first edition")
    path = here / "content" / DOSE_2G[0]
    path.write_text(path.read_text(encoding="utf-8").replace(DOSE_2G[1], DOSE_2G[2]), encoding="utf-8")
    _git(here, "commit", "-q", "-am", "double the dose")
    return here


def test_git_revisions(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["diff", "HEAD~1", "git:HEAD"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Edition 2026.1 (2026-11-01) -> 2026.1 (2026-11-01)\n"
        "old: HEAD~1\n"
        "new: git:HEAD\n"
        "\n"
        "Changed topics (1):\n"
        "  ~ alpha: Alpha treatment in ITP\n"
        "      DOSE       regimen alpha-once dose: 1 g/kg -> 2 g/kg\n"
        "      sections changed: regimens\n"
    )


def test_git_revision_against_the_working_tree_leaves_it_untouched(repo: Path) -> None:
    path = repo / "content" / CELL_TEXT[0]
    path.write_text(path.read_text(encoding="utf-8").replace(CELL_TEXT[1], CELL_TEXT[2]), encoding="utf-8")
    status_before = _git(repo, "status", "--porcelain")
    result = CliRunner().invoke(cli, ["diff", "git:HEAD", "content"])
    assert result.exit_code == 0, result.output
    assert "cell       table grade-table cell (band=low, bleeding=active)" in result.output
    assert "DOSE" not in result.output
    assert _git(repo, "status", "--porcelain") == status_before == " M content/topics/alpha.yaml\n"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("git:no-such-rev", "error: git:no-such-rev: 'no-such-rev' is not a git revision of .\n"),
        ("nowhere", "error: nowhere: no such folder, and not a git revision\n"),
    ],
)
def test_unreadable_edition_exits_1(repo: Path, spec: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["diff", spec, "content"])
    assert result.exit_code == 1
    assert result.output == message


def test_invalid_edition_is_refused_with_its_first_error(here: Path) -> None:
    make_edition(here / "old", ("topics/alpha.yaml", "amount: 1,", "amount: -1,"))
    make_edition(here / "new")
    with pytest.raises(DiffError, match=r"^old: its content does not validate \(1 error\(s\); first: old/topics/alpha"):
        load_edition("old")


def test_cli_json_and_markdown(here: Path) -> None:
    make_edition(here / "old")
    make_edition(here / "new", DOSE_2G)
    as_json = CliRunner().invoke(cli, ["diff", "old", "new", "--json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output)["changed"][0]["changes"][0]["new"] == "2 g/kg"
    as_markdown = CliRunner().invoke(cli, ["diff", "old", "new", "--markdown"])
    assert as_markdown.output.startswith("# Changes in this edition\n")
    both = CliRunner().invoke(cli, ["diff", "old", "new", "--json", "--markdown"])
    assert both.exit_code == 2
