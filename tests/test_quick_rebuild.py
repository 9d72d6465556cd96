"""The preview's page-level rebuild (generator/quick_rebuild.py): after an edit that
only touches topics it writes exactly what a full build of the edited content writes,
the edited topic's page first; anything else is left to MkDocs' build.

The calls are those of `handbook serve` (generator/preview.py): plugins started once
for serving, each full build with a freshly loaded configuration."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from generator import offline_app
from generator.project import SITE_CONFIG
from generator.quick_rebuild import PageRebuilder

MINI = Path(__file__).parent / "fixtures" / "mini"
SERVE_URL = "http://127.0.0.1:8000/"


class Preview:
    """A preview of a copy of the mini handbook, built the way `handbook serve` builds."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        shutil.copytree(MINI, self.content)
        (root / "docs").mkdir()
        self.site = root / "site"
        self.rebuilder = PageRebuilder(self.content, Path("mkdocs.yml"))
        self.published: list[list[str]] = []
        self.pending: list[str] = []

    def config(self, site: Path):
        config = load_config("mkdocs.yml", docs_dir=str(self.root / "docs"), site_dir=str(site))
        config.site_url = SERVE_URL
        return config

    def full(self) -> None:
        config = self.config(self.site)
        self.rebuilder.full_build(config, lambda: mkdocs_build(config, serve_url=SERVE_URL, dirty=True))

    def quick(self) -> bool:
        """The page-level rebuild; records which pages were written when it published,
        and which files it said were still to come."""
        return self.rebuilder.rebuild(self)

    def publish(self, pending) -> None:
        self.published.append(self.edited_pages())
        self.pending = list(pending)

    def written(self, path: str) -> None:
        assert path in self.pending and path in self.edited_pages()
        self.pending.remove(path)

    def edited_pages(self) -> list[str]:
        return sorted(
            p.relative_to(self.site).as_posix() for p in self.site.rglob("*.html") if "Edited" in p.read_text()
        )

    def edit(self, topic: str, old: str, new: str) -> None:
        path = self.content / "topics" / f"{topic}.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        # A later stamp than the build's, whatever the file system's clock resolution.
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))


@pytest.fixture
def preview(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    made = Preview(tmp_path)
    monkeypatch.setenv("HANDBOOK_CONTENT", str(made.content))
    offline_app.set_previewing(True)
    try:
        yield made
    finally:
        offline_app.set_previewing(False)


def outputs(site: Path) -> dict[str, bytes]:
    """The files an edit can change: every page, the search index, the manifest."""
    names = [*site.rglob("*.html"), site / "search" / "search_index.json", site / "manifest.json"]
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(names)}


def test_an_edited_summary_rebuilds_its_pages_as_a_full_build_would(preview, tmp_path):
    preview.full()
    preview.edit("alpha", "summary: How to give alpha", "summary: Edited. How to give alpha")
    assert preview.quick() is True
    # Alpha's page was written (and the browser told to reload) before beta's, which
    # lists alpha with its summary.
    assert preview.published == [["topics/alpha/index.html"]]
    assert preview.edited_pages() == ["topics/alpha/index.html", "topics/beta/index.html"]
    # Beta was said to be written when it was; what every build completes comes last.
    assert preview.pending == ["search/search_index.json", "manifest.json"]
    index = json.loads((preview.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any("Edited. How to give alpha" in doc["text"] for doc in index["docs"])
    # Byte for byte what MkDocs writes for the edited content from scratch.
    fresh = tmp_path / "fresh"
    config = preview.config(fresh)
    config.plugins.on_startup(command="serve", dirty=False)
    mkdocs_build(config, serve_url=SERVE_URL)
    assert outputs(preview.site) == outputs(fresh)


@pytest.mark.parametrize(
    ("what", "change"),
    [
        (
            "a title: every page's navigation",
            lambda p: p.edit("alpha", "title: Alpha treatment", "title: Edited alpha"),
        ),
        (
            "handbook.yaml",
            lambda p: (p.content / "handbook.yaml").write_text(
                (p.content / "handbook.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
            ),
        ),
        ("a new topic", lambda p: shutil.copy(p.content / "topics" / "beta.yaml", p.content / "topics" / "gamma.yaml")),
        ("a removed topic", lambda p: (p.content / "topics" / "beta.yaml").unlink()),
        ("the theme", lambda p: os.utime(sorted((Path("theme") / "overrides").rglob("*.html"))[0])),
        ("the tool's site configuration, which the handbook's inherits", lambda p: os.utime(SITE_CONFIG)),
    ],
    ids=["title", "handbook", "new-topic", "removed-topic", "theme", "site-config"],
)
def test_any_other_edit_is_left_to_mkdocs(preview, what, change):
    preview.full()
    change(preview)
    assert preview.quick() is False, what
    assert preview.published == []


def test_nothing_is_rebuilt_by_pages_before_a_full_build_or_after_a_failed_one(preview, monkeypatch):
    assert preview.quick() is False
    preview.full()
    monkeypatch.setattr("generator.quick_rebuild._populate_page", lambda *a, **k: 1 / 0)
    preview.edit("alpha", "summary: How to give alpha", "summary: Edited. How to give alpha")
    with pytest.raises(ZeroDivisionError):
        preview.quick()
    monkeypatch.undo()
    assert preview.quick() is False  # MkDocs builds after a failure


def test_invalid_content_raises_the_located_errors_and_the_fix_is_rebuilt_by_pages(preview):
    preview.full()
    preview.edit("alpha", "summary: How to give alpha", "summry: How to give alpha")
    with pytest.raises(PluginError) as raised:
        preview.quick()
    assert "alpha.yaml:4:1: summry: unknown field 'summry' (did you mean 'summary'?)" in str(raised.value)
    preview.edit("alpha", "summry: How to give alpha", "summary: Edited. How to give alpha")
    assert preview.quick() is True
    assert preview.edited_pages() == ["topics/alpha/index.html", "topics/beta/index.html"]


def test_a_rebuild_that_fails_half_way_leaves_its_pages_to_mkdocs(preview, tmp_path, monkeypatch):
    """Alpha's page written, beta's failed: the next build (MkDocs', dirty) must make both
    again, with their search entries, as if the rebuild had never started."""
    import generator.quick_rebuild as quick

    preview.full()
    build_page = quick._build_page

    def fails_on_beta(page, *args, **kwargs):
        if page.file.src_uri == "topics/beta.md":
            raise OSError("disk full")
        return build_page(page, *args, **kwargs)

    monkeypatch.setattr(quick, "_build_page", fails_on_beta)
    preview.edit("alpha", "summary: How to give alpha", "summary: Edited. How to give alpha")
    with pytest.raises(OSError, match="disk full"):
        preview.quick()
    assert preview.published == [["topics/alpha/index.html"]]
    monkeypatch.setattr(quick, "_build_page", build_page)
    assert preview.quick() is False
    preview.full()
    fresh = tmp_path / "fresh"
    config = preview.config(fresh)
    config.plugins.on_startup(command="serve", dirty=False)
    mkdocs_build(config, serve_url=SERVE_URL)
    assert outputs(preview.site) == outputs(fresh)
