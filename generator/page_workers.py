"""MkDocs' Markdown-to-HTML step of a full build, shared across worker processes.

MkDocs converts every page's Markdown on one CPU, one page after another: about
two thirds of its build. Each conversion depends only on the page, the
configuration and the list of files, so here (MkDocs' ``nav`` event, just before
its own loop) the pages are converted in forked workers
(:func:`generator.workers.map_in_order`: results in page order, the same bytes as
one process) and each page is handed its result. MkDocs' loop then runs as
before, every plugin event included; only ``Page.render`` finds its work done.

Used only where it changes nothing but the time:

* a full build (a preview's dirty rebuild converts a few pages, and the preview
  runs threads, so it never forks);
* no plugin acts on a page's Markdown or HTML (``pre_page``, ``page_read_source``,
  ``page_markdown``, ``page_content`` events): what such a plugin did in a worker
  would not reach the build;
* enough pages for workers to pay (``workers.MIN_ITEMS``).

What MkDocs logs while converting a page (a link to a missing file, say) is logged
again by the build in page order, so ``--strict`` counts it as before.
"""

from __future__ import annotations

import logging
from typing import Any

from mkdocs.structure.pages import Page

from . import workers

__all__ = ["convert_pages", "forget"]

# Events whose plugins would have to run where the page is converted.
_PAGE_EVENTS = ("pre_page", "page_read_source", "page_markdown", "page_content")

_job: tuple[list[Page], Any, Any] | None = None
"""The pages, config and files of the conversion in progress (inherited by workers)."""


class _Kept(logging.Handler):
    """Keeps what a worker logs, to be logged again by the build."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _convert(index: int) -> dict[str, Any]:
    """Run in a worker: what ``Page.render`` leaves on page ``index``."""
    assert _job is not None
    pages, config, files = _job
    page = pages[index]
    root = logging.getLogger("mkdocs")
    kept, handlers, propagate = _Kept(), root.handlers[:], root.propagate
    root.handlers, root.propagate = [kept], False
    try:
        config._current_page = page
        page.read_source(config)
        page.render(config, files)
    finally:
        config._current_page = None
        root.handlers, root.propagate = handlers, propagate
    links = page.links_to_anchors
    return {
        "content": page.content,
        "toc": page.toc,
        "title": page._title_from_render,
        "anchors": page.present_anchor_ids,
        "links": None if links is None else {file.src_uri: found for file, found in links.items()},
        "log": kept.records,
    }


def _install(page: Page, result: dict[str, Any], files: Any) -> None:
    """Replace ``page.render`` by one that sets what a worker computed."""

    def render(config: Any, files_now: Any) -> None:
        page.content = result["content"]
        page.toc = result["toc"]
        page._title_from_render = result["title"]
        page.present_anchor_ids = result["anchors"]
        links = result["links"]
        if links is not None:
            page.links_to_anchors = {files.get_file_from_path(uri): found for uri, found in links.items()}
        for name, level, message in result["log"]:
            logging.getLogger(name).log(level, message)

    page.render = render  # type: ignore[method-assign]


def convert_pages(config: Any, files: Any) -> int:
    """Convert every page of this full build in worker processes, when that is
    safe and pays (see the module doc); return how many pages were converted."""
    global _job
    if any(config.plugins.events[event] for event in _PAGE_EVENTS):
        return 0
    pages = []
    for file in files.documentation_pages():
        if file.page is None:  # not in the navigation: created here as MkDocs' loop would
            Page(None, file, config)
        pages.append(file.page)
    if not workers.forks(len(pages)):
        return 0
    _job = (pages, config, files)
    try:
        results = workers.map_in_order(_convert, range(len(pages)))
    finally:
        _job = None
    for page, result in zip(pages, results, strict=True):
        _install(page, result, files)
    return len(pages)


def forget(files: Any) -> None:
    """After MkDocs' loop: the pages' own ``render`` again (a preview may reuse them)."""
    for file in files.documentation_pages():
        if file.page is not None:
            vars(file.page).pop("render", None)
