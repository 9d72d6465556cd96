"""MkDocs hooks (``hooks:`` in mkdocs.yml): plain ``mkdocs build`` and ``mkdocs
serve`` run the generator, so there is one way to build the site.

MkDocs loads this file as a fresh module on every config load; anything that
must survive between loads (the memoised render) lives in :mod:`generator.build`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from generator import build, page_workers, search_index
from generator.escape import config_text

__all__ = ["on_config", "on_env", "on_files", "on_nav", "on_post_build", "on_post_page", "on_serve"]

ASSETS = build.THEME_DIR / "assets"
UNPKG_SHIM = "unpkg.com/iframe-worker"
LOCAL_SHIM = "assets/javascripts/vendor/iframe-worker-shim.js"


def footer_data(meta: Any, build_date: Any) -> dict[str, Any]:
    """What the footer template (theme/overrides/partials/copyright.html) shows."""
    return {
        "title": meta.title,
        "organisation": meta.organisation,
        "edition": meta.edition.name,
        "edition_date": meta.edition.date.isoformat(),
        "disclaimer": meta.disclaimer,
        "report_problem": meta.report_problem,
        "built_on": build_date.isoformat() if build_date else None,
    }


@event_priority(-100)  # after the offline plugin has added its polyfill
def on_config(config: Any) -> Any:
    """Render the knowledge base, then point MkDocs at it: navigation grouped by
    specialty, handbook facts for the footer, only assets that exist, no CDN."""
    context = build.hook_context(config)
    meta = context.handbook.meta
    config.nav = context.result.nav
    # Material prints site_name unescaped (header, drawer, <title>): given escaped.
    config.site_name = config_text(meta.title)
    config.extra["handbook"] = footer_data(meta, context.options.build_date)
    _full_navigation_when_small(config, len(context.handbook.topics))
    # The offline plugin loads iframe-worker from unpkg.com; the intranet has no
    # internet, so serve the bundled copy of the same file instead.
    polyfills = config.extra.get("polyfills") or []
    config.extra["polyfills"] = [LOCAL_SHIM if UNPKG_SHIM in str(url) else url for url in polyfills]
    # calculator.css comes from another stage of the project: reference it only once it
    # exists, so a page never requests a missing file.
    config.extra_css = [s for s in config.extra_css if _exists(str(s))]
    return config


# Up to this many topics every page carries the whole navigation (about 5 KB gzip at
# 150), so a specialty in the drawer expands in place. Beyond it navigation.prune keeps
# pages small, and a collapsed specialty links to its first topic (Material's pruning).
FULL_NAVIGATION_TOPICS = 150


def _full_navigation_when_small(config: Any, topic_count: int) -> None:
    features = config.theme["features"]
    if topic_count <= FULL_NAVIGATION_TOPICS and "navigation.prune" in features:
        config.theme["features"] = [f for f in features if f != "navigation.prune"]


_page_urls: list[str] = []
"""The URLs of this build's Markdown pages, in MkDocs' order (set by on_files)."""


def _this_build(config: Any) -> build.BuildContext:
    """The context on_config prepared: build.hook_context keeps it for this config, so
    later events do not re-check every content file's stamp (about 0.1 s of a preview
    rebuild at 2,000 topics)."""
    return build.hook_context(config)


def _exists(url: str) -> bool:
    if not url.startswith("assets/"):
        return True
    return (build.THEME_DIR / url).is_file() or (build.THEME_DIR / "overrides" / url).is_file()


def on_files(files: Files, config: Any) -> Files:
    """Add theme/assets (our CSS, JS, images) to the site, scripts and stylesheets
    minified: comments and spaces are a third of what a phone fetches of them."""
    for path in sorted(ASSETS.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            rel = "assets/" + path.relative_to(ASSETS).as_posix()
            existing = files.get_file_from_path(rel)
            if existing is not None:
                files.remove(existing)
            if path.suffix in (".js", ".css"):
                files.append(File.generated(config, rel, content=_minified(path)))
            else:
                files.append(File(rel, str(build.THEME_DIR), config.site_dir, config.use_directory_urls))
    # The pocket guide `handbook build` printed for this build: a docs file like
    # any other, so the home page's link to it is checked (and kept) by MkDocs.
    context = _this_build(config)
    # A dirty rebuild (`handbook serve`) rebuilds only pages whose Markdown is
    # newer than their HTML. When the navigation changed (a title, a new topic),
    # every page's sidebar is stale: mark every page for rebuilding.
    previous = build.LAST_NAV.get(config.site_dir)
    if previous is not None and previous != context.result.nav:
        for page_file in files.documentation_pages():
            if page_file.abs_src_path:
                os.utime(page_file.abs_src_path)
    build.LAST_NAV[config.site_dir] = context.result.nav
    global _page_urls
    _page_urls = [page.url for page in files.documentation_pages()]
    pdf_file = context.pdf_file
    if pdf_file is not None:
        files.append(File.generated(config, build.PDF_NAME, abs_src_path=str(pdf_file)))
    return files


_MINIFIED: dict[Path, tuple[tuple[int, int], str]] = {}


def _minified(path: Path) -> str:
    """A theme script or stylesheet without comments and spare spaces (rjsmin, rcssmin:
    no renaming, so what runs is the source's code). Kept per file state: a preview
    rebuild does not redo it."""
    import rcssmin
    import rjsmin

    stat = path.stat()
    state = (stat.st_mtime_ns, stat.st_size)
    kept = _MINIFIED.get(path)
    if kept is None or kept[0] != state:
        text = path.read_text(encoding="utf-8")
        kept = (state, rjsmin.jsmin(text) if path.suffix == ".js" else rcssmin.cssmin(text))
        _MINIFIED[path] = kept
    return kept[1]


@event_priority(-100)  # after every other plugin has shaped the navigation
def on_nav(nav: Any, config: Any, files: Files) -> Any:
    """Convert the pages' Markdown on every CPU before MkDocs' own loop reaches them
    (generator/page_workers.py, when that is safe and pays)."""
    page_workers.convert_pages(config, files)
    return nav


def on_env(env: Any, config: Any, files: Files) -> Any:
    """Reuse compiled theme templates across preview rebuilds (see
    build.MemoryBytecodeCache): MkDocs makes a fresh environment every time.
    The pages converted in workers get their own ``render`` back."""
    env.bytecode_cache = build.theme_bytecode_cache()
    page_workers.forget(files)
    return env


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Count the page for ``handbook build``'s progress line."""
    page_built = _this_build(config).page_built
    if page_built is not None:
        page_built()
    return output


@event_priority(50)  # before the search plugin writes its index
def on_post_build(config: Any) -> None:
    """Complete the search index of a preview rebuild; manifest.json beside the
    pages (plain mkdocs builds too)."""
    _keep_search_entries(config)
    _shape_search_entries(config)
    build.write_manifest(_this_build(config), Path(config.site_dir))


def _keep_search_entries(config: Any) -> None:
    """A dirty rebuild (``handbook serve`` after an edit) renders only the changed
    pages, and the search plugin indexes only what was rendered. Material merges
    such an index into the previous one on the assumption that one page changed:
    an edit that re-renders the pages listing the topic too (related topics) left
    their old entries beside the new ones, and a navigation change (every page
    re-rendered) doubled the whole index. Here each page keeps the entries of the
    build that last rendered it, pages that no longer exist drop out, and the
    plugin is given the complete index. (Material's ``search_index.entries`` and
    ``search_index_prev``: mkdocs-material is pinned to 9.x.)"""
    search = config.plugins.get("material/search")
    index = getattr(search, "search_index", None)
    if index is None or not isinstance(getattr(index, "entries", None), list):
        return
    if config.site_dir not in build.SEARCH_ENTRIES:
        build.SEARCH_ENTRIES.clear()  # one site at a time: memory stays flat
    kept = build.SEARCH_ENTRIES.setdefault(config.site_dir, {})
    rendered: dict[str, list[dict[str, Any]]] = {}
    for entry in index.entries:
        rendered.setdefault(entry["location"].split("#", 1)[0], []).append(entry)
    kept.update(rendered)
    for url in set(kept) - set(_page_urls):
        del kept[url]
    # The complete index, in page order, is written by _shape_search_entries (next).
    search.search_index_prev = None  # complete already: nothing for Material to merge


def _shape_search_entries(config: Any) -> None:
    """Keywords out of sight, synonyms in (generator/search_index.py). A page whose
    entries are the very list shaped last time (a preview rebuild that did not render
    it) keeps its shaped entries."""
    search = config.plugins.get("material/search")
    index = getattr(search, "search_index", None)
    if index is None or not isinstance(getattr(index, "entries", None), list):
        return
    handbook = _this_build(config).handbook
    how = (repr(handbook.meta.search.synonyms), frozenset(handbook.calculators))
    memo = build.SHAPED_ENTRIES.get(config.site_dir)
    if memo is None or memo["how"] != how:
        build.SHAPED_ENTRIES.clear()  # one site at a time: memory stays flat
        memo = build.SHAPED_ENTRIES[config.site_dir] = {"how": how, "pages": {}}
    kept = build.SEARCH_ENTRIES.get(config.site_dir, {})
    shaped: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
    for url in _page_urls:
        raw = kept.get(url)
        if not raw:
            continue  # out of search (index pages, references): nothing to shape
        before = memo["pages"].get(url)
        if before is not None and before[0] is raw:
            shaped[url] = before
        else:
            shaped[url] = (raw, search_index.shape_page(raw, handbook.meta.search.synonyms, how[1]))
    memo["pages"] = shaped
    index.entries = [entry for _, entries in shaped.values() for entry in entries]


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """Watch the content and the theme (``watch:``), not the generated docs_dir:
    every rebuild re-renders it, and watching it would rebuild twice. The handbook's
    own folder is watched without descending into it (handbook.yaml, references.yaml...):
    its cache and site may sit inside it."""
    server.unwatch(config.docs_dir)
    server.watch(str(_this_build(config).content_dir), recursive=False)
    return server
