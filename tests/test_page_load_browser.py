"""What a phone does while a page of the sample handbook loads, in real Chromium:
how often the whole page is re-styled (the main-thread work Lighthouse counts), and
the light/dark choice, which is applied as the header is parsed (no flash, no re-style
by Material's bundle)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PHONE, serve

from generator.build import build_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "topics/ivig-in-itp/"
# The scheme a page has when its article is parsed: before any deferred script runs, so
# before the first paint of the content.
SCHEME_AT_PARSE = """new MutationObserver(function (changes, observer) {
  if (!document.querySelector("article")) return;
  window.__schemeAtParse = document.body.getAttribute("data-md-color-scheme");
  observer.disconnect();
}).observe(document, {childList: true, subtree: true});"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("served")
    build_site(ROOT / "content", root / "handbook", docs_dir=root / "docs", pdf=False)
    yield from serve(root)


def test_the_topic_page_is_styled_whole_at_most_twice_while_it_loads(site: str, browser: Any) -> None:
    """Each re-style of the whole page costs a phone about 0.3 s on the IVIG page; Material's
    palette component caused four while the page loaded (it set and cleared an attribute
    every element's style depends on, and read styles back in between), and building the
    calculators' forms as the page loaded made it lay the page out again. Since session 8
    the blocks below the fold are not styled at all until the reader nears them."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    browser.start_tracing(page=page, categories=["devtools.timeline", "disabled-by-default-devtools.timeline"])
    page.goto(site + TOPIC, wait_until="load")
    page.wait_for_timeout(1500)  # the offline app settles
    events = json.loads(browser.stop_tracing())["traceEvents"]
    # The lists and references below the fold are rendered only near the screen
    # (content-visibility: auto, handbook.css): what is outside them is styled at load.
    elements, deferred = page.evaluate(
        """() => {
          const all = [...document.getElementsByTagName('*')];
          const lazy = all.filter(e => getComputedStyle(e).contentVisibility === 'auto');
          return [all.length, lazy.reduce((n, e) => n + e.getElementsByTagName('*').length, 0)];
        }"""
    )
    assert deferred >= 0.3 * elements, (deferred, elements)
    elements -= deferred
    # The calculators are screens down: none was built while the page loaded; each is
    # built as the reader comes within a screen of it.
    assert page.locator("[data-calculator-mounted]").count() == 0
    grade = page.locator("[data-calculator=itp-grade]")
    page.evaluate(
        "y => window.scrollTo(0, y)", grade.evaluate("e => e.getBoundingClientRect().top + scrollY - 1.5 * innerHeight")
    )
    grade.locator("form").wait_for()
    context.close()
    styled = [
        e["args"]["elementCount"]
        for e in events
        if e.get("name") == "UpdateLayoutTree" and "elementCount" in e.get("args", {})
    ]
    assert sum(styled) >= elements  # the trace saw the page being styled at all
    # Styled whole once the page is parsed, and at most once more while it loads.
    whole = [count for count in styled if count >= 0.8 * elements]
    assert len(whole) <= 2, (whole, elements)


def test_the_dark_mode_choice_lasts_from_page_to_page_from_the_first_paint(site: str, browser: Any) -> None:
    context = browser.new_context(**PHONE, color_scheme="light")
    context.add_init_script(SCHEME_AT_PARSE)
    page = context.new_page()
    page.goto(site)
    form = page.locator("form[data-hb-palette]")
    assert page.evaluate("window.__schemeAtParse") == "default"
    assert form.locator("label:visible").get_attribute("title") == "Switch to dark mode"
    form.locator("label:visible").click()
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    assert form.locator("label:visible").get_attribute("title") == "Switch to light mode"
    assert page.locator('meta[name="theme-color"]').get_attribute("content") != "#4051b5"
    page.goto(site + TOPIC)
    assert page.evaluate("window.__schemeAtParse") == "slate"
    assert form.locator("label:visible").get_attribute("title") == "Switch to light mode"
    assert page.locator("[data-md-component=palette]").count() == 0  # Material's bundle leaves it alone
    form.locator("label:visible").click()
    page.goto(site + "calculators/")
    assert page.evaluate("window.__schemeAtParse") == "default"
    context.close()
    # With no choice stored, the phone's own preference: dark from the first paint.
    dark = browser.new_context(**PHONE, color_scheme="dark")
    dark.add_init_script(SCHEME_AT_PARSE)
    page = dark.new_page()
    page.goto(site + TOPIC)
    assert page.evaluate("window.__schemeAtParse") == "slate"
    dark.close()


def test_a_calculator_whose_engine_cannot_be_fetched_says_so(site: str, browser: Any) -> None:
    """The engine and programs are fetched when a calculator is needed: a connection lost
    since the page came (no offline app yet) leaves a sentence, not an empty space."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.route("**/calc-engine.js", lambda route: route.abort())
    page.goto(site + TOPIC)
    grade = page.locator("[data-calculator=itp-grade]")
    grade.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('[data-calculator=itp-grade]').textContent.includes('unavailable')")
    assert grade.inner_text() == (
        "Calculator unavailable: its program did not load. Reload the page; if this persists, use the dose tables."
    )
    context.close()


def test_a_calculator_never_runs_on_an_engine_of_another_program_format(site: str, browser: Any) -> None:
    """An engine that would ignore part of a program (a cached engine one format behind:
    version 3 did not know at_risk_when, and would give the label's full maximum rate to a
    patient the program finds at risk) refuses it."""
    context = browser.new_context(**PHONE)
    page = context.new_page()

    def older(route: Any) -> None:
        body = route.fetch().text()
        assert "version:4," in body  # minified into the site
        route.fulfill(body=body.replace("version:4,", "version:3,"), content_type="text/javascript")

    page.route("**/calc-engine.js", older)
    page.goto(site + TOPIC)
    dose = page.locator("[data-calculator=ivig-dose]")
    dose.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('[data-calculator=ivig-dose]').textContent.includes('unavailable')")
    assert dose.locator("form").count() == 0
    context.close()
