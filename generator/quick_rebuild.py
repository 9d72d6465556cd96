"""The preview's page-level rebuild: an edit to topics re-renders the pages it
changed, without MkDocs' whole-site passes.

After an edit MkDocs' dirty build still reloads the configuration, lists every
file, builds the whole navigation, looks at every page for changes and checks
every link: at 2,000 topics about half a second around the few pages that
changed. When an edit touched only topic files and the handbook keeps the same
pages, navigation and footer, none of that can come out differently. Then the
pages whose Markdown changed are rendered again with the last build's
configuration, files, navigation and templates, the edited topics' pages first
(the browser is told to reload as soon as they are written), then the search
index and the manifest are completed as after any build (MkDocs' ``post_build``
event). Anything else (a new, removed or retitled topic, handbook.yaml, a
calculator, the references, the theme, mkdocs.yml) goes through MkDocs' build.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import InclusionLevel

from . import build
from .project import THEME_DIR, content_files
from .render import topic_path

__all__ = ["PageRebuilder"]

log = logging.getLogger("mkdocs.handbook.preview")

Stamps = dict[Path, tuple[int, int]]


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
        self._pending: _Built | None = None

    def _content(self) -> Stamps:
        return _stamps(content_files(self.content_dir))

    def _theme(self) -> Stamps:
        return _stamps([self.config_file, *sorted(THEME_DIR.rglob("*"))])

    def full_build(self, config: Any, run: Callable[[], None]) -> None:
        """Run MkDocs' build of ``config`` (``run``), keeping what it made when it succeeds.
        The inputs are stamped first: an edit made during the build is seen next time."""
        recorder = _Recorder()
        config.plugins["handbook/page-rebuilder"] = recorder
        pending = _Built(config, recorder, self._content(), self._theme())
        self._built = None
        run()
        if recorder.env is not None:
            self._built = pending

    def rebuild(self, publish: Callable[[], None]) -> bool:
        """Re-render the pages an edit changed; False when MkDocs must build instead.
        ``publish`` is called once the edited topics' pages are written."""
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
        edited = [topic_path(topic_id) for topic_id in context.handbook.topics if _source(context, topic_id) in changed]
        order = sorted(context.result.written, key=lambda path: path not in edited)
        first = sum(path in edited for path in order) or len(order)
        pages = [files.get_file_from_path(path) for path in order]
        if any(file is None or file.page is None for file in pages):
            return False
        self._built = None  # a failure below leaves MkDocs to build next time
        _restart_search_index(config)
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
        log.info("Rebuilding %d page%s...", len(pages), "" if len(pages) == 1 else "s")
        for number, file in enumerate(pages, start=1):
            _populate_page(file.page, config, files)
            _build_page(file.page, config, doc_files, recorder.nav, recorder.env)
            if number == first:
                publish()
        config.plugins.on_post_build(config=config)
        built.content = content
        self._built = built
        return True

    def _same_site(self, config: Any, context: build.BuildContext) -> bool:
        """Whether the edit left every page but the rewritten ones as they are: the
        same navigation, no page removed, no script or asset rewritten. (The footer's
        build date is the edition's: no topic may be updated after it.)"""
        return (
            context.result.nav == build.LAST_NAV.get(config.site_dir)
            and all(path.endswith(".md") for path in context.result.written)
            and not context.result.removed
        )


def _source(context: build.BuildContext, topic_id: str) -> Path:
    path = Path(context.handbook.sources[f"topics/{topic_id}"].path)
    return path if path.is_absolute() else (Path.cwd() / path)


def _restart_search_index(config: Any) -> None:
    """An empty search index, as MkDocs' configuration step gives every build
    (generator/mkdocs_hooks.py completes it with the pages not rebuilt)."""
    search = config.plugins.get("material/search")
    index = getattr(search, "search_index", None)
    if index is not None:
        search.search_index = type(index)(**index.config)
