"""The offline app in real Chromium on a phone (issue 16): the site served over
http://127.0.0.1 (a secure context, so the service worker runs) by a small threaded
server that records every request, so "offline" is checked at the server too.

Each scenario gets a fresh browser context (a fresh phone). The test handbook is the
mini fixture with a calculator on topic alpha and an emergency section on topic beta;
its numbers are test data, not clinical advice.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PHONE

from benchmarks.synth import make_synthetic_content
from generator.build import build_site
from generator.csp import read_policy
from generator.offline_app import plan_edition

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
EMERGENCY = """emergency:
  - text: Call the on-call haematologist at once for bleeding into the head.
    cite: [guide-2020]
"""


def make_content(
    folder: Path,
    *,
    edition: str = "2026.1",
    date: str = "2026-11-01",
    dose_g_per_kg: int = 1,
    withdrawn: str | None = None,
    budget_kb: int | None = None,
) -> Path:
    """The mini handbook as one edition: its name and date, the dose of alpha (so a
    page's calculator and tables tell the editions apart), a recall, the app budget."""
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(MINI, folder)
    alpha = folder / "topics" / "alpha.yaml"
    text = alpha.read_text().replace("related: [beta]", "related: [beta]\ncalculators: [ivig-dose]")
    alpha.write_text(text.replace("dose: {amount: 1, unit: g/kg}", f"dose: {{amount: {dose_g_per_kg}, unit: g/kg}}"))
    beta = folder / "topics" / "beta.yaml"
    beta.write_text(beta.read_text() + EMERGENCY)
    meta = folder / "handbook.yaml"
    text = meta.read_text().replace('name: "2026.1"', f'name: "{edition}"').replace("2026-11-01", date)
    if withdrawn:
        text = text.replace(f"  date: {date}", f"  date: {date}\n  withdrawn: {withdrawn}")
    if budget_kb is not None:
        text += f"app:\n  offline_budget_kb: {budget_kb}\n"
    meta.write_text(text)
    return folder


class Server:
    """http.server on 127.0.0.1 serving ``root``. ``requests`` lists every path asked
    for; with ``down`` set it answers nothing (the hospital network out of reach)."""

    budget_kb: int | None = None
    """The app budget the served site was built with, when a test chose one."""

    def __init__(self, root: Path) -> None:
        server = self
        self.root = root
        self.requests: list[str] = []
        self.down = False

        class Handler(http.server.SimpleHTTPRequestHandler):
            extensions_map = {
                **http.server.SimpleHTTPRequestHandler.extensions_map,
                ".webmanifest": "application/manifest+json",
            }

            def do_GET(self) -> None:
                server.requests.append(self.path)
                if server.down:
                    self.close_connection = True  # no answer: the browser sees a network error
                    return
                super().do_GET()

            def end_headers(self) -> None:
                # The policy the build computed (site/_headers), as hospital IT sends it.
                headers = root / "handbook" / "_headers"
                if headers.is_file():
                    self.send_header("Content-Security-Policy", read_policy(root / "handbook"))
                super().end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_port}/handbook/"

    def go_offline(self, context: Any) -> None:
        """The phone loses the network. Chromium's offline emulation covers pages and the
        worker's fetches but not the browser's own update check of the worker script,
        so the server stops answering too; only that check may still knock."""
        context.set_offline(True)
        self.down = True
        self.requests.clear()

    def requests_while_offline(self) -> list[str]:
        return [path for path in self.requests if not path.endswith("/service-worker.js")]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    # bypass_csp: Playwright's wait_for_function evaluates strings, which the site's
    # policy forbids; the app under that policy is tested in test_security_browser.py.
    context = browser.new_context(**PHONE, bypass_csp=True)
    yield context
    context.close()


def build(content: Path, root: Path) -> None:
    build_site(content, root / "handbook", docs_dir=root / "docs", pdf=False)


def app_ready(page: Any) -> None:
    """The page is controlled by an activated worker and has checked for a new edition."""
    page.wait_for_function(
        "navigator.serviceWorker.controller !== null"
        " && Object.keys(localStorage).some(key => key.startsWith('handbook.app.checked '))",
        timeout=30_000,
    )


def footer_edition(page: Any) -> str:
    found = re.search(r"Edition (\S+) \(", page.locator(".hb-footer__edition").inner_text())
    assert found, page.url
    return found.group(1)


def compute_dose(page: Any) -> str:
    """The dose per day for a 60 kg, 170 cm woman (no obesity adjustment): 60 g at 1 g/kg."""
    calc = page.locator("[data-md-component=calculator]").first
    calc.scroll_into_view_if_needed()  # it mounts when it comes within a screen
    calc.locator("form").wait_for()
    calc.get_by_label("Weight", exact=True).fill("60")
    calc.get_by_label("Height", exact=True).fill("170")
    calc.get_by_text("Female", exact=True).tap()
    # The form keeps a number and its unit on one line with a no-break space.
    return calc.locator("[data-calc=dose_per_day]").text_content().replace("\u00a0", " ")


def band_table_dose(page: Any) -> str:
    """What the weight-band table says to give at 60 kg, as this page's HTML holds it (the
    fallback tables sit in <noscript>, which a browser running scripts keeps as text)."""
    tables = " ".join(page.locator("noscript").all_text_contents())
    for low, high, dose in re.findall(r"<td>([\d.]+) to ([\d.]+)</td>\s*<td>(\d+ g)</td>", tables):
        if float(low) <= 60 <= float(high):
            return dose
    raise AssertionError(f"no weight band holds 60 kg on {page.url}")


def search(page: Any, query: str) -> list[str]:
    page.locator("label.md-header__button[for=__search]").first.click()
    box = page.locator("input.md-search__input")
    box.fill("")
    box.type(query)
    page.locator(".md-search-result__item").first.wait_for()
    return page.locator(".md-search-result__item > a").evaluate_all(
        "els => els.map(e => e.href.split('#')[0].split('?')[0])"
    )


def handbook_caches(page: Any) -> list[str]:
    return [name for name in page.evaluate("caches.keys()") if name.startswith("handbook|")]


# --------------------------------------------------------------------------- offline


@pytest.fixture(scope="module")
def visited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("visited")
    build(make_content(root / "content", budget_kb=0), root)
    # A budget that holds the shell and the emergency page (beta), not the whole site.
    shell = plan_edition(root / "handbook", 0).shell_gzip_bytes
    beta = len(gzip.compress((root / "handbook" / "topics" / "beta" / "index.html").read_bytes(), 6, mtime=0))
    budget_kb = (shell + beta) // 1024 + 1
    build(make_content(root / "content", budget_kb=budget_kb), root)
    plan = plan_edition(root / "handbook", budget_kb * 1024)
    assert "topics/beta/" in plan.shell and not plan.whole_site
    server = Server(root)
    server.budget_kb = budget_kb
    yield server
    server.close()


@pytest.fixture
def visited_site(visited_server: Server) -> Server:
    """A site over the app's budget: the phone stores the shell, the emergency page and
    what is read."""
    visited_server.down = False
    return visited_server


def test_one_online_visit_then_the_stairwell(visited_site: Server, phone: Any) -> None:
    base = visited_site.base
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "topics/alpha/")
    assert page.locator("link[rel=manifest]").get_attribute("href") == "../../app.webmanifest"
    app_ready(page)
    assert search(page, "alfa")[0] == base + "topics/alpha/"  # the index is stored at its first use
    page.keyboard.press("Escape")
    assert compute_dose(page) == "60 g"

    visited_site.go_offline(phone)
    response = page.reload()
    # From the phone's store, with the server's Content-Security-Policy kept.
    assert response.from_service_worker
    assert response.headers["content-security-policy"] == read_policy(visited_site.root / "handbook")
    status = page.locator("[data-hb-app-offline]")
    assert status.inner_text().startswith("Offline: edition 2026.1 (2026-11-01) stored on this phone.")
    assert "No check for a newer edition since" in status.inner_text()
    assert compute_dose(page) == "60 g"
    assert band_table_dose(page) == "60 g"
    for path, title in [("", "Mini Handbook"), ("calculators/", "Calculators"), ("topics/beta/", "Beta")]:
        page.goto(base + path)
        assert page.title().startswith(title), path
        assert footer_edition(page) == "2026.1"
    # The emergency page was never opened: the app stored it at install.
    assert page.locator("#emergency").is_visible()
    assert search(page, "alfa")[0] == base + "topics/alpha/"
    # A page never read is not on the phone: said plainly, with the way home.
    page.goto(base + "glossary/")
    assert page.locator("h1").inner_text() == "Not stored on this phone"
    assert visited_site.requests_while_offline() == []
    assert errors == []


def test_keep_this_topic_offline(visited_site: Server, phone: Any) -> None:
    base = visited_site.base
    page = phone.new_page()
    page.goto(base + "topics/beta/")
    app_ready(page)
    page.reload()  # controlled from the start: the worker answers the page
    keep = page.get_by_role("button", name="Keep this topic offline")
    assert keep.get_attribute("aria-pressed") == "false"
    keep.click()
    kept = page.get_by_role("button", name="Kept offline on this phone")
    assert kept.get_attribute("aria-pressed") == "true"
    page.reload()
    page.get_by_role("button", name="Kept offline on this phone").wait_for()  # the app starts 3 s after load
    # Not a topic: no control.
    page.goto(base + "calculators/")
    page.wait_for_timeout(6000)  # the app starts 3 s after load (app.js)
    assert page.locator("[data-hb-app-keep]").count() == 0


def test_whole_site_fits_the_budget_and_every_page_works_offline(
    tmp_path_factory: pytest.TempPathFactory, phone: Any
) -> None:
    root = tmp_path_factory.mktemp("whole")
    build(make_content(root / "content"), root)
    server = Server(root)
    try:
        page = phone.new_page()
        page.goto(server.base)
        app_ready(page)
        server.go_offline(phone)
        pages = sorted(p for p in (root / "handbook").rglob("index.html"))
        for path in pages:
            url = server.base + path.parent.relative_to(root / "handbook").as_posix() + "/"
            page.goto(url.replace("/./", "/"))
            assert page.locator("h1").first.inner_text() != "Not stored on this phone", url
            assert footer_edition(page) == "2026.1"
        assert len(pages) >= 9
        # Never opened, yet the search works: the whole site includes its index.
        assert search(page, "beta")[0].startswith(server.base + "topics/beta/")
        assert server.requests_while_offline() == []
    finally:
        server.close()


# --------------------------------------------------------------------------- editions

EDITION_PAGES = ["", "topics/alpha/", "topics/beta/", "calculators/", "a-z/"]


def assert_one_edition(page: Any, base: str, edition: str, dose: str) -> None:
    """Every page checked shows ``edition`` in its footer; on the calculator's page the
    program computes ``dose`` and the page's weight-band table says the same."""
    for path in EDITION_PAGES:
        page.goto(base + path)
        assert footer_edition(page) == edition, path
    page.goto(base + "topics/alpha/")
    assert (compute_dose(page), band_table_dose(page)) == (dose, dose)


def test_the_phone_keeps_one_edition_until_the_reader_accepts_the_next(
    tmp_path_factory: pytest.TempPathFactory, phone: Any
) -> None:
    root = tmp_path_factory.mktemp("editions")
    content = root / "content"
    build(make_content(content), root)  # edition 2026.1: alpha at 1 g/kg
    server = Server(root)
    try:
        page = phone.new_page()
        page.goto(server.base + "topics/alpha/")
        app_ready(page)
        assert_one_edition(page, server.base, "2026.1", "60 g")

        # Edition 2026.2 (alpha at 2 g/kg) is published at the same address.
        build(make_content(content, edition="2026.2", date="2026-12-01", dose_g_per_kg=2), root)
        page.goto(server.base)
        banner = page.locator("[data-hb-app-update]")
        banner.wait_for(timeout=30_000)  # shown once the new edition is stored whole
        assert banner.inner_text() == "Edition 2026.2 (2026-12-01) is available: Reload"
        assert len(handbook_caches(page)) == 2
        assert_one_edition(page, server.base, "2026.1", "60 g")

        with page.expect_navigation():
            page.locator("[data-hb-app-update]").get_by_role("button", name="Reload").click()
        assert footer_edition(page) == "2026.2"
        assert_one_edition(page, server.base, "2026.2", "120 g")
        assert len(handbook_caches(page)) == 1  # the old edition is gone from the phone
        assert page.locator("[data-hb-app-update]").count() == 0
    finally:
        server.close()


def notice_blocks_the_page(page: Any) -> bool:
    return page.evaluate("document.elementFromPoint(195, 600).closest('[data-hb-withdrawn-notice]') !== null")


def test_a_withdrawn_edition_blocks_every_page_until_a_new_one_arrives(
    tmp_path_factory: pytest.TempPathFactory, phone: Any
) -> None:
    root = tmp_path_factory.mktemp("recall")
    content = root / "content"
    build(make_content(content), root)
    server = Server(root)
    try:
        page = phone.new_page()
        page.goto(server.base + "topics/alpha/")
        app_ready(page)
        assert page.locator("[data-hb-withdrawn-notice]").count() == 0

        reason = "The alpha dose table is wrong. Use the pharmacy's on-call line."
        build(make_content(content, withdrawn=f'"{reason}"'), root)
        page.goto(server.base + "topics/alpha/")  # still the stored edition, until the recall lands
        notice = page.get_by_role("alertdialog")
        # No banner: the recall takes over by itself, once the app (3 s after load) has
        # fetched the new worker; a loaded CI machine has taken over 30 s.
        notice.wait_for(timeout=90_000)
        assert notice.get_by_role("heading").inner_text() == "Edition 2026.1 (2026-11-01) has been withdrawn"
        assert reason in notice.inner_text()
        assert notice_blocks_the_page(page)
        from axe_playwright_python.sync_playwright import Axe

        violations = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa"]}).response["violations"]
        assert [v["id"] for v in violations] == []

        # Offline, the recalled edition still shows its notice, on every page.
        server.go_offline(phone)
        for path in ["", "topics/beta/", "calculators/"]:
            page.goto(server.base + path)
            assert notice_blocks_the_page(page), path
        assert len(handbook_caches(page)) == 1

        # A new edition is published; back online, it replaces the recall at once.
        build(make_content(content, edition="2026.2", date="2026-12-01", dose_g_per_kg=2), root)
        phone.set_offline(False)
        server.down = False
        page.goto(server.base + "topics/alpha/")
        # The app reloads the page when the new edition lands: mid-reload the footer is
        # not parsed yet, so the check must not throw on a missing footer.
        page.wait_for_function(
            "document.querySelector('.hb-footer__edition')?.textContent.includes('Edition 2026.2')",
            timeout=90_000,
        )
        assert page.locator("[data-hb-withdrawn-notice]").count() == 0
        assert (compute_dose(page), band_table_dose(page)) == ("120 g", "120 g")
    finally:
        server.close()


def test_a_page_not_stored_comes_whole_from_the_server_edition(
    visited_site: Server, phone: Any, tmp_path: Path
) -> None:
    """Over the budget, alpha (the calculator's page) was never read. The server moves to
    2026.2 before the phone opens it: the page, its calculator and its table all come
    from 2026.2, never a 2026.2 page with files stored from 2026.1."""
    base = visited_site.base
    root, budget = visited_site.root, visited_site.budget_kb
    page = phone.new_page()
    page.goto(base)
    app_ready(page)
    page.reload()
    assert footer_edition(page) == "2026.1"
    build(make_content(tmp_path / "content", edition="2026.2", dose_g_per_kg=2, budget_kb=budget), root)
    try:
        page.goto(base + "topics/alpha/")
        assert footer_edition(page) == "2026.2"
        assert (compute_dose(page), band_table_dose(page)) == ("120 g", "120 g")
        page.goto(base + "calculators/")  # stored: still the edition the phone holds
        assert footer_edition(page) == "2026.1"
    finally:
        build(make_content(tmp_path / "content", budget_kb=budget), root)  # the next test's edition


VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


def test_the_app_runs_under_the_sites_content_security_policy(visited_site: Server, browser: Any) -> None:
    """The policy the build computed (generator/csp.py), enforced: the worker, the web app
    manifest, the keep control and its stylesheet cause no violation."""
    context = browser.new_context(**PHONE)
    try:
        context.add_init_script(VIOLATIONS)
        page = context.new_page()
        page.goto(visited_site.base + "topics/beta/")
        for _ in range(300):  # polled from here: wait_for_function evaluates a string, which the policy forbids
            if page.evaluate("() => navigator.serviceWorker.controller !== null"):
                break
            page.wait_for_timeout(100)
        page.reload()
        page.get_by_role("button", name="Keep this topic offline").click()
        page.get_by_role("button", name="Kept offline on this phone").wait_for()
        assert page.evaluate("() => document.querySelector('link[data-hb-app-css]') !== null")
        assert page.evaluate("() => window.__violations") == []
    finally:
        context.close()


# --------------------------------------------------------------------------- what the phone keeps

READ_LIMIT = 60  # theme/app/service-worker.js VISITED_LIMIT


def stored_topics(page: Any) -> set[str]:
    """The topic pages in the phone's edition cache."""
    (name,) = handbook_caches(page)
    urls = page.evaluate(f"caches.open({name!r}).then(c => c.keys()).then(rs => rs.map(r => r.url))")
    return {url.split("/topics/", 1)[1].rstrip("/") for url in urls if "/topics/" in url}


def test_the_last_60_pages_read_and_every_kept_topic_stay_on_the_phone_across_editions(
    tmp_path_factory: pytest.TempPathFactory, phone: Any
) -> None:
    """A handbook far over the app's budget (the shell only): the phone holds the 60 pages
    read last, plus the topics the reader kept, however long ago; the next edition
    carries both over, downloaded afresh."""
    root = tmp_path_factory.mktemp("sixty")
    content = make_synthetic_content(READ_LIMIT + 4, root / "content", source=MINI)
    meta = content / "handbook.yaml"
    first = meta.read_text(encoding="utf-8") + "app:\n  offline_budget_kb: 0\n"
    meta.write_text(first, encoding="utf-8")
    build(content, root)
    topics = sorted(p.parent.name for p in (root / "handbook" / "topics").glob("*/index.html"))
    assert len(topics) == READ_LIMIT + 4
    server = Server(root)
    try:
        page = phone.new_page()
        page.goto(server.base + f"topics/{topics[0]}/")
        app_ready(page)
        page.reload()
        page.get_by_role("button", name="Keep this topic offline").click()
        page.get_by_role("button", name="Kept offline on this phone").wait_for()
        read = topics[1 : READ_LIMIT + 2]  # 61 more pages: the oldest two fall out of the 60
        for topic in read:
            page.goto(server.base + f"topics/{topic}/")
        last_sixty = set(read[-READ_LIMIT:])
        assert stored_topics(page) == last_sixty | {topics[0]}  # read[0] is gone, the kept one is not

        # Edition 2026.2 at the same address: stored whole, then accepted.
        meta.write_text(first.replace('name: "2026.1"', 'name: "2026.2"'), encoding="utf-8")
        build(content, root)
        page.goto(server.base)
        page.locator("[data-hb-app-update]").wait_for(timeout=60_000)
        with page.expect_navigation():
            page.locator("[data-hb-app-update]").get_by_role("button", name="Reload").click()
        assert footer_edition(page) == "2026.2"
        assert stored_topics(page) == last_sixty | {topics[0]}

        server.go_offline(phone)
        for topic, stored in [(topics[0], True), (read[-1], True), (read[0], False)]:
            page.goto(server.base + f"topics/{topic}/")
            assert (page.locator("h1").first.inner_text() != "Not stored on this phone") is stored, topic
            if stored:
                assert footer_edition(page) == "2026.2"
        page.goto(server.base + f"topics/{topics[0]}/")
        page.get_by_role("button", name="Kept offline on this phone").wait_for()
        assert server.requests_while_offline() == []
    finally:
        server.close()
