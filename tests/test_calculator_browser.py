"""The calculators in a real browser on a phone: a static page loading calculator.js
from file:// with the compiled specs in data-* attributes, driven by touch."""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.calculate import compile_spec, compute, fmt
from generator.validate import load_handbook, validate_content

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "theme" / "assets"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (tests/run.sh installs it)"),
]


def _content() -> Path:
    """The real knowledge base once it validates with both calculators, else the fixture handbook."""
    handbook, _ = validate_content(ROOT / "content")
    if handbook is not None and {"ivig-dose", "itp-grade"} <= set(handbook.calculators):
        return ROOT / "content"
    return ROOT / "tests" / "fixtures" / "mini"


@pytest.fixture(scope="module")
def specs() -> dict[str, dict[str, Any]]:
    handbook = load_handbook(_content())
    return {cid: compile_spec(handbook, cid) for cid in ("ivig-dose", "itp-grade")}


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory, specs: dict[str, dict[str, Any]]) -> str:
    site = tmp_path_factory.mktemp("calc-page")
    shutil.copy(ASSETS / "javascripts" / "calculator.js", site / "calculator.js")
    shutil.copy(ASSETS / "stylesheets" / "calculator.css", site / "calculator.css")
    blocks = "\n".join(
        f'<h2>{html.escape(spec["title"])}</h2>\n<div data-md-component="calculator" id="{cid}" '
        f'data-calculator-spec="{html.escape(json.dumps(spec), quote=True)}"></div>'
        for cid, spec in specs.items()
    )
    (site / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="stylesheet" href="calculator.css"><title>Calculators</title></head>'
        f'<body><main>{blocks}</main><script src="calculator.js"></script></body></html>',
        encoding="utf-8",
    )
    return (site / "index.html").as_uri()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, page_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_url)
    yield page
    assert errors == []
    context.close()


def test_dose_from_weight_height_and_sex(page: Any, specs: dict[str, dict[str, Any]]) -> None:
    spec = specs["ivig-dose"]
    calc = page.locator("#ivig-dose")
    product = spec["products"][0]
    calc.get_by_label(spec["inputs"]["weight_kg"]["label"], exact=True).fill("96")
    calc.get_by_label(spec["inputs"]["height_cm"]["label"], exact=True).fill("170")
    calc.get_by_text(spec["text"]["female"], exact=True).tap()
    calc.get_by_label(spec["inputs"]["age_years"]["label"], exact=True).fill("40")
    calc.get_by_label(spec["text"]["product"], exact=True).select_option(product["id"])

    expected = compute(
        spec,
        {
            "weight_kg": 96,
            "height_cm": 170,
            "sex": "female",
            "age_years": 40,
            "regimen": spec["regimens"][0]["id"],
            "product": product["id"],
        },
    )
    assert expected["dosing_weight_basis"] == "adjusted"
    # 45.5 + 2.3 x (170 / 2.54 - 60) = 61.44 kg IBW; 61.44 + 0.4 x (96 - 61.44) = 75.26 kg.
    assert calc.locator("[data-calc=dosing-weight]").text_content() == "75.26 kg (adjusted body weight)"
    assert calc.locator("[data-calc=dose]").text_content() == fmt(expected["dose_per_day_g"]) + " g"
    vials = ", ".join(f"{v['count']} × {fmt(v['size_g'])} g" for v in expected["vials"])
    assert calc.locator("[data-calc=vials]").text_content() == vials
    assert calc.locator(".calc-status").text_content() == ""

    # Male: IBW 50 + 2.3 x 6.93 = 65.94 kg, adjusted 65.94 + 0.4 x 30.06 = 77.96 kg; the result follows the tap at once.
    calc.get_by_text(spec["text"]["male"], exact=True).tap()
    assert calc.locator("[data-calc=dosing-weight]").text_content() == "77.96 kg (adjusted body weight)"
    calc.locator("details.calc-working summary").tap()
    assert "IBW (Devine, male)" in calc.locator(".calc-working").inner_text()


def test_absurd_weight_is_refused_and_announced(page: Any, specs: dict[str, dict[str, Any]]) -> None:
    spec = specs["ivig-dose"]
    calc = page.locator("#ivig-dose")
    weight = calc.get_by_label(spec["inputs"]["weight_kg"]["label"], exact=True)
    weight.fill("960")
    status = calc.locator("[role=status]")
    assert status.get_attribute("aria-live") == "polite"
    limits = spec["inputs"]["weight_kg"]
    assert status.text_content() == f"Weight must be between {fmt(limits['min'])} and {fmt(limits['max'])} kg."
    assert weight.get_attribute("aria-invalid") == "true"
    assert calc.locator("[data-calc=dose]").count() == 0
    assert weight.get_attribute("inputmode") == "decimal"


def test_pounds_are_converted(page: Any, specs: dict[str, dict[str, Any]]) -> None:
    spec = specs["ivig-dose"]
    calc = page.locator("#ivig-dose")
    calc.locator("select").first.select_option("lb")
    calc.get_by_label(spec["inputs"]["weight_kg"]["label"], exact=True).fill("154.32358")  # 70.0 kg
    assert calc.locator("[data-calc=dosing-weight]").text_content() == "70 kg (actual body weight)"


def test_grade_and_pathway(page: Any, specs: dict[str, dict[str, Any]]) -> None:
    spec = specs["itp-grade"]
    calc = page.locator("#itp-grade")
    calc.get_by_label(spec["measure"]["label"], exact=True).fill("12")
    bleeding = spec["table"]["condition"]["values"][-1]
    calc.get_by_text(bleeding["label"], exact=True).tap()
    expected = compute(
        spec, {"platelet_count": 12, "platelet_unit": spec["units"][0]["unit"], "bleeding": bleeding["id"]}
    )
    assert expected["ok"]
    grade = calc.locator("[data-calc=grade]").text_content()
    assert grade == f"{expected['grade_label']} ({expected['ctcae_version']})"
    assert calc.locator("[data-calc=pathway]").text_content() == expected["pathway"]
    assert calc.locator("[data-calc=recommendation]").text_content() == expected["recommendation"]
    # 25,000 per microlitre is 25 x10^9/L.
    calc.locator("select").first.select_option("/uL")
    calc.get_by_label(spec["measure"]["label"], exact=True).fill("25000")
    at_25 = compute(spec, {"platelet_count": 25, "platelet_unit": spec["units"][0]["unit"], "bleeding": bleeding["id"]})
    assert calc.locator("[data-calc=grade]").text_content() == f"{at_25['grade_label']} ({at_25['ctcae_version']})"


def test_targets_are_44_px_and_mounting_is_idempotent(page: Any) -> None:
    for control in page.locator(".calc input[type=text], .calc select, .calc-radios label").all():
        box = control.bounding_box()
        assert box is not None and box["height"] >= 44, control.evaluate("e => e.outerHTML")
    page.evaluate("HandbookCalculator.mountAll(); HandbookCalculator.mountAll();")
    assert page.locator(".calc form").count() == 2


def test_author_text_is_never_markup(browser: Any, tmp_path: Path, specs: dict[str, dict[str, Any]]) -> None:
    spec = json.loads(json.dumps(specs["itp-grade"]))
    spec["measure"]["label"] = "<img src=x onerror=alert(1)>Count"
    shutil.copy(ASSETS / "javascripts" / "calculator.js", tmp_path / "calculator.js")
    (tmp_path / "x.html").write_text(
        f'<div data-md-component="calculator" data-calculator-spec="{html.escape(json.dumps(spec), quote=True)}">'
        '</div><script src="calculator.js"></script>',
        encoding="utf-8",
    )
    page = browser.new_page()
    page.goto((tmp_path / "x.html").as_uri())
    assert page.locator("label").first.text_content() == "<img src=x onerror=alert(1)>Count"
    assert page.locator("img").count() == 0
    page.close()
