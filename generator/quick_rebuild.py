"""The preview's page-level rebuild: an edit to topics re-renders the pages it
changed, without MkDocs' whole-site passes.

After an edit MkDocs' dirty build still reloads the configuration, lists every
file, builds the whole navigation, looks at every page for changes and checks
every link: at 2,000 topics about half a second around the few pages that
changed. When an edit touched only topic files and the handbook keeps the same
pages, navigation and footer, none of that can come out differently. Then the
pages whose Markdown changed are rendered again with the last build's
configuration, files, navigation and templates, the edited topics' pages first
(the browser is told to reload as soon as they are written; a request for a file
still to be written waits for it: generator.preview), then the search index and
the manifest are completed as after any build (MkDocs' ``post_build`` event).
Anything else (a new, removed or retitled topic, handbook.yaml, a calculator, the
references, the theme, mkdocs.yml) goes through MkDocs' build.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import InclusionLevel

from . import build
from .project import SITE_CONFIG, THEME_DIR, content_files
from .render import topic_path

__all__ = ["PageRebuilder"]

log = logging.getLogger("mkdocs.handbook.preview")

Stamps = dict[Path, tuple[int, int]]
SEARCH_INDEX = "search/search_index.json"
MANIFEST = "manifest.json"


class Publisher(Protocol):
    """What serves the preview (generator.preview.PreviewServer)."""

    def publish(self, pending: Collection[str]) -> None: ...

    def written(self, path: str) -> None: ...


def _stamps(paths: Iterable[Path]) -> Stamps:
    return {Path(path): (mtime, size) for path, mtime, size in build.file_stamps(paths)}


class _Recorder(BasePlugin):  # type: ignore[type-arg]
    """Attached to a full build's configuration: keeps what the build made."""

    def __init__(self) -> None:
        self.files: Any = None
        self.nav: Any = None
        self.env: Any = None

    @event_priority(-1000)  # the navigation as every other plugin left it
    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        self.nav, self.files = nav, files
        return nav

    @event_priority(-1000)
    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        self.env = env
        return env


@dataclass
class _Built:
    """The last successful build: its MkDocs objects and what its inputs were."""

    config: Any
    recorder: _Recorder
    content: Stamps
    theme: Stamps


class PageRebuilder:
    """Rebuilds a preview page by page when an edit allows it (see the module doc)."""

    def __init__(self, content_dir: Path, config_file: Path) -> None:
        self.content_dir = content_dir.resolve()
        self.config_file = config_file.resolve()
        self._built: _Built | None = None

    def _content(self) -> Stamps:
        return _stamps(content_files(self.content_dir))

    def _theme(self) -> Stamps:
        """The configuration (the handbook's and the tool's it inherits) and the theme."""
        return _stamps([self.config_file, SITE_CONFIG, *sorted(THEME_DIR.rglob("*"))])

    def full_build(self, config: Any, run: Callable[[], None]) -> None:
        """Run MkDocs' build of ``config`` (``run``), keeping what it made when it succeeds.
        The inputs are stamped first: an edit made during the build is seen next time."""
        recorder = _Recorder()
        config.plugins["handbook/page-rebuilder"] = recorder
        pending = _Built(config, recorder, self._content(), self._theme())
        if self._built is not None:
            self._built = None
            _collect_garbage()
        run()
        if recorder.env is not None:
            self._built = pending
            _collect_garbage()  # now, not during the first edit's rebuild

    def rebuild(self, server: Publisher) -> bool:
        """Re-render the pages an edit changed; False when MkDocs must build instead.
        ``server.publish`` is called once the edited topics' pages are written, with the
        files still to write; ``server.written`` as each of those is."""
        built = self._built
        if built is None or self._theme() != built.theme:
            return False
        content = self._content()
        before = built.content
        changed = {path for path in content.keys() | before.keys() if content.get(path) != before.get(path)}
        topics = self.content_dir / "topics"
        if not changed or any(p not in content or p not in before or p.parent != topics for p in changed):
            return False
        config, recorder = built.config, built.recorder
        context = build.refresh_context(config)  # invalid content raises here: the error page
        if not self._same_site(config, context):
            return False
        files = recorder.files
        # Every changed path is a topic file here, and a topic's id is its file's name.
        edited = [topic_path(path.stem) for path in changed if path.stem in context.handbook.topics]
        order = sorted(context.result.written, key=lambda path: path not in edited)
        first = sum(path in edited for path in order) or len(order)
        pages = [files.get_file_from_path(path) for path in order]
        if any(file is None or file.page is None for file in pages):
            return False
        self._built = None  # a failure below leaves MkDocs to build next time
        log.info("Rebuilding %d page%s...", len(pages), "" if len(pages) == 1 else "s")
        try:
            self._write(config, recorder, pages, first, server)
        except BaseException:
            for file in pages:
                _outdate(file)
            raise
        built.content = content
        self._built = built
        _collect_garbage()
        return True

    @staticmethod
    def _write(config: Any, recorder: _Recorder, pages: list[Any], first: int, server: Publisher) -> None:
        """The pages, the first ``first`` of them before the browsers are told, then what
        every build completes (search index, manifest)."""
        files = recorder.files
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        _restart_search_index(config)
        for number, file in enumerate(pages, start=1):
            _populate_page(file.page, config, files)
            _build_page(file.page, config, doc_files, recorder.nav, recorder.env)
            if number == first:
                server.publish([f.dest_uri for f in pages[first:]] + [SEARCH_INDEX, MANIFEST])
            elif number > first:
                server.written(file.dest_uri)
        for file in pages:
            file.page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
        config.plugins.on_post_build(config=config)

    def _same_site(self, config: Any, context: build.BuildContext) -> bool:
        """Whether the edit left every page but the rewritten ones as they are: the
        same navigation, no page removed, no script or asset rewritten. (The footer's
        build date is the edition's: no topic may be updated after it.)"""
        return (
            context.result.nav == build.LAST_NAV.get(config.site_dir)
            and all(path.endswith(".md") for path in context.result.written)
            and not context.result.removed
        )


def _outdate(file: Any) -> None:
    """Make a page's Markdown newer than its HTML: MkDocs' dirty build, which follows a
    failed rebuild, renders only such pages, so this one and its search entries are
    made again. Newer by a millisecond at least: a file system's clock may not have
    moved since the HTML was written."""
    source, page = Path(file.abs_src_path), Path(file.abs_dest_path)
    stamp = max(time.time_ns(), page.stat().st_mtime_ns + 1_000_000 if page.exists() else 0)
    os.utime(source, ns=(stamp, stamp))


def _collect_garbage() -> None:
    """Free the last build's pages and navigation, and keep what is alive out of later
    collections. Loading freezes what is alive out of the cyclic collector
    (generator.build), and MkDocs' objects refer to each other (a page to its file and
    back): once frozen they would never be freed. Called after each build, once its
    pages are out, and before a full build starts: a collection of everything (about
    half a second at 2,000 topics) never falls inside the time from an edit to its page."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _restart_search_index(config: Any) -> None:
    """An empty search index, as MkDocs' configuration step gives every build
    (generator/mkdocs_hooks.py completes it with the pages not rebuilt)."""
    search = config.plugins.get("material/search")
    index = getattr(search, "search_index", None)
    if index is not None:
        search.search_index = type(index)(**index.config)
