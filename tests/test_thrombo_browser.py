"""The thrombocytopenia calculators in a real browser on a phone, from the offline build
opened from file:// (the shared-drive copy). Expected figures are the hand arithmetic of
tests/vectors/<id>.json, read off the page as a reader sees them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import PHONE

from generator.build import build_site

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("thrombo-offline")
    build_site(ROOT / "content", root / "site", docs_dir=root / "docs", pdf=False, offline=True)
    return root / "site"


@pytest.fixture
def open_topic(browser: Any, offline_site: Path) -> Iterator[Any]:
    contexts: list[Any] = []
    errors: list[str] = []

    def open_(topic: str) -> Any:
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((offline_site / "topics" / f"{topic}.html").as_uri())
        return page

    yield open_
    for context in contexts:
        context.close()
    assert [e for e in errors if "search_index" not in e] == []


def read(locator: Any) -> str:
    """A result as read: the form keeps a number and its unit together with no-break spaces."""
    return locator.text_content().replace("\u00a0", " ")


def calculator(page: Any, calculator_id: str) -> Any:
    calc = page.locator(f"[data-md-component=calculator][data-calculator='{calculator_id}']")
    calc.scroll_into_view_if_needed()  # it mounts when it comes within a screen
    calc.locator("form").wait_for()
    return calc


def test_4ts_reader_picks_wording_and_reads_probability(open_topic: Any) -> None:
    calc = calculator(open_topic("heparin-induced-thrombocytopenia"), "hit-4ts")
    calc.get_by_text("Fall of more than 50% and lowest count 20 ×10⁹/L or more").tap()  # units as on the pages
    calc.get_by_text("Clear onset on days 5 to 10, or within 1 day with heparin in the past 30 days").tap()
    calc.get_by_text("None", exact=True).tap()
    calc.get_by_text("Possible", exact=True).tap()
    # 2 + 2 + 0 + 1 = 5: intermediate (4 to 5).
    assert read(calc.locator("[data-calc=score]")) == "5 points"
    assert read(calc.locator("[data-calc=probability]")) == "Intermediate probability (4 to 5 points)"
    assert read(calc.locator("[data-calc=headline]")).startswith("4Ts 5 points: Intermediate probability")


def test_romiplostim_hold_above_400_gives_the_restart_dose(open_topic: Any) -> None:
    calc = calculator(open_topic("tpo-receptor-agonists-in-itp"), "romiplostim-dose")
    calc.locator("[data-input=weight_kg] input").fill("70")
    # A required yes/no starts unanswered (no result until it is answered).
    calc.locator("[data-input=held_last_week] label").filter(has_text="No").tap()
    calc.locator("[data-input=current_dose_mcg_per_kg] input").fill("3")
    calc.locator("[data-input=platelet_count] input").fill("401")
    calc.locator("[data-input=weeks_above_200] input").fill("3")
    # 401 > 400: no dose this week; restart at 3 - 1 = 2 mcg/kg once below 200.
    assert read(calc.locator("[data-calc=headline]")) == (
        "No romiplostim this week. Count weekly; once below 200 ×10⁹/L"
        " restart at 2 micrograms/kg (1 microgram/kg below the last dose given)."
    )
    calc.locator("[data-input=platelet_count] input").fill("49.9")
    calc.locator("[data-input=weeks_above_200] input").fill("0")
    # 49.9 < 50: 3 + 1 = 4 mcg/kg x 70 kg = 280 mcg = 0.56 mL of 500 mcg/mL.
    assert read(calc.locator("[data-calc=dose_mcg]")) == "280 micrograms"  # the house style (BNF)
    assert read(calc.locator("[data-calc=volume_ml]")) == "0.56 mL"


def test_enoxaparin_low_count_and_poor_kidneys(open_topic: Any) -> None:
    calc = calculator(open_topic("anticoagulation-with-low-platelets"), "enoxaparin-dose")
    calc.get_by_text("Treatment of deep vein thrombosis or pulmonary embolism").tap()
    calc.locator("[data-input=weight_kg] input").fill("70")
    calc.locator("[data-input=platelet_count] input").fill("40")
    calc.locator("[data-input=cancer_associated] label").filter(has_text="Yes").tap()
    calc.get_by_text("Lower: acute at lower risk, or thrombosis more than 30 days old").tap()
    calc.locator("[data-input=crcl_ml_min] input").fill("25")
    calc.get_by_text("Clexane (UK): 20, 40, 60, 80, 100, 120, 150 mg").tap()
    # 40 (25 to < 50), lower risk: 1 mg/kg x 70 x 0.5 = 35 mg -> nearest 10 mg = 40 mg;
    # CrCl 25 < 30: every 24 h; the whole (ungraduated) 40 mg syringe, 0.4 mL.
    assert read(calc.locator("[data-calc=headline]")).startswith(
        "Give 40 mg SC every 24 h: the whole 40 mg syringe (0.4 mL; weight-based dose 35 mg,"
    )
    assert [
        m.replace("\u00a0", " ") for m in calc.locator("[data-input=crcl_ml_min] .calc-msg").all_text_contents()
    ] == [
        "No source gives a dose when a low count and severe renal impairment meet: both reductions are applied "
        "here. Confirm with haematology."
    ]


def test_romiplostim_warns_where_the_eu_smpc_parts_from_the_us_label(open_topic: Any) -> None:
    calc = calculator(open_topic("tpo-receptor-agonists-in-itp"), "romiplostim-dose")
    calc.locator("[data-input=weight_kg] input").fill("70")
    # A required yes/no starts unanswered (no result until it is answered).
    calc.locator("[data-input=held_last_week] label").filter(has_text="No").tap()
    calc.locator("[data-input=current_dose_mcg_per_kg] input").fill("3")
    calc.locator("[data-input=weeks_above_200] input").fill("0")
    calc.locator("[data-input=platelet_count] input").fill("150")
    # 150 is not above the SmPC's 150: no warning; US label keeps 3 mcg/kg.
    assert calc.locator("[data-input=platelet_count] .calc-msg").all_text_contents() == []
    assert read(calc.locator("[data-calc=headline]")) == (
        "Keep the dose: give 3 micrograms/kg = 210 micrograms SC = 0.42 mL of the 500 micrograms/mL solution."
    )
    calc.locator("[data-input=platelet_count] input").fill("151")
    (message,) = calc.locator("[data-input=platelet_count] .calc-msg").all_text_contents()
    assert message.replace("\u00a0", " ").startswith("This is the US label's titration. The EU/UK SmPC acts at lower counts")


def test_rituximab_result_says_to_dilute_the_concentrate(open_topic: Any) -> None:
    calc = calculator(open_topic("itp-second-line-treatment"), "rituximab-dose")
    calc.locator("[data-input=weight_kg] input").fill("70")
    calc.locator("[data-input=height_cm] input").fill("175")
    # BSA sqrt(175 x 70 / 3600) = 1.8447 m2; 375 x 1.8447 = 691.75 -> 692 mg; 69.2 mL of
    # 10 mg/mL; at 4 mg/mL 173 mL, at 1 mg/mL 692 mL.
    assert read(calc.locator("[data-calc=headline]")).startswith(
        "Give 692 mg IV once a week for 4 weeks (BSA 1.84 m²): draw up 69.2 mL of the 10 mg/mL"
        " concentrate and dilute it in 0.9% sodium chloride or 5% glucose to 1 to 4 mg/mL (173 to 692 mL in all)"
    )
