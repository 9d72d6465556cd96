"""``handbook serve``: the live preview, which answers every request even while the
content is broken.

MkDocs' own ``serve`` stops at a failed first build, and after a failed rebuild it
holds every request until a build succeeds ("the server will appear stuck"). Here a
failed build is a state, not a stall: the terminal prints the located errors once, the
browser gets an error page listing them (with MkDocs' live-reload script, so it reloads
itself), and the next successful build brings the pages back. Assets and everything
else are served as usual. The rest is MkDocs' server (mkdocs.livereload), polled
every 0.2 s instead of 0.5 s so an edit is picked up sooner. An edit to topics is
rebuilt page by page (generator/quick_rebuild.py), and the browser reloads as soon as
the edited topic's page is written.

The authoring guide the installed tool carries is served at ``<site>/_guide/`` (its
headings are the anchors the validation messages point to), linked from the error page.
"""

from __future__ import annotations

import contextlib
import html
import logging
import posixpath
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mkdocs.livereload import LiveReloadServer, _serve_url, _timestamp

from .project import CONTENT_FOLDERS, GUIDE_FILE, THEME_DIR
from .quick_rebuild import PageRebuilder

__all__ = ["GUIDE_PATH", "PreviewServer", "error_page", "guide_page", "serve"]

log = logging.getLogger("mkdocs.handbook.preview")

GUIDE_PATH = "_guide/"
"""Where the preview serves the authoring guide, under the site's mount path."""

POLL_SECONDS = 0.2
"""How often the watched files are checked (a stat of each content file: about 12 ms
at 2,000 topics)."""

PENDING_WAIT_SECONDS = 30.0
"""The longest a request waits for a file the rebuild in progress has still to write."""

BUILD_DELAY_SECONDS = 0.05
"""How long the files must stay unchanged before a rebuild starts (MkDocs waits 0.1 s):
an editor's save is one or two events a few milliseconds apart."""


def describe(exc: BaseException) -> tuple[str, bool]:
    """What a failed build says to an editor, and whether MkDocs has already printed it.
    MkDocs logs a plugin's error (the hook's PluginError lists the located content
    errors, grouped like `handbook validate`) and raises Abort in its place."""
    from mkdocs.exceptions import Abort, BuildError

    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, Abort) and isinstance(cause, BuildError):
        return str(cause).strip(), True
    return (str(exc).strip() or exc.__class__.__name__), False


def guide_page() -> bytes:
    """The authoring guide as one page, its headings anchored as the messages cite them
    (docs/authoring.md#units is ``_guide/#units``)."""
    import markdown

    body = markdown.markdown(
        GUIDE_FILE.read_text(encoding="utf-8"), extensions=["toc", "tables", "fenced_code", "attr_list"]
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authoring guide</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;margin:1.5rem auto;max-width:48rem;padding:0 1rem}}
body{{color:#1b1b1b;background:#fff}} pre{{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:1rem}}
code{{background:#f6f6f6}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:.25rem .5rem}}
</style></head>
<body><main>
{body}
</main></body></html>
""".encode()


def error_page(failure: str, guide: str = "/" + GUIDE_PATH) -> bytes:
    """The page every page request gets while the build fails: the errors, escaped,
    and the way to the authoring guide that explains them."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: the handbook has errors</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;margin:1.5rem;max-width:60rem;color:#1b1b1b;background:#fff}}
h1{{font-size:1.4rem;color:#b00020}}
pre{{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f6f6;padding:1rem;border-left:4px solid #b00020}}
</style></head>
<body><main>
<h1>The handbook has errors: nothing was rebuilt</h1>
<p>Fix the files named below and save: this page reloads itself when the build succeeds.</p>
<pre id="handbook-build-errors">{html.escape(failure)}</pre>
<p>What each message means and how to fix it:
<a href="{html.escape(guide)}#error-messages">the authoring guide</a>.</p>
</main></body></html>
""".encode()


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server whose builds never stall it (see the module doc)."""

    def __init__(self, *, builder: Callable[[], None], **kwargs: Any) -> None:
        self.failure: str | None = None
        """The errors of the last build, None when it succeeded."""
        kwargs.setdefault("polling_interval", POLL_SECONDS)
        super().__init__(builder=self._guarded(builder), **kwargs)
        self.build_delay = BUILD_DELAY_SECONDS
        self._published = False
        self._pending: set[str] = set()
        self._pending_cond = threading.Condition()

    def _guarded(self, builder: Callable[[], None]) -> Callable[[], None]:
        def build() -> None:
            failing = self.failure is not None
            self._published = False
            try:
                builder()
            except Exception as exc:  # a broken page or template is shown like broken content
                self.failure, printed = describe(exc)
                if printed:
                    log.error("the preview shows these errors until they are fixed")
                else:
                    log.error("the preview shows this error until it is fixed:\n%s", self.failure)
                if self._published:  # the browsers were told the edit was in: reload them again
                    with self._epoch_cond:
                        self._wanted_epoch = _timestamp()
            else:
                if failing:
                    log.info("fixed: the preview is up to date again")
                self.failure = None
            finally:
                self._hold(())

        return build

    def publish(self, pending: Iterable[str]) -> None:
        """Reload the browsers before the rebuild in progress ends (generator/quick_rebuild.py):
        the edited pages are written. A request for a file still ``pending`` (its path in
        the site) waits until :meth:`written` says it is, so no browser gets a page of
        the last build or a page half written; every other request is answered at once."""
        self._hold(pending)
        self.failure = None
        self._published = True
        with self._epoch_cond:
            self._visible_epoch = self._wanted_epoch
            self._epoch_cond.notify_all()

    def written(self, path: str) -> None:
        """A ``pending`` file is written: requests waiting for it go on."""
        with self._pending_cond:
            self._pending.discard(path)
            self._pending_cond.notify_all()

    def _hold(self, pending: Iterable[str]) -> None:
        with self._pending_cond:
            self._pending = set(pending)
            self._pending_cond.notify_all()

    def _serve_request(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes] | None:
        path = environ.get("PATH_INFO", "")
        wanted = _site_path(path, self.mount_path)
        with self._pending_cond:
            self._pending_cond.wait_for(lambda: wanted not in self._pending, timeout=PENDING_WAIT_SECONDS)
        failure = self.failure
        if path in (self.mount_path + GUIDE_PATH, self.mount_path + GUIDE_PATH.rstrip("/")):
            return _answer(start_response, "200 OK", guide_page())
        if failure is None or not _is_page(path, self.mount_path):
            return super()._serve_request(environ, start_response)
        with self._epoch_cond:
            epoch = self._visible_epoch
        content = self._inject_js_into_html(error_page(failure, self.mount_path + GUIDE_PATH), epoch)
        return _answer(start_response, "500 Internal Server Error", content)


def _answer(start_response: Callable[..., Any], status: str, content: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(content)))])
    return [content]


def _site_path(path: str, mount_path: str) -> str | None:
    """The file a request is for, as a path in the site ("topics/x/index.html"), as
    MkDocs' server finds it; None for a request outside the site."""
    if not (path + "/").startswith(mount_path):
        return None
    relative = path[len(mount_path) :] + ("index.html" if path.endswith("/") else "")
    return posixpath.normpath("/" + relative).lstrip("/")


def _is_page(path: str, mount_path: str) -> bool:
    """A request for a page (not an asset, not live reload's long poll)."""
    if path.startswith("/livereload/") or not (path + "/").startswith(mount_path):
        return False
    last = path.rsplit("/", 1)[-1]
    return last == "" or last.endswith(".html") or "." not in last


def watched(content_dir: Path) -> list[tuple[Path, bool]]:
    """(path, recursive) for every place an edit must rebuild the preview. The
    handbook's own folder is watched without descending: its cache and built site may
    sit inside it (generator.project)."""
    paths = [(content_dir, False)]
    paths += [(content_dir / name, True) for name in CONTENT_FOLDERS if (content_dir / name).is_dir()]
    paths.append((THEME_DIR, True))
    return paths


@contextlib.contextmanager
def theme_files_remembered() -> Iterator[None]:
    """While the preview runs, the theme's static files are listed once, not on every
    rebuild: MkDocs walks every theme folder each build (Material's holds 14,000 files:
    about 0.15 s of each rebuild). They are listed again when the project's own theme
    folder changes (it is watched); the installed themes do not change while serving."""
    from mkdocs.structure.files import File, Files

    from .build import file_stamps

    original = Files.add_files_from_theme
    listed: dict[tuple[Any, ...], list[tuple[str, str]]] = {}

    def add_files_from_theme(self: Files, env: Any, config: Any) -> None:
        theme = file_stamps(sorted(THEME_DIR.rglob("*")))
        key = (tuple(config.theme.dirs), tuple(config.theme.static_templates), theme)
        if key not in listed:
            probe = Files([])
            original(probe, env, config)
            listed.clear()
            listed[key] = [(file.src_uri, file.src_dir) for file in probe]
        for path, src_dir in listed[key]:
            if self.get_file_from_path(path) is None:  # as MkDocs: a docs file wins over the theme's
                self.append(File(path, src_dir, config.site_dir, config.use_directory_urls))

    Files.add_files_from_theme = add_files_from_theme  # type: ignore[method-assign]
    try:
        yield
    finally:
        Files.add_files_from_theme = original  # type: ignore[method-assign]


def serve(config_file: Path, content_dir: Path, *, dev_addr: str, dirty: bool, **overrides: Any) -> None:
    """Build into a temporary folder and serve it at ``dev_addr`` until interrupted,
    rebuilding when the content or the theme changes. ``dirty``: only pages whose
    Markdown changed are rebuilt (generator/quick_rebuild.py when the edit allows,
    else MkDocs' dirty build). Raises MkDocs' ConfigurationError for a bad
    configuration (before serving anything)."""
    from mkdocs.config import load_config

    site_dir = tempfile.mkdtemp(prefix="handbook-preview-")

    def get_config() -> Any:
        return load_config(config_file=str(config_file), site_dir=site_dir, dev_addr=dev_addr, **overrides)

    rebuilder = PageRebuilder(content_dir, config_file) if dirty else None
    try:
        with theme_files_remembered():
            _serve(get_config, site_dir, content_dir, rebuilder)
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)


def _serve(get_config: Callable[[], Any], site_dir: str, content_dir: Path, rebuilder: PageRebuilder | None) -> None:
    from mkdocs.commands.build import build

    config = get_config()
    dirty = rebuilder is not None
    config.plugins.on_startup(command="serve", dirty=dirty)
    host, port = config.dev_addr
    mount_path = urlsplit(config.site_url or "/").path
    serve_url = _serve_url(host, port, mount_path)

    def builder() -> None:
        if rebuilder is not None and rebuilder.rebuild(server):
            return
        log.info("Building the preview...")
        fresh = get_config()
        fresh.site_url = serve_url
        if rebuilder is None:
            build(fresh, serve_url=serve_url, dirty=False)
        else:
            rebuilder.full_build(fresh, lambda: build(fresh, serve_url=serve_url, dirty=True))

    server = PreviewServer(builder=builder, host=host, port=port, root=site_dir, mount_path=mount_path)
    server.error_handler = lambda code: _site_page(site_dir, code)
    # MkDocs' plugins' on_serve is not called: it only adjusts what is watched
    # (generator/mkdocs_hooks.py), and what is watched is decided here.
    server.builder()  # the first build: a failure is served as the error page
    for path, recursive in watched(content_dir):
        server.watch(str(path), recursive=recursive)
    try:
        server.serve()
    except KeyboardInterrupt:
        log.info("Shutting down...")
    finally:
        server.shutdown()
        config.plugins.on_shutdown()


def _site_page(site_dir: str, code: int) -> bytes | None:
    """MkDocs' error handler: the site's own 404 page, when it has one."""
    page = Path(site_dir) / f"{code}.html"
    return page.read_bytes() if code == 404 and page.is_file() else None
