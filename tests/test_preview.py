"""`handbook serve` answers every request while the content is broken: the terminal and
the browser show the located errors, and the preview recovers when they are fixed."""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.preview import _is_page, error_page
from generator.scaffold import init_handbook

ROOT = Path(__file__).resolve().parent.parent
BROKEN = """\
id: broken
title: Broken topic
summary: A topic with a misspelt section.
specialty: General
review: {status: submitted, authors: [A. Editor], last_updated: 2026-01-01, next_review_due: 2027-01-01}
bottom_line: {text: Nothing to say.}
plain_language: {summary: Nothing to say.}
contraindicatons: []
"""
LOCATED = (
    "topics/broken.yaml:8:1: contraindicatons: unknown field 'contraindicatons' (did you mean 'contraindications'?)"
)


def test_error_page_escapes_what_it_shows() -> None:
    page = error_page("topics/x.yaml:1:1: title: <script>alert(1)</script>").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page


@pytest.mark.parametrize(
    "path, page",
    [
        ("/", True),
        ("/topics/x/", True),
        ("/index.html", True),
        ("/topics/x", True),
        ("/assets/javascripts/handbook.js", False),
        ("/livereload/1/2", False),
        ("/sitemap.xml", False),
    ],
)
def test_which_requests_get_the_error_page(path: str, page: bool) -> None:
    assert _is_page(path, "/") is page


def get(url: str) -> tuple[int, str]:
    """Status and body; a request that is not answered within 20 s fails the test."""
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def wait_for(url: str, predicate, seconds: float = 90) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = get(url)
        except (urllib.error.URLError, ConnectionError):
            answer = (0, "")
        if predicate(*answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.3)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(folder: Path, log: Path | None = None) -> Iterator[str]:
    """`handbook serve` in ``folder`` on a free port, its output in ``log``; yields the
    base URL and stops the server on the way out."""
    port = free_port()
    out = log.open("w") if log else None
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=folder,
        stdout=out or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if out else subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        if out:
            out.close()


@pytest.mark.slow
def test_serve_answers_every_request_with_the_located_errors_and_recovers(tmp_path: Path) -> None:
    folder = tmp_path / "hb"
    init_handbook(folder)
    broken = folder / "topics" / "broken.yaml"
    broken.write_text(BROKEN)
    with serving(folder, tmp_path / "serve.log") as base:
        # Broken from the start: every page request is answered with the errors.
        status, body = wait_for(base + "/", lambda code, _: code != 0)
        assert status == 500, body
        assert LOCATED in html.unescape(body)
        assert "reloads itself" in body and "livereload" in body  # MkDocs' reload script is injected
        for path in ("/topics/example-topic/", "/a-z/", "/index.html"):
            assert get(base + path)[0] == 500
        assert get(base + "/assets/javascripts/handbook.js")[0] == 404  # answered, not held
        # The error page leads to the guide the installed tool carries, at the section on messages.
        assert '<a href="/_guide/#error-messages">the authoring guide</a>' in body
        status, guide = get(base + "/_guide/")
        assert status == 200 and '<h2 id="error-messages">Error messages</h2>' in guide
        assert '<h2 id="units">Units</h2>' in guide  # where "see docs/authoring.md#units" points
        # Fixed: the real pages come back.
        broken.unlink()
        status, body = wait_for(base + "/", lambda code, _: code == 200)
        assert status == 200 and "Example topic (placeholder)" in body
        assert get(base + "/assets/javascripts/handbook.js")[0] == 200
        # Broken while running: the next rebuild fails, and every request is still answered.
        broken.write_text(BROKEN)
        status, body = wait_for(base + "/topics/example-topic/", lambda code, _: code == 500)
        assert status == 500 and LOCATED in html.unescape(body)
        assert get(base + "/assets/javascripts/handbook.js")[0] == 200
        broken.write_text(BROKEN.replace("contraindicatons", "contraindications"))
        status, body = wait_for(base + "/topics/broken/", lambda code, _: code == 200)
        assert status == 200 and "Broken topic" in body
    terminal = (tmp_path / "serve.log").read_text()
    assert LOCATED in terminal
    assert "fixed: the preview is up to date again" in terminal
    assert "Traceback" not in terminal


@pytest.mark.slow
@pytest.mark.browser
def test_the_error_page_in_a_browser_reloads_itself_when_the_file_is_fixed(tmp_path: Path, browser) -> None:
    folder = tmp_path / "hb"
    init_handbook(folder)
    broken = folder / "topics" / "broken.yaml"
    broken.write_text(BROKEN)
    with serving(folder) as base:
        assert wait_for(base + "/", lambda code, _: code == 500)[0] == 500
        page = browser.new_page()
        page.goto(base + "/topics/example-topic/")
        assert LOCATED in page.locator("#handbook-build-errors").inner_text()
        broken.unlink()  # fixed: no reload by hand, the page must come back by itself
        page.locator("h1", has_text="Example topic (placeholder)").wait_for(timeout=90_000)
        assert page.locator("#handbook-build-errors").count() == 0
        page.close()


def test_the_preview_lists_the_theme_files_once_until_its_theme_changes(tmp_path: Path, monkeypatch) -> None:
    """generator.preview.theme_files_remembered: the second build lists no theme folder
    (MkDocs walks Material's 14,000 files otherwise) and copies the same files."""
    import jinja2
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    from generator import preview

    content = tmp_path / "content"
    shutil.copytree(ROOT / "tests" / "fixtures" / "mini", content)
    monkeypatch.setenv("HANDBOOK_CONTENT", str(content))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    (tmp_path / "docs").mkdir()
    listings = []
    list_templates = jinja2.Environment.list_templates

    def counted(self, *args, **kwargs):
        listings.append(1)
        return list_templates(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "list_templates", counted)
    sites = []
    with preview.theme_files_remembered():
        for n in range(2):
            site = tmp_path / f"site{n}"
            mkdocs_build(load_config("mkdocs.yml", docs_dir=str(tmp_path / "docs"), site_dir=str(site)), dirty=True)
            sites.append(sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()))
    assert len(listings) == 1
    assert sites[0] == sites[1] and "assets/javascripts/handbook.js" in sites[1]


@pytest.mark.slow
@pytest.mark.browser
def test_an_edited_topic_reloads_its_page_once_by_itself(tmp_path: Path, browser) -> None:
    """An edit rebuilt page by page (generator/quick_rebuild.py: the browser is told
    to reload when the edited topic's page is written, before the rest of the
    rebuild) reaches the open page by itself, once."""
    folder = tmp_path / "hb"
    init_handbook(folder)
    with serving(folder, tmp_path / "serve.log") as base:
        assert wait_for(base + "/topics/example-topic/", lambda code, _: code == 200)[0] == 200
        time.sleep(1)  # the watcher has started
        page = browser.new_page()
        loads: list[str] = []
        page.on("load", lambda: loads.append(page.url))
        page.goto(base + "/topics/example-topic/")
        topic = folder / "topics" / "example-topic.yaml"
        text = topic.read_text(encoding="utf-8")
        summary = next(line for line in text.splitlines() if line.startswith("summary:"))
        topic.write_text(text.replace(summary, "summary: Edited in the preview test."), encoding="utf-8")
        page.get_by_text("Edited in the preview test.").first.wait_for(timeout=30_000)
        page.wait_for_timeout(3000)  # a second reload would come within this
        assert loads == [base + "/topics/example-topic/"] * 2
        page.close()
    terminal = (tmp_path / "serve.log").read_text()
    assert "Rebuilding " in terminal and "Traceback" not in terminal


def test_a_request_for_a_page_still_to_be_written_waits_for_it(tmp_path: Path) -> None:
    """After an early reload (generator/quick_rebuild.py) a tab on a page the rebuild
    has not written yet must get the new page, not the last build's nor half of it."""
    import threading

    from generator.preview import PreviewServer

    page = tmp_path / "topics" / "beta" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("old", encoding="utf-8")
    server = PreviewServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.publish(["topics/beta/index.html", "search/search_index.json"])
    answers: list[bytes] = []

    def fetch(path: str) -> None:
        body = server._serve_request({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda *a: None) or []
        answers.append(b"".join(body))
        if hasattr(body, "close"):
            body.close()

    beta = threading.Thread(target=fetch, args=("/topics/beta/",))
    beta.start()
    beta.join(0.5)
    assert beta.is_alive()  # held: beta is still to be written
    other = threading.Thread(target=fetch, args=("/topics/alpha/",))
    other.start()
    other.join(5)
    assert not other.is_alive()  # anything else is answered at once (here: not found)
    page.write_text("new", encoding="utf-8")
    server.written("topics/beta/index.html")
    beta.join(5)
    assert not beta.is_alive() and b"new" in answers[-1] and b"old" not in answers[-1]
    server.server_close()
