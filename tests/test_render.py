"""Render stage: golden Markdown of tests/fixtures/mini, escaping, incremental writes.

Regenerate the golden files after an intended change with
``UPDATE_GOLDEN=1 python -m pytest tests/test_render.py``, then read the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import markdown
import pytest

from generator.render import RenderOptions, build_pages, md_prose, md_text, render_handbook, write_tree
from generator.validate import load_handbook

MINI = Path(__file__).parent / "fixtures" / "mini"
GOLDEN = Path(__file__).parent / "golden"
# Fixed so golden files do not depend on whether the calculator or PDF stages exist yet.
OPTIONS = RenderOptions()


@pytest.fixture(scope="module")
def mini():
    return load_handbook(MINI)


def test_golden_markdown(mini):
    files = build_pages(mini, OPTIONS).files
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in files.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in sorted(GOLDEN.rglob("*")) if p.is_file()}
    assert sorted(files) == sorted(expected)
    for rel, data in files.items():
        assert data.decode() == expected[rel].decode(), f"{rel} differs from tests/golden/{rel}"


def test_navigation_is_grouped_by_specialty(mini):
    nav = build_pages(mini, OPTIONS).nav
    assert nav[0] == {"Home": "index.md"}
    assert nav[1] == {
        "Haematology": [{"Alpha treatment in ITP": "topics/alpha.md"}, {"Beta grading": "topics/beta.md"}]
    }
    assert list(nav[2]) == ["Indexes"]
    assert nav[-1] == {"About": [{"About this handbook": "about.md"}, {"Authoring guide": "authoring-guide.md"}]}


def test_about_page_names_the_publisher_and_leads_to_the_guide_the_tool_carries(mini):
    from generator.project import GUIDE_FILE

    files = build_pages(mini, OPTIONS).files
    about = files["about.md"].decode()
    assert f"is published by {mini.meta.organisation}." in about
    assert "This is edition 2026\\.1 of 2026-11-01." in about  # Markdown-escaped: 2026.1
    assert "[authoring guide](authoring-guide.md)" in about
    guide = files["authoring-guide.md"].decode()
    assert guide.startswith('---\ntitle: "Authoring guide"\nhb_kind: "index"\nsearch: {"exclude": true}\n---\n\n')
    assert guide.endswith(GUIDE_FILE.read_text(encoding="utf-8"))


def test_citations_are_numbered_in_reading_order_with_backlinks(mini):
    page = build_pages(mini, OPTIONS).files["topics/alpha.md"].decode()
    # guide-2020 is met first (bottom line), label-x later (adverse effects).
    assert page.index('href="#ref-1"') < page.index('href="#ref-2"')
    assert '<li id="ref-1" value="1">Doe J, Roe R. A test guideline for dosing.' in page
    assert '<a href="#cite-2-1" aria-label="Back to citation 1 of reference 2">↩</a>' in page
    assert '<a href="https://doi.org/10.1000/test.2020">doi:10.1000/test.2020</a>' in page
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/12345/">PMID 12345</a>' in page


def test_sections_follow_the_clinical_order(mini):
    page = build_pages(mini, OPTIONS).files["topics/alpha.md"].decode()
    order = [
        '"Bottom line"',
        "## What to do by grade",
        "## When to use",
        "## Dosing",
        "## Adverse effects",
        "## References",
    ]
    order[-1] = 'id="references"'
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_unapproved_topic_carries_a_caution_and_approved_does_not(mini):
    files = build_pages(mini, OPTIONS).files
    assert '<p class="admonition-title">Not yet approved (Submitted)</p>' in files["topics/alpha.md"].decode()
    assert "Not yet approved" not in files["topics/beta.md"].decode()


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<img src=x onerror=window.__xss=1>", r"&lt;img src=x onerror=window.\_\_xss=1&gt;"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a | b {: onclick=x }", r"a \| b \{: onclick=x \}"),
        ("2026.1", r"2026\.1"),
        ("- not a list", r"\- not a list"),
        ("[x](javascript:alert(1))", r"\[x\](javascript:alert(1))"),
        ("line\n\n# not a heading", r"line \# not a heading"),
    ],
)
def test_text_is_inert(raw, escaped):
    assert str(md_text(raw)) == escaped


@pytest.mark.parametrize(
    ("raw", "html"),
    [
        ("*IV* over `2 h`", "<p><em>IV</em> over <code>2 h</code></p>"),
        ("see [guide](https://example.org/g)", '<p>see <a href="https://example.org/g">guide</a></p>'),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        ("![pixel](https://tracker.example/p.png)", '<p>!<a href="https://tracker.example/p.png">pixel</a></p>'),
        ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
        ("text {: onclick=alert(1) }", "<p>text {: onclick=alert(1) }</p>"),
    ],
)
def test_prose_allows_only_a_markdown_subset(raw, html):
    rendered = markdown.markdown(str(md_prose(raw)), extensions=["attr_list", "md_in_html", "tables", "abbr"])
    assert rendered == html


def test_only_changed_files_are_rewritten(mini, tmp_path):
    docs = tmp_path / "docs"
    first = render_handbook(mini, docs, OPTIONS)
    assert sorted(first.written) == sorted(first.files)
    stale = docs / "topics" / "gone.md"
    stale.write_text("old page")
    (docs / ".gitkeep").write_text("")
    stamps = {p: p.stat().st_mtime_ns for p in docs.rglob("*.md") if p != stale}
    second = render_handbook(mini, docs, OPTIONS)
    assert second.written == []
    assert second.removed == ["topics/gone.md"]
    assert (docs / ".gitkeep").exists()
    assert {p: p.stat().st_mtime_ns for p in docs.rglob("*.md")} == stamps


def test_summary_edit_leaves_the_indexes_alone_and_a_title_edit_does_not(tmp_path):
    # Issue 7: A-Z, specialties and drugs list titles only, so a summary edit does
    # not rewrite them (a preview rebuilds one page, not every index); the index
    # cache must still notice a title edit.
    content, docs = tmp_path / "content", tmp_path / "docs"
    shutil.copytree(MINI, content)
    render_handbook(load_handbook(content), docs, OPTIONS)
    beta = content / "topics" / "beta.yaml"
    beta.write_text(beta.read_text().replace("Grading scale used", "Grading scale (edited) used"))
    edited = render_handbook(load_handbook(content), docs, OPTIONS)
    # beta itself and alpha (lists beta under Related topics); the home page lists titles only.
    assert sorted(edited.written) == ["topics/alpha.md", "topics/beta.md"]
    assert "Grading scale (edited) used" in (docs / "topics" / "beta.md").read_text()
    beta.write_text(beta.read_text().replace("title: Beta grading", "title: Beta grading renamed"))
    renamed = render_handbook(load_handbook(content), docs, OPTIONS)
    assert {"a-z.md", "specialties.md"} <= set(renamed.written)
    assert "[Beta grading renamed](topics/beta.md)" in (docs / "a-z.md").read_text()


def test_write_tree_rewrites_one_changed_file(tmp_path):
    write_tree(tmp_path, {"a.md": b"a", "b.md": b"b"})
    before = (tmp_path / "a.md").stat().st_mtime_ns
    written, removed = write_tree(tmp_path, {"a.md": b"a", "b.md": b"B"})
    assert (written, removed) == (["b.md"], [])
    assert (tmp_path / "a.md").stat().st_mtime_ns == before
    assert (tmp_path / "b.md").read_bytes() == b"B"
