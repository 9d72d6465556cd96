"""The attacks of the security review (2026-11) in a real browser: the stored XSS
proofs are inert (D1 handbook title, D2 reference title), the review caution and
the citations survive (D6 and the two-backtick case), and the site works with zero
Content-Security-Policy violations under the policy the build wrote (item 6)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PHONE, QuietHandler

from generator.build import build_site
from generator.csp import read_policy

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"

HANDBOOK_TITLE = 'Handbook <img src=x onerror=alert(document.domain)> " onmouseover="alert(2)'
REFERENCE_TITLE = (
    "A test guideline ![x autofocus onfocus=alert(document.domain) onmouseover=alert(document.cookie) y](./z) "
    "[jl](https://x.example/a) `tick"
)
LABEL_TITLE = "Product X `prescribing information"

# (A javascript: link in content is refused by validate: tests/test_validate_hostile.py.)
# Records every dialog and CSP violation a page causes, from before its first script.
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(
  e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));
"""


def serve(root: Path, headers: dict[str, str]) -> Iterator[str]:
    class Handler(QuietHandler):
        def end_headers(self) -> None:
            for name, value in headers.items():
                self.send_header(name, value)
            super().end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/handbook/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def hostile_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("hostile") / "content"
    shutil.copytree(MINI, content)

    def edit(name: str, old: str, new: str) -> None:
        path = content / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))

    edit("handbook.yaml", "title: Mini Handbook", f"title: '{HANDBOOK_TITLE}'")
    edit("references.yaml", "title: A test guideline for dosing", f"title: '{REFERENCE_TITLE}'")
    edit("references.yaml", "title: Product X prescribing information", f"title: '{LABEL_TITLE}'")
    # Two references cited together, each title with one backtick: a code span used
    # to join the two citation links ("[2][3]" for "[1][2]").
    edit("topics/alpha.yaml", "  cite: [guide-2020]\nplain_language", "  cite: [guide-2020, label-x]\nplain_language")
    edit("topics/alpha.yaml", "related: [beta]", "related: [beta]\ncalculators: [ivig-dose, itp-grade]")
    return content


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory, hostile_content: Path) -> Path:
    root = tmp_path_factory.mktemp("served")
    build_site(hostile_content, root / "handbook", pdf=False)
    return root


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(**PHONE)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def pages(site_dir: Path) -> list[str]:
    return [
        p.relative_to(site_dir).as_posix().removesuffix("index.html")
        for p in sorted(site_dir.rglob("*.html"))
        if p.name != "404.html"
    ]


def test_xss_proofs_are_inert_and_the_caution_and_citations_survive(hostile_site: Path, page: Any) -> None:
    site_dir = hostile_site / "handbook"
    for base in serve(hostile_site, {}):
        for path in pages(site_dir):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.mouse.move(10, 10)
        assert page.dialogs == []
        page.goto(base + "topics/alpha/")
        header = page.locator(".md-header__topic .md-ellipsis").first.inner_text()
        assert header.strip() == HANDBOOK_TITLE
        assert page.locator("img[src=x], article img, a[href^=javascript], a[href^=vbscript]").count() == 0
        group = page.locator("#cite-1-1")  # guide-2020 and label-x cited together: one link
        assert group.get_attribute("href") == "#ref-1" and "1" in group.inner_text() and "2" in group.inner_text()
        titled = page.locator("article a.hb-cite[title]")
        assert titled.count() > 0
        assert set(titled.evaluate_all("els => els.map(e => e.title)")) <= {REFERENCE_TITLE, LABEL_TITLE}
        assert page.locator("article code").count() == 0  # no code span across two citations
        caution = page.locator("article .admonition.warning", has_text="has not completed clinical review")
        assert caution.count() == 1
        assert page.locator("article .hb-badge").first.inner_text() == "Submitted"


def test_the_site_works_with_zero_violations_under_its_own_policy(hostile_site: Path, page: Any) -> None:
    site_dir = hostile_site / "handbook"
    policy = read_policy(site_dir)
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert policy.startswith("default-src 'none'; script-src 'self' 'sha256-")
    for base in serve(hostile_site, {"Content-Security-Policy": policy}):
        for path in pages(site_dir):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__violations") == []

        page.goto(base + "topics/alpha/")
        page.wait_for_load_state("networkidle")
        # Search (Material's worker fetching the index) finds the topic.
        page.locator("label.md-header__button[for=__search]").first.click()
        page.locator("input.md-search__input").type("alfa")
        page.locator(".md-search-result__item").first.wait_for()
        page.keyboard.press("Escape")
        # The palette toggle switches the scheme.
        scheme = page.locator("body").get_attribute("data-md-color-scheme")
        page.locator('form[data-hb-palette] label:visible').first.click()
        page.wait_for_function(f"document.body.getAttribute('data-md-color-scheme') !== '{scheme}'")
        # The audience toggle shows the patient text.
        page.locator('[data-hb-audience-set="toggle"]').first.click()
        assert page.locator(".hb-for-patient").first.is_visible()
        page.locator(
            '[data-hb-audience-set="clinician"]:visible, [data-hb-audience-set="toggle"]:visible'
        ).first.click()
        # The calculators mount and answer a weight.
        calculator = page.locator('[data-md-component="calculator"]').first
        calculator.scroll_into_view_if_needed()  # it mounts when it comes within a screen
        calculator.locator("form").wait_for()
        before = calculator.inner_text()
        fields = calculator.locator("input:not([type=radio]):not([type=checkbox]):visible")
        for i in range(fields.count()):
            fields.nth(i).fill("70")
        page.wait_for_timeout(300)
        assert calculator.inner_text() != before
        violations = page.evaluate("window.__violations")
        assert page.dialogs == []
    assert violations == []
