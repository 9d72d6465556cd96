"""Stage 5 — build: validate, render, run ``mkdocs build``, swap the site into place.

The stages, in order (``build_site``):

1. validate the knowledge base into one :class:`Handbook` (nothing is written if it fails);
2. render Markdown into ``docs_dir`` (only changed files are rewritten);
3. ``mkdocs build`` into this build's private folder beside the target;
4. write ``manifest.json`` (and the pocket PDF when generator.pdf provides it);
5. swap the new site into place in one atomic step: a failed build leaves the
   previous site whole (generator.safe_output: what may be replaced, and how).

Builds are deterministic: the build date comes from ``SOURCE_DATE_EPOCH`` or, when
it is unset, from the content itself (the latest of the edition date and the
topics' last_updated), so two builds of the same content are byte-identical.

The same preparation (validate + render, memoised on the content's file stamps)
serves ``generator/mkdocs_hooks.py``, so plain ``mkdocs build``/``mkdocs serve`` work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .csp import write_headers
from .diagnostics import ContentError
from .limits import source_date_epoch
from .project import THEME_DIR, content_files, project_of, site_config
from .render import TEMPLATE_DIR, RenderOptions, RenderResult, forget_docs, render_handbook
from .safe_output import check_site_target, swap_in, sweep, work_folder
from .validate import Handbook, load_handbook

__all__ = [
    "PDF_NAME",
    "THEME_DIR",
    "BuildContext",
    "BuildError",
    "BuildResult",
    "MemoryBytecodeCache",
    "active_context",
    "build_date",
    "build_site",
    "config_file",
    "file_stamps",
    "prepare",
    "refresh_context",
    "theme_bytecode_cache",
    "write_manifest",
]

PDF_NAME = "pocket-guide.pdf"

log = logging.getLogger("handbook.build")


class BuildError(Exception):
    """The site could not be built (MkDocs or PDF failed); the previous site is untouched."""


@dataclass
class BuildContext:
    """One rendered handbook: what the MkDocs hooks need for this build."""

    content_dir: Path
    docs_dir: Path
    handbook: Handbook
    options: RenderOptions
    result: RenderResult
    render_seconds: float = 0.0
    pdf_file: Path | None = None
    """The pocket guide printed for this build: the hook adds it to MkDocs' files,
    so the home page's link to it is a checked link to a real docs file."""
    page_built: Callable[[], None] | None = None
    """Called by the hook after MkDocs writes each page (the progress line)."""


@dataclass
class BuildResult:
    """What ``build_site`` did, for the progress line and the benchmark."""

    site_dir: Path
    pages: int
    written: int
    seconds: dict[str, float] = field(default_factory=dict)
    pdf: Path | None = None
    unfinished_drafts: dict[str, str] = field(default_factory=dict)
    """Drafts left out because they do not validate yet (``exclude_drafts``)."""


# --------------------------------------------------------------------------- dates


def build_date(handbook: Handbook) -> dt.datetime:
    """The build time: SOURCE_DATE_EPOCH when set, else derived from content
    (wall-clock time would make two builds of the same content differ)."""
    epoch = source_date_epoch()
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    dates = [handbook.meta.edition.date, *(t.review.last_updated for t in handbook.topics.values())]
    return dt.datetime.combine(max(dates), dt.time(), tzinfo=dt.UTC)


@contextlib.contextmanager
def _environ(**values: str | None) -> Iterator[None]:
    """Set environment variables for the duration of a build step (MkDocs reads
    SOURCE_DATE_EPOCH and the !ENV tags of mkdocs.yml from the environment)."""
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --------------------------------------------------------------------------- optional stages


def weight_bands() -> dict[str, tuple[float, float, float]]:
    """Weight ranges (from, to, step kg) of the weight-band tables by name, read the way
    the PDF reads them (theme/print/config.yaml), so the page's fallback tables and the
    printed ones list the same rows."""
    from .pdf import load_print_config

    return {name: (b.from_kg, b.to_kg, b.step_kg) for name, b in load_print_config().weight_bands.items()}


# --------------------------------------------------------------------------- prepare (validate + render)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading builds hundreds of thousands of small objects (parsed data, models)
    that all stay alive; the cyclic collector would rescan them again and again
    (measured: 6.0 s instead of 2.4 s for 2,000 topics). Nothing here makes cycles
    worth collecting before the load ends. After a load, what it made is frozen
    (``gc.freeze``): kept out of later collections, which would otherwise walk it
    all once more (0.3-0.5 s at 2,000 topics). Frozen objects are still freed when
    nothing refers to them; only a reference cycle among them would be kept."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()  # not after a failed load: its leftovers are garbage to collect
    finally:
        if enabled:
            gc.enable()


class MemoryBytecodeCache:
    """Compiled theme templates kept in memory between preview rebuilds.

    MkDocs makes a new Jinja environment at every rebuild and compiles Material's
    templates again (about 0.35 s of a one-topic preview at 2,000 topics). Jinja
    keys each entry by template name and a checksum of its source, so an edited
    template is compiled afresh. Set on the theme's environment by the on_env hook.
    """

    def __init__(self) -> None:
        self._code: dict[tuple[str, str], bytes] = {}

    def load_bytecode(self, bucket: Any) -> None:
        data = self._code.get((bucket.key, bucket.checksum))
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Any) -> None:
        self._code[(bucket.key, bucket.checksum)] = bucket.bytecode_to_string()


def theme_bytecode_cache() -> Any:
    """The process-wide :class:`MemoryBytecodeCache` as a ``jinja2.BytecodeCache``."""
    global _bytecode_cache
    if _bytecode_cache is None:
        import jinja2

        class _Cache(MemoryBytecodeCache, jinja2.BytecodeCache):
            pass

        _bytecode_cache = _Cache()
    return _bytecode_cache


_bytecode_cache: Any = None

LAST_NAV: dict[str, Any] = {}
"""The navigation of the last MkDocs run per site folder (the hooks compare)."""
SEARCH_ENTRIES: dict[str, dict[str, list[dict[str, Any]]]] = {}
"""Per site folder, per page URL: the page's search entries from the build that
last rendered it (generator/mkdocs_hooks.py completes a preview's index with them)."""
SHAPED_ENTRIES: dict[str, Any] = {}
"""Per site folder: what shaped the search entries (synonyms, calculators) and, per page
URL, the entries as rendered and as shaped: a preview rebuild reshapes only the pages
it re-rendered (at 2,000 topics shaping every page took seconds)."""

_active: BuildContext | None = None
_hooked: tuple[Any, BuildContext] | None = None
"""The MkDocs config of the run in progress (plain ``mkdocs``/preview) and its context."""
_memo: dict[tuple[Any, ...], BuildContext] = {}


def active_context() -> BuildContext | None:
    """The context ``build_site`` prepared for the MkDocs run in progress, if any."""
    return _active


def file_stamps(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    """(path, modification time, size) of each of ``paths`` that is a file: what they are now."""
    stamps = []
    for path in paths:
        if path.is_file():
            info = path.stat()
            stamps.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(stamps)


def _stamp(content_dir: Path, template_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """What the content files and templates are now; only the files the validator
    reads count (a handbook's folder also holds its cache and site)."""
    return file_stamps([*content_files(content_dir), *sorted(template_dir.rglob("*"))])


def prepare(
    content_dir: Path,
    docs_dir: Path,
    *,
    pdf: bool = False,
    strict: bool = False,
    exclude_drafts: bool = False,
    since: str | None = None,
) -> BuildContext:
    """Validate ``content_dir`` and render it into ``docs_dir``. Memoised on the
    stamps of the content files and templates, so the MkDocs hook does not redo
    what ``handbook build`` has just done and an unchanged preview costs nothing.
    Raises :class:`ContentError` when the content is invalid.
    ``exclude_drafts`` leaves draft topics out; ``since`` (a git revision) adds the
    "Changes in this edition" page (generator.editorial, generator.diff)."""
    content_dir, docs_dir = Path(content_dir).resolve(), Path(docs_dir).resolve()
    key = (
        content_dir,
        docs_dir,
        pdf,
        strict,
        exclude_drafts,
        since,
        os.environ.get("SOURCE_DATE_EPOCH"),
        _stamp(content_dir, TEMPLATE_DIR),
    )
    cached = _memo.get(key)
    if cached is not None and docs_dir.is_dir():
        return cached
    started = time.perf_counter()
    from .calc import units

    units.use_cache(project_of(content_dir).cache_dir / "pint")
    with _gc_paused():
        handbook = load_handbook(content_dir, strict=strict, skip_unfinished_drafts=exclude_drafts)
    if exclude_drafts:
        from .editorial import exclude_drafts as drop_drafts

        handbook = drop_drafts(handbook)
    from .calc import program_json
    from .calc.tables import weight_band_tables
    from .calc.validation import vectors_dir

    options = RenderOptions(
        pdf_href=PDF_NAME if pdf else None,
        build_date=build_date(handbook).date(),
        calculator_specs=program_json,
        weight_band_tables=weight_band_tables,
        vectors_dir=vectors_dir(content_dir),
        weight_bands_kg=weight_bands(),
    )
    result = render_handbook(handbook, docs_dir, options)
    if since is not None:
        _add_changes_page(result, docs_dir, since, content_dir, handbook, exclude_drafts=exclude_drafts)
    context = BuildContext(content_dir, docs_dir, handbook, options, result, time.perf_counter() - started)
    _memo.clear()  # one handbook at a time: keep memory flat
    _memo[key] = context
    return context


CHANGES_PAGE = "changes.md"


def _add_changes_page(
    result: RenderResult, docs_dir: Path, since: str, content_dir: Path, handbook: Handbook, *, exclude_drafts: bool
) -> None:
    """The "Changes in this edition" page against git revision ``since`` (raises
    generator.diff.DiffError when that edition cannot be read). Written after the
    render, so the next render without ``since`` removes it again."""
    from .diff import changes_since
    from .editorial import exclude_drafts as drop_drafts
    from .render import topic_path

    page = changes_since(
        since, content_dir, handbook, transform=drop_drafts if exclude_drafts else None, link=topic_path
    ).encode("utf-8")
    (docs_dir / CHANGES_PAGE).write_bytes(page)
    result.files[CHANGES_PAGE] = page
    result.nav.append({"Changes in this edition": CHANGES_PAGE})


# --------------------------------------------------------------------------- manifest


_DIGESTS: dict[tuple[str, int, int], str] = {}


def _file_sha256(path: Path) -> str:
    """sha256 of a file, remembered by (path, mtime, size): a preview rebuild
    re-hashes only the files that changed."""
    info = path.stat()
    key = (str(path), info.st_mtime_ns, info.st_size)
    digest = _DIGESTS.get(key)
    if digest is None:
        digest = _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def write_manifest(context: BuildContext, site_dir: Path) -> Path:
    """site/manifest.json: the edition and, per topic, what a reader relies on
    and a hash of the exact source file (issue 8)."""
    handbook = context.handbook
    if len(_DIGESTS) > 4 * len(handbook.topics) + 100:
        _DIGESTS.clear()  # stale entries of edited files: keep memory flat
    topics = []
    for topic_id, topic in handbook.topics.items():
        source = handbook.sources[f"topics/{topic_id}"].path
        source_path = Path(source) if Path(source).is_absolute() else Path.cwd() / source
        if not source_path.is_file():
            source_path = context.content_dir / "topics" / f"{topic_id}.yaml"
        topics.append(
            {
                "id": topic_id,
                "title": topic.title,
                "status": topic.review.status.value,
                "last_reviewed": topic.review.last_reviewed.isoformat() if topic.review.last_reviewed else None,
                "sha256": _file_sha256(source_path),
            }
        )
    manifest = {
        "edition": {"name": handbook.meta.edition.name, "date": handbook.meta.edition.date.isoformat()},
        "title": handbook.meta.title,
        "build_time": build_date(handbook).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "topics": topics,
    }
    path = Path(site_dir) / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- build


def config_file(content_dir: Path = Path("content")) -> Path:
    """The MkDocs configuration of ``content_dir``'s builds (generator.project)."""
    return site_config(project_of(content_dir))


def build_site(
    content_dir: Path = Path("content"),
    site_dir: Path = Path("site"),
    *,
    docs_dir: Path | None = None,
    strict: bool = False,
    offline: bool = False,
    pdf: bool = True,
    site_url: str | None = None,
    progress: Callable[[str], None] | None = None,
    live: Callable[[str], None] | None = None,
    exclude_drafts: bool = False,
    since: str | None = None,
) -> BuildResult:
    """Validate, render and build the site into ``site_dir`` atomically.
    ``progress`` gets a line per stage; ``live`` gets a status line to redraw in
    place ("\\r"-prefixed, no newline: PDF pages laid out, HTML pages written).
    Raises :class:`ContentError` (invalid content: nothing written) or
    :class:`BuildError` (MkDocs or PDF failed: the previous site is whole) or
    :class:`generator.safe_output.OutputRefused` (``site_dir`` is not ours to replace).
    Each build renders into its own private folder unless ``docs_dir`` is given."""
    say = progress or (lambda _message: None)
    seconds: dict[str, float] = {}
    config_path = project_of(content_dir).cache_dir / "mkdocs.yml"  # written when MkDocs is about to run
    project_dirs = (project_of(content_dir).home, config_path.resolve().parent)
    site_dir = check_site_target(site_dir, content_dir=content_dir, project_dirs=project_dirs)
    sweep(site_dir)
    with work_folder(site_dir) as work:
        context, pdf_path = _build_into(
            work,
            content_dir,
            site_dir,
            Path(docs_dir) if docs_dir else work / "docs",
            config_path=config_path,
            project_dirs=project_dirs,
            options=_Options(strict, offline, pdf, site_url, exclude_drafts, since),
            say=say,
            live=live,
            seconds=seconds,
        )
    if not docs_dir:
        forget_docs(work / "docs")
    pages = sum(1 for _ in site_dir.rglob("*.html"))
    say(f"  {pages} HTML pages in {site_dir}")
    return BuildResult(
        site_dir=site_dir,
        pages=pages,
        written=len(context.result.written),
        seconds=seconds,
        pdf=site_dir / PDF_NAME if pdf_path else None,
        unfinished_drafts=context.handbook.unfinished_drafts,
    )


@dataclass(frozen=True)
class _Options:
    strict: bool
    offline: bool
    pdf: bool
    site_url: str | None
    exclude_drafts: bool
    since: str | None


def _build_into(
    work: Path,
    content_dir: Path,
    site_dir: Path,
    docs_dir: Path,
    *,
    config_path: Path,
    project_dirs: tuple[Path, ...],
    options: _Options,
    say: Callable[[str], None],
    live: Callable[[str], None] | None,
    seconds: dict[str, float],
) -> tuple[BuildContext, Path | None]:
    """Every stage of one build inside its private folder ``work`` (see
    generator.safe_output): Markdown, PDF and site are this build's alone."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    global _active
    started = time.perf_counter()
    say("validate + render")
    context = prepare(
        content_dir,
        docs_dir,
        pdf=options.pdf,
        strict=options.strict,
        exclude_drafts=options.exclude_drafts,
        since=options.since,
    )
    seconds["render"] = time.perf_counter() - started
    say(
        f"  {len(context.handbook.topics)} topics, {len(context.result.files)} pages "
        f"({len(context.result.written)} written, {len(context.result.removed)} removed)"
    )
    staging = work / "site"
    staging.mkdir()
    staging.chmod(0o755)  # the build folder is private (0700); a web server's user must read the site
    epoch = str(int(build_date(context.handbook).timestamp()))
    # The PDF is printed first: MkDocs then copies it like any docs file (the home
    # page links to it; --strict checks the link).
    pdf_path = None
    if options.pdf:
        from .pdf import write_pdf

        say("pdf")
        started = time.perf_counter()
        pdf_path = work / "pdf" / PDF_NAME
        with _environ(SOURCE_DATE_EPOCH=epoch):
            write_pdf(context.handbook, pdf_path, quiet=live is None, log=live)
        seconds["pdf"] = time.perf_counter() - started
    say("mkdocs build")
    started = time.perf_counter()
    with _environ(
        SOURCE_DATE_EPOCH=epoch,
        NO_MKDOCS_2_WARNING="1",
        HANDBOOK_OFFLINE="true" if options.offline else "false",
        HANDBOOK_SITE_URL=options.site_url if options.site_url is not None else os.environ.get("HANDBOOK_SITE_URL"),
    ):
        _active = context
        context.pdf_file = pdf_path
        pages = sum(1 for path in context.result.files if path.endswith(".md"))  # not the program scripts
        context.page_built = _page_counter(pages, live) if live else None
        try:
            config = load_config(
                str(config_file(content_dir)),
                docs_dir=str(context.docs_dir),
                site_dir=str(staging),
                strict=options.strict,
            )
            # As `mkdocs build` does: plugins and hooks learn the command (a preview
            # earlier in this process must not leave them thinking they serve).
            config.plugins.on_startup(command="build", dirty=False)
            try:
                mkdocs_build(config)
            finally:
                config.plugins.on_shutdown()
        except (MkDocsException, SystemExit) as exc:
            raise BuildError(f"mkdocs build failed: {exc}") from exc
        finally:
            _active = None
            context.pdf_file = None
            context.page_built = None
            if live:
                live("\r\033[K")
    seconds["mkdocs"] = time.perf_counter() - started
    write_headers(staging)  # the Content-Security-Policy of exactly this site (generator.csp)
    write_manifest(context, staging)
    # Checked again at the last moment: something may have appeared there meanwhile.
    check_site_target(site_dir, content_dir=content_dir, project_dirs=project_dirs)
    swap_in(staging, site_dir, work)
    return context, pdf_path


def _page_counter(total: int, live: Callable[[str], None]) -> Callable[[], None]:
    """A callback counting the pages MkDocs writes, redrawing the line at most four
    times a second (MkDocs spends most of a 2,000-topic build writing pages)."""
    done, shown = 0, 0.0

    def page_built() -> None:
        nonlocal done, shown
        done += 1
        now = time.monotonic()
        if done >= total or now - shown >= 0.25:
            shown = now
            live(f"\r\033[K  {done}/{total} pages written")

    return page_built


def refresh_context(config: Any) -> BuildContext:
    """:func:`hook_context` for a configuration whose content has changed since it
    was built (the preview's page-level rebuild, generator/quick_rebuild.py)."""
    global _hooked
    _hooked = None
    return hook_context(config)


def hook_context(config: Any) -> BuildContext:
    """The context for a MkDocs run: the one ``build_site`` prepared, or (plain
    ``mkdocs build``/``serve``) validate and render now. Content errors become a
    PluginError listing every located problem."""
    from mkdocs.exceptions import PluginError

    global _hooked
    if _active is not None:
        return _active
    if _hooked is not None and _hooked[0] is config:
        return _hooked[1]  # the hooks of one MkDocs run ask several times: stamp the files once
    root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
    content_dir = Path(os.environ.get("HANDBOOK_CONTENT", root / "content"))
    try:
        context = prepare(content_dir, Path(config.docs_dir))
        _hooked = (config, context)
        return context
    except ContentError as exc:
        from .guide import guide_link
        from .messages import report_lines

        lines = report_lines(exc.report.diagnostics, guide_link)  # as `handbook validate` prints them
        raise PluginError("invalid content:\n" + "\n".join(lines)) from exc
