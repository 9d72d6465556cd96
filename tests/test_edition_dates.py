"""Dates a reader compares (bedside review 3, W6): a page "Updated 2026-11-30" above a footer
"Edition 2026.1 (2026-11-23)" reads as a contradiction, so a topic updated after its
edition's date is a located error; and the shipped handbook, whose organisation is still a
placeholder, is refused for release."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.editorial import release_problems
from generator.validate import load_handbook, validate_content

ROOT = Path(__file__).resolve().parent.parent
ON = dt.date(2026, 11, 15)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture no longer contains {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def errors(content: Path) -> list[str]:
    _, report = validate_content(content, on=ON)
    return [
        f"{Path(d.path).relative_to(content.resolve()).as_posix()}:{d.line}:{d.col}: {d.field}: {d.message}"
        for d in report.sorted()
        if d.severity == "error"
    ]


def test_a_topic_updated_after_its_edition_is_an_error_at_its_date(mini: Path) -> None:
    edit(mini / "topics/alpha.yaml", "last_updated: 2026-11-01", "last_updated: 2026-11-02")
    assert errors(mini) == [
        "topics/alpha.yaml:12:17: review.last_updated: updated 2026-11-02, after the edition's date 2026-11-01 "
        "(handbook.yaml edition.date): move the edition date on, or correct this date"
    ]


def test_every_late_topic_is_named_at_once(mini: Path) -> None:
    edit(mini / "topics/alpha.yaml", "last_updated: 2026-11-01", "last_updated: 2026-11-09")
    edit(mini / "topics/beta.yaml", "last_updated: 2026-10-01", "last_updated: 2026-11-05")
    found = errors(mini)
    assert [e.split(":")[0] for e in found] == ["topics/alpha.yaml", "topics/beta.yaml"]
    assert "updated 2026-11-05, after the edition's date 2026-11-01" in found[1]


def test_a_topic_updated_on_its_edition_date_is_fine(mini: Path) -> None:
    # alpha is dated 2026-11-01, the fixture edition's own date.
    assert errors(mini) == []


def test_the_shipped_content_dates_agree() -> None:
    """The draft edition carries the date of its latest page (not yet released)."""
    handbook = load_handbook(ROOT / "content")
    latest = max(t.review.last_updated for t in handbook.topics.values())
    assert handbook.meta.edition.date == latest == dt.date(2026, 11, 30)


def test_the_shipped_placeholder_organisation_refuses_a_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    handbook = load_handbook(Path("content"))
    problems = release_problems(handbook, on=dt.date(2026, 12, 1))
    line = next(
        i
        for i, x in enumerate((tmp_path / "content/handbook.yaml").read_text(encoding="utf-8").splitlines(), 1)
        if x.startswith("organisation:")
    )
    assert (
        f"content/handbook.yaml:{line}:15: organisation: is a placeholder ('{handbook.meta.organisation}'); "
        "put in the real value and remove 'organisation' from placeholders"
    ) in problems
