"""Build stage: a real ``mkdocs build`` of the fixture (and of content/ once it
validates), deterministic and atomic, safe against injected markup."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.build as build_module
from generator.build import BuildError, build_site
from generator.cli import cli

MINI = Path(__file__).parent / "fixtures" / "mini"
CONTENT = Path(__file__).parent.parent / "content"
XSS_TITLE = "<img src=x onerror=window.__xss=1> Alpha"

pytestmark = pytest.mark.slow


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("built")
    build_site(MINI, root / "site", docs_dir=root / "docs", pdf=False)
    return root / "site"


def test_fixture_builds_every_page(built):
    pages = sorted(p.relative_to(built).as_posix() for p in built.rglob("*.html"))
    assert pages == [
        "404.html",
        "a-z/index.html",
        "about/index.html",
        "authoring-guide/index.html",
        "calculators/index.html",
        "calculators/itp-grade-validation/index.html",
        "calculators/ivig-dose-validation/index.html",
        "clinical-safety/index.html",
        "drugs/index.html",
        "glossary/index.html",
        "index.html",
        "recent/index.html",
        "specialties/index.html",
        "topics/alpha/index.html",
        "topics/beta/index.html",
    ]


def test_no_page_refers_to_another_host_for_assets(built):
    for page in built.rglob("*.html"):
        html = page.read_text()
        for marker in ("fonts.googleapis", "fonts.gstatic", "unpkg.com", "cdn.jsdelivr", "googletagmanager"):
            assert marker not in html, f"{page}: {marker}"


def _scripts(html: str) -> tuple[list[str], list[str]]:
    """A page's external script tags, and the file each loads, in document order."""
    tags = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", html)
    return tags, [re.search(r'src="[^"]*/([^/"]+)"', tag).group(1) for tag in tags]


def test_no_script_holds_back_first_paint(built):
    """Every external script is deferred (Material's bundle deferred: first paint on slow
    4G 1.9 s -> 1.4 s in Lighthouse at 2,000 topics; the head scripts too, session 5).
    Deferred scripts run in document order: the audience and the two search scripts
    come before the bundle, and calculator.js after it, only on a page that shows a
    calculator (session 8: elsewhere it was a long task on the home page for nothing).
    The audience is set before first paint by one small inline script."""

    html = (built / "topics" / "alpha" / "index.html").read_text()
    scripts, names = _scripts(html)  # no calculator on this topic
    assert names[:3] == ["handbook.js", "search-on-demand.js", "search-tolerant.js"]
    assert [tag for tag in scripts if " defer" not in tag] == []
    assert "calculator.js" not in names and "calculator.js" not in _scripts((built / "index.html").read_text())[1]
    head = html[: html.index("</head>")]
    inline = re.findall(r"<script>(.*?)</script>", head)
    assert any('"data-hb-audience"' in body and '"hb-js"' in body for body in inline)
    assert head.index('"data-hb-audience"') < head.index("handbook.js")


def test_footer_has_disclaimer_edition_and_report_link(built):
    html = (built / "topics" / "alpha" / "index.html").read_text()
    assert "For testing the generator only. Not clinical advice." in html
    assert "Edition 2026.1 (2026-11-01)" in html
    assert (
        'href="mailto:handbook@example.org?subject=Problem%20with%3A%20Alpha%20treatment%20in%20ITP%20'
        '%28topics/alpha/%29"' in html
    )
    assert "Made with" not in html


def test_navigation_prune_keeps_other_sections_out(built):
    # A small handbook carries its whole navigation (a specialty expands in place in the
    # drawer); navigation.prune is on in mkdocs.yml for large ones (FULL_NAVIGATION_TOPICS).
    html = (built / "topics" / "alpha" / "index.html").read_text()
    assert "navigation.prune" in (Path(__file__).parent.parent / "mkdocs.yml").read_text()
    assert html.count('class="md-nav__link"') < 40


def test_search_index_leaves_out_indexes_references_and_footer(built):
    index = json.loads((built / "search" / "search_index.json").read_text())
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert locations == {"topics/alpha/", "topics/beta/"}
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "Test Journal" not in text  # reference list
    assert "Not clinical advice" not in text  # disclaimer
    alpha = next(doc for doc in index["docs"] if doc["location"] == "topics/alpha/")
    # Aliases, drugs and tags are searched as keywords of the page's first entry, never shown.
    assert alpha["keywords"] == "alfa Alpha ITP"
    assert not any("tags" in doc for doc in index["docs"])
    assert not any("keywords" in doc for doc in index["docs"] if "#" in doc["location"])


def test_manifest_lists_each_topic_with_the_hash_of_its_source(built):
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["edition"] == {"name": "2026.1", "date": "2026-11-01"}
    assert manifest["build_time"] == "2026-11-01T00:00:00Z"  # latest content date: no SOURCE_DATE_EPOCH
    alpha = manifest["topics"][0]
    assert alpha == {
        "id": "alpha",
        "title": "Alpha treatment in ITP",
        "status": "submitted",
        "last_reviewed": None,
        "sha256": hashlib.sha256((MINI / "topics" / "alpha.yaml").read_bytes()).hexdigest(),
    }


def test_two_builds_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1780000000")
    url = "https://intranet.example/handbook/"  # the sitemap lists pages only with a site_url
    build_site(MINI, tmp_path / "one", docs_dir=tmp_path / "docs1", pdf=False, site_url=url)
    build_site(MINI, tmp_path / "two", docs_dir=tmp_path / "docs2", pdf=False, site_url=url)
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["build_time"] == "2026-05-28T20:26:40Z"
    assert "<lastmod>2026-05-28</lastmod>" in (tmp_path / "one" / "sitemap.xml").read_text()


@pytest.mark.parametrize("failing", ["mkdocs", "manifest"])
def test_failed_build_leaves_the_previous_site_whole(tmp_path, monkeypatch, failing):
    site = tmp_path / "site"
    build_site(MINI, site, docs_dir=tmp_path / "docs", pdf=False)
    before = tree_digest(site)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    if failing == "mkdocs":
        import mkdocs.commands.build
        from mkdocs.exceptions import Abort

        def abort(*args, **kwargs):
            raise Abort("Aborted with 1 warnings in strict mode!")

        monkeypatch.setattr(mkdocs.commands.build, "build", abort)
        with pytest.raises(BuildError, match="mkdocs build failed: Aborted with 1 warnings in strict mode!"):
            build_site(MINI, site, docs_dir=tmp_path / "docs", pdf=False)
    else:
        monkeypatch.setattr(build_module, "write_manifest", boom)
        with pytest.raises(OSError, match="disk full"):
            build_site(MINI, site, docs_dir=tmp_path / "docs", pdf=False)
    assert tree_digest(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "site"]  # no staging folder left


def test_invalid_content_prints_located_errors_and_writes_nothing(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    topic = content / "topics" / "beta.yaml"
    topic.write_text(topic.read_text().replace("specialty: Haematology", "specialty: Haematology\ncolour: red"))
    result = CliRunner().invoke(cli, ["build", "--content", str(content), "-o", str(tmp_path / "site"), "--no-pdf"])
    assert result.exit_code == 1
    assert "topics/beta.yaml:6:1: colour: unknown field 'colour'" in result.output
    assert "1 error(s), 0 warning(s)" in result.output
    assert not (tmp_path / "site").exists()


def test_injected_markup_in_a_title_is_text(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    topic = content / "topics" / "alpha.yaml"
    topic.write_text(topic.read_text().replace("title: Alpha treatment in ITP", f'title: "{XSS_TITLE}"'))
    build_site(content, tmp_path / "site", docs_dir=tmp_path / "docs", pdf=False)
    for page in (tmp_path / "site").rglob("*.html"):
        assert "<img src=x" not in page.read_text(), page
    html = (tmp_path / "site" / "topics" / "alpha" / "index.html").read_text()
    assert "&lt;img src=x onerror=window.__xss=1&gt; Alpha" in html
    index = (tmp_path / "site" / "search" / "search_index.json").read_text()
    assert "<img" not in index


def test_offline_build_inlines_search_and_bundles_the_worker_shim(tmp_path):
    build_site(MINI, tmp_path / "site", docs_dir=tmp_path / "docs", pdf=False, offline=True)
    site = tmp_path / "site"
    assert (site / "topics" / "alpha.html").is_file()  # offline forces use_directory_urls: false
    assert (site / "search" / "search_index.js").read_text().startswith("var __index = ")
    html = (site / "index.html").read_text()
    assert '<script src="assets/javascripts/vendor/iframe-worker-shim.js"></script>' in html
    assert "unpkg.com" not in html


def test_site_url_with_a_path_is_used_for_canonical_links(tmp_path):
    build_site(
        MINI, tmp_path / "site", docs_dir=tmp_path / "docs", pdf=False, site_url="https://intranet.example/handbook/"
    )
    html = (tmp_path / "site" / "topics" / "alpha" / "index.html").read_text()
    assert '<link rel="canonical" href="https://intranet.example/handbook/topics/alpha/">' in html
    assert 'href="../../assets/stylesheets/handbook.css"' in html  # relative: any mount point works


def test_plain_mkdocs_build_runs_the_generator(tmp_path, monkeypatch):
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    monkeypatch.setenv("HANDBOOK_CONTENT", str(MINI))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    (tmp_path / "docs").mkdir()
    config = load_config("mkdocs.yml", docs_dir=str(tmp_path / "docs"), site_dir=str(tmp_path / "site"))
    mkdocs_build(config)
    assert (tmp_path / "site" / "topics" / "alpha" / "index.html").is_file()
    assert (tmp_path / "site" / "manifest.json").is_file()


def test_a_preview_rebuild_keeps_each_page_once_in_the_search_index(tmp_path, monkeypatch):
    """`handbook serve` rebuilds only the pages whose Markdown changed ("dirty"):
    the edited topic and the topics listing it. Search must still find every page,
    each once, with the edited text. (The calls are those of mkdocs serve: plugins
    started once, the config loaded again for each rebuild.)"""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    monkeypatch.setenv("HANDBOOK_CONTENT", str(content))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    (tmp_path / "docs").mkdir()
    site = tmp_path / "site"

    from generator import search_index

    shaped_pages: list[str] = []
    shape_page = search_index.shape_page

    def counting_shape_page(page, *args):
        shaped_pages.append(page[0]["location"] if page else "")
        return shape_page(page, *args)

    monkeypatch.setattr(search_index, "shape_page", counting_shape_page)
    keywords: dict[str, str] = {}

    def preview(*, first: bool = False) -> list[tuple[str, str]]:
        config = load_config("mkdocs.yml", docs_dir=str(tmp_path / "docs"), site_dir=str(site))
        if first:
            config.plugins.on_startup(command="serve", dirty=True)
        shaped_pages.clear()
        mkdocs_build(config, dirty=True)
        index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
        keywords.update({doc["location"]: doc["keywords"] for doc in index["docs"] if "keywords" in doc})
        return [(doc["location"], doc["text"]) for doc in index["docs"]]

    before = preview(first=True)
    first_keywords = dict(keywords)
    assert len(shaped_pages) == len({location.split("#")[0] for location, _ in before})
    alpha = content / "topics" / "alpha.yaml"
    # The summary shows on alpha's page and in beta's related topics: both are rebuilt.
    alpha.write_text(
        alpha.read_text(encoding="utf-8").replace("summary: How to give alpha", "summary: Edited. How to give alpha"),
        encoding="utf-8",
    )
    after = preview()
    assert [location for location, _ in after] == [location for location, _ in before]
    assert "Edited. How to give alpha" in dict(after)["topics/alpha/"]
    assert "Edited" not in "".join(text for _, text in before)
    unchanged = [(location, text) for location, text in before if not location.startswith("topics/alpha/")]
    assert [entry for entry in after if not entry[0].startswith("topics/alpha/")] == unchanged
    # Only the re-rendered pages were shaped again (all of them: seconds at 2,000
    # topics); the others kept their keywords.
    assert sorted(shaped_pages) == ["topics/alpha/", "topics/beta/"]
    assert keywords == first_keywords and keywords


def test_a_build_at_a_terminal_shows_pages_as_they_are_written(tmp_path):
    """`handbook build` redraws one status line while MkDocs writes pages (at 2,000
    topics that is most of a minute), then clears it."""
    stages: list[str] = []
    live: list[str] = []
    build_site(MINI, tmp_path / "site", docs_dir=tmp_path / "docs", pdf=False, progress=stages.append, live=live.append)
    pages = len(list((tmp_path / "docs").rglob("*.md")))
    assert stages[0] == "validate + render" and "mkdocs build" in stages
    counts = [line for line in live if "pages written" in line]
    assert counts[-1] == f"\r\033[K  {pages}/{pages} pages written"
    assert all(line.startswith("\r\033[K") and not line.endswith("\n") for line in live)
    assert live[-1] == "\r\033[K"  # the status line is gone before the summary


def test_real_content_builds_strict(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795392000")  # 2026-11-23: the test does not age
    result = build_site(CONTENT, tmp_path / "site", docs_dir=tmp_path / "docs", pdf=False, strict=True)
    assert (tmp_path / "site" / "topics" / "ivig-in-itp" / "index.html").is_file()
    assert result.pages >= 9
    # A page that shows a calculator loads calculator.js once, deferred, after the bundle
    # (the mini fixture has none: test_no_script_holds_back_first_paint).
    scripts, names = _scripts((tmp_path / "site" / "topics" / "ivig-in-itp" / "index.html").read_text())
    assert [tag for tag in scripts if " defer" not in tag] == []
    bundle = [i for i, name in enumerate(names) if name.startswith("bundle.")]
    assert len(bundle) == 1 and names.count("calculator.js") == 1 and bundle[0] < names.index("calculator.js")
