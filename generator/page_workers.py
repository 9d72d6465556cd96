"""MkDocs' Markdown-to-HTML step of a full build, shared across worker processes.

MkDocs converts every page's Markdown on one CPU, one page after another: about
two thirds of its build. Each conversion depends only on the page, the
configuration and the list of files, so here (MkDocs' ``nav`` event, just before
its own loop) the pages are converted in forked workers
(:func:`generator.workers.map_in_order`: results in page order, the same bytes as
one process) and each page is handed its result. MkDocs' loop then runs as
before, every plugin event included; only ``Page.render`` finds its work done.

Used only where it changes nothing but the time:

* pages MkDocs is about to convert (in a dirty build only those whose Markdown is
  newer than their HTML); a preview's rebuilds run beside its server's threads, so
  they never fork (its first build, before the server starts, does);
* no plugin acts on a page's Markdown or HTML (``pre_page``, ``page_read_source``,
  ``page_markdown``, ``page_content`` events): what such a plugin did in a worker
  would not reach the build;
* enough pages for workers to pay (``workers.MIN_ITEMS``).

What is logged while converting a page (a link to a missing file, say) is logged
again by the build in page order, so ``--strict`` counts it as before; a page that
fails to convert fails the build at that page, with MkDocs' own message.
"""

from __future__ import annotations

import logging
import pickle
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
    """Run in a worker: what ``Page.render`` leaves on page ``index``, what was logged
    meanwhile, or the error it raised."""
    assert _job is not None
    pages, config, files = _job
    page = pages[index]
    kept = _Kept()
    loggers = [logging.getLogger(), logging.getLogger("mkdocs")]
    saved = [(logger.handlers, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers, logger.propagate = [kept], False
    try:
        config._current_page = page
        page.read_source(config)
        page.render(config, files)
    except Exception as exc:
        return {"error": _picklable(exc), "log": kept.records}
    finally:
        config._current_page = None
        for logger, (handlers, propagate) in zip(loggers, saved, strict=True):
            logger.handlers, logger.propagate = handlers, propagate
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
        for name, level, message in result["log"]:
            logging.getLogger(name).log(level, message)
        if "error" in result:
            raise result["error"]
        page.content = result["content"]
        page.toc = result["toc"]
        page._title_from_render = result["title"]
        page.present_anchor_ids = result["anchors"]
        links = result["links"]
        if links is not None:
            page.links_to_anchors = {files.get_file_from_path(uri): found for uri, found in links.items()}

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
        if file.is_modified():  # as MkDocs' loop asks in a dirty build (a full one starts empty)
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


def _picklable(exc: Exception) -> Exception:
    """The error as it can travel back from a worker (its type and words kept when it
    cannot be pickled whole)."""
    try:
        pickle.dumps(exc)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def forget(files: Any) -> None:
    """After MkDocs' loop: the pages' own ``render`` again (a preview may reuse them)."""
    for file in files.documentation_pages():
        if file.page is not None:
            vars(file.page).pop("render", None)
