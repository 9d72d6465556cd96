"""The built site in a real browser (Playwright + Debian Chromium) on a phone:
390 x 844, touch. Each site is built once per module; pages are served by a
small threaded http.server on 127.0.0.1 under a sub-path (/handbook/)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PHONE, render_every_block, serve

from generator.build import build_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
CONTENT = ROOT / "content"
# "=true", not "=1": a "1" in a title would (rightly) match the "1 g/kg" search below.
XSS_TITLE = "<img src=x onerror=window.__xss=true> Beta grading"

# A third topic whose text carries the tokens search must keep whole. Test data
# only: the numbers are not clinical advice and are cited to the fixture guideline.
GAMMA = """\
id: gamma
title: Gamma globulin replacement
summary: Replacing a low IgG level with gamma globulin.
specialty: Immunology
drugs: [Gamma globulin]
aliases: [gammaglob, Brandgam]
review:
  status: approved
  authors: [Test Author]
  reviewers: [Test Reviewer]
  last_updated: 2026-09-01
  last_reviewed: 2026-09-01
  next_review_due: 2027-09-01
bottom_line:
  text: Give 0.4 g/kg when the IgG is low; grade bleeding by CTCAE and count platelets in x10^9/L.
  cite: [guide-2020]
plain_language:
  summary: Gamma globulin replaces antibodies the body is missing.
"""


@pytest.fixture(scope="module")
def fixture_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(MINI, content)
    alpha = content / "topics" / "alpha.yaml"
    alpha.write_text(
        alpha.read_text().replace("related: [beta]", "related: [beta]\ncalculators: [ivig-dose, itp-grade]")
    )
    beta = content / "topics" / "beta.yaml"
    beta.write_text(beta.read_text().replace("title: Beta grading", f'title: "{XSS_TITLE}"'))
    (content / "topics" / "gamma.yaml").write_text(GAMMA)
    return content


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, fixture_content: Path) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("served")
    build_site(
        fixture_content, root / "handbook", docs_dir=root / "docs", pdf=False, site_url="http://127.0.0.1/handbook/"
    )
    for base in serve(root):
        yield root / "handbook", base


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


def page_urls(site_dir: Path, base: str) -> list[str]:
    return [
        base + p.relative_to(site_dir).as_posix().removesuffix("index.html")
        for p in sorted(site_dir.rglob("*.html"))
        if p.name != "404.html"
    ]


def search(page: Any, query: str) -> list[str]:
    """Open the search, type like a reader, return result page paths in order."""
    page.locator("label.md-header__button[for=__search]").first.click()
    box = page.locator("input.md-search__input")
    box.fill("")
    box.type(query)
    page.locator(".md-search-result__item").first.wait_for()
    hrefs = page.locator(".md-search-result__item > a").evaluate_all("els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        path = href.split("?")[0].split("#")[0]
        if path not in paths:
            paths.append(path)
    return paths


# --------------------------------------------------------------------------- layout


def test_no_topic_page_scrolls_sideways_on_a_phone(site: tuple[Path, str], page: Any) -> None:
    site_dir, base = site
    topics = [u for u in page_urls(site_dir, base) if "/topics/" in u]
    assert len(topics) == 3
    for url in topics:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{url} is {width} px wide"


def test_every_page_stays_on_the_serving_host_and_nothing_executes(site: tuple[Path, str], page: Any) -> None:
    site_dir, base = site
    requests: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    for url in page_urls(site_dir, base):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None, url
    assert len(requests) > 10
    assert [u for u in requests if not u.startswith("http://127.0.0.1:")] == []
    assert failed == []


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("0.4 g/kg", "topics/gamma/"),
        ("1 g/kg", "topics/alpha/"),
        ("IgG", "topics/gamma/"),
        ("CTCAE", "topics/gamma/"),
        ("gammaglob dose", "topics/gamma/"),
        ("brandgam", "topics/gamma/"),
        ("alfa", "topics/alpha/"),
    ],
)
def test_search_finds_the_topic_first(site: tuple[Path, str], page: Any, query: str, first: str) -> None:
    _, base = site
    page.goto(base)
    assert search(page, query)[0] == base + first


def test_search_finds_units_with_a_caret(site: tuple[Path, str], page: Any) -> None:
    _, base = site
    page.goto(base)
    assert base + "topics/gamma/" in search(page, "x10^9/L")


def test_injected_title_shows_as_text_in_search_results(site: tuple[Path, str], page: Any) -> None:
    _, base = site
    page.goto(base)
    search(page, "beta grading")
    titles = page.locator(".md-search-result__item h1").all_inner_texts()
    assert XSS_TITLE in titles
    assert page.evaluate("window.__xss") is None


# --------------------------------------------------------------------------- reading


def test_citation_opens_its_reference_and_the_back_link_returns(site: tuple[Path, str], page: Any) -> None:
    _, base = site
    page.goto(base + "topics/alpha/")
    mark = page.locator(".hb-for-clinician a.hb-cite").first
    assert mark.get_attribute("aria-label") == "Reference 1"
    mark.click()
    panel = page.get_by_role("dialog", name="Reference 1")
    assert panel.locator("li").evaluate_all("els => els.map(e => e.value)") == [1]
    assert "A test guideline for dosing" in panel.inner_text()
    assert page.url.endswith("/topics/alpha/")  # the reader stays where she was reading
    page.keyboard.press("Escape")
    assert page.locator(".hb-refpanel").count() == 0
    # Without the panel (the list itself), the back-link returns to the mark.
    page.locator("#ref-1 .hb-backlinks a").first.click()
    assert page.url.endswith("#cite-1-1")


def test_abbreviation_tap_shows_then_hides_its_expansion(site: tuple[Path, str], page: Any) -> None:
    # handbook.js: a tap on a glossary abbreviation writes its expansion after it
    # (as text, role=note); a second tap removes it.
    _, base = site
    page.goto(base + "topics/alpha/")
    abbr = page.locator("article abbr[title]:visible", has_text="ITP").first
    assert abbr.get_attribute("title") == "immune thrombocytopenia"
    tip = page.locator(".hb-abbr-tip")
    assert tip.count() == 0
    abbr.click()
    assert tip.count() == 1
    assert tip.first.inner_text().strip() == "(immune thrombocytopenia)"
    assert tip.first.get_attribute("role") == "note"
    assert page.evaluate("() => document.querySelector('.hb-abbr-tip').previousSibling.tagName") == "ABBR"
    abbr.click()
    assert tip.count() == 0


def test_patient_view_from_the_header_lasts_for_the_session_only(site: tuple[Path, str], browser: Any) -> None:
    _, base = site
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(base + "topics/alpha/")
    switch = page.locator("header").get_by_role("button", name="Patient view")
    banner = page.locator(".hb-patient-banner")
    assert switch.get_attribute("aria-pressed") == "false" and not banner.is_visible()
    # In the header, above the fold, a 44 px target.
    box = switch.bounding_box()
    assert box is not None and box["y"] < 60 and box["height"] >= 44 and box["width"] >= 44
    switch.click()
    assert switch.get_attribute("aria-pressed") == "true"
    assert banner.inner_text().startswith("Patient and family view: doses hidden.")
    assert page.locator(".hb-for-patient").is_visible()
    # Clinician material is hidden: doses, calculators, metadata, aliases, references.
    for hidden in (".hb-for-clinician", "[data-md-component=calculator]", ".hb-meta", ".hb-aka", ".hb-references"):
        assert not page.locator(hidden).first.is_visible(), hidden
    page.goto(base + "topics/gamma/")  # the choice follows the reader through the session
    assert "replaces antibodies" in page.locator(".hb-for-patient").inner_text()
    assert page.evaluate("localStorage.getItem('handbook.audience')") is None
    page.get_by_role("button", name="Switch to clinician view").click()
    assert page.locator(".hb-for-clinician").first.is_visible() and not banner.is_visible()
    page.locator("header").get_by_role("button", name="Patient view").click()
    context.close()
    # A new browser session (the next clinician on a shared ward phone) starts in clinician view.
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(base + "topics/gamma/")
    assert page.locator(".hb-for-clinician").first.is_visible()
    assert not page.locator(".hb-patient-banner").is_visible()
    context.close()


def test_calculator_is_mounted_with_its_program(site: tuple[Path, str], page: Any) -> None:
    _, base = site
    page.goto(base + "topics/alpha/")
    widget = page.locator('[data-md-component="calculator"]')
    assert widget.count() == 2
    # The grade calculator (what to do) comes before the dose calculator, whatever the YAML order.
    assert [w.get_attribute("data-calculator") for w in widget.all()] == ["itp-grade", "ivig-dose"]
    # Each form is built in a task of its own (calculator.js): wait for the second too.
    widget.locator("form").nth(1).wait_for()
    assert widget.locator("form").count() == 2
    # Each program came from its own script, loaded once for the page.
    assert page.evaluate("Object.keys(self.HB_CALCULATORS).sort()") == ["itp-grade", "ivig-dose"]


# --------------------------------------------------------------------------- accessibility

PAGE_TYPES = [
    "",
    "topics/alpha/",
    "topics/beta/",
    "specialties/",
    "a-z/",
    "drugs/",
    "calculators/",
    "recent/",
    "glossary/",
]


@pytest.mark.parametrize("colour_scheme", ["light", "dark"])
def test_axe_finds_no_wcag_aa_violation(site: tuple[Path, str], browser: Any, colour_scheme: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    _, base = site
    # A phone in dark mode gets Material's slate scheme through the palette's media query.
    context = browser.new_context(**PHONE, color_scheme=colour_scheme)
    page = context.new_page()
    axe = Axe()
    problems = []
    for path in PAGE_TYPES:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        expected = "slate" if colour_scheme == "dark" else "default"
        assert page.locator("body").get_attribute("data-md-color-scheme") == expected
        result = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa"]})
        for violation in result.response["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{path or 'home'}: {violation['id']} {targets}")
    context.close()
    assert problems == []


def test_dark_mode_toggle_exists(site: tuple[Path, str], page: Any) -> None:
    _, base = site
    page.goto(base)
    assert page.locator('form[data-hb-palette] input[type=radio]').count() == 2


# --------------------------------------------------------------------------- offline


def test_offline_build_searches_from_file_url(
    tmp_path_factory: pytest.TempPathFactory, fixture_content: Path, browser: Any
) -> None:
    root = tmp_path_factory.mktemp("offline")
    build_site(fixture_content, root / "site", docs_dir=root / "docs", pdf=False, offline=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((root / "site" / "index.html").as_uri())
    results = search(page, "gammaglob")
    assert results[0].endswith("/topics/gamma.html")
    page.goto((root / "site" / "topics" / "alpha.html").as_uri())
    assert page.locator(".hb-for-clinician").first.is_visible()
    assert [u for u in requests if not u.startswith("file://")] == []
    context.close()


# --------------------------------------------------------------------------- real content


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("real")
    build_site(CONTENT, root / "handbook", docs_dir=root / "docs", pdf=False)
    for base in serve(root):
        yield root / "handbook", base


@pytest.mark.parametrize("query", ["ivig", "ivig dose", "privigen"])
def test_real_content_search_finds_ivig_in_itp_first(real_site: tuple[Path, str], page: Any, query: str) -> None:
    _, base = real_site
    page.goto(base)
    assert search(page, query)[0] == base + "topics/ivig-in-itp/"


def test_real_content_search_for_immunoglobulin_in_itp_offers_both_immunoglobulins(
    real_site: tuple[Path, str], page: Any
) -> None:
    """Anti-D immunoglobulin is an immunoglobulin for ITP too: both pages come first."""
    _, base = real_site
    page.goto(base)
    first_two = search(page, "immunoglobulin itp")[:2]
    assert sorted(first_two) == [base + "topics/anti-d-in-itp/", base + "topics/ivig-in-itp/"]


def test_real_content_pages_fit_a_phone_and_pass_axe(real_site: tuple[Path, str], page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    site_dir, base = real_site
    axe = Axe()
    problems = []
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    for url in page_urls(site_dir, base):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        render_every_block(page)  # axe judges colours on what is painted
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            problems.append(f"{url}: {width} px wide")
        for violation in axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa"]}).response["violations"]:
            problems.append(f"{url}: {violation['id']}")
    assert problems == []
    assert [u for u in requests if not u.startswith("http://127.0.0.1:")] == []


# --------------------------------------------------------------------------- light pages (issue 7)


def test_search_index_waits_for_the_reader_to_search(site: tuple[Path, str], page: Any) -> None:
    """The first view of a page does not download the search index; focusing the
    search box does, and the search then answers."""
    _, base = site
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "search_index" in request.url else None)
    page.goto(base + "topics/alpha/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert fetched == []
    with page.expect_request(lambda request: "search/search_index.json" in request.url):
        page.locator("label.md-header__button[for=__search]").first.click()
    box = page.locator("input.md-search__input")
    box.type("brandgam")
    page.locator(".md-search-result__item").first.wait_for()
    href = page.locator(".md-search-result__item > a").first.get_attribute("href") or ""
    assert "topics/gamma/" in href
