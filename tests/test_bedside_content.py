"""What bedside review 3 asked of the content, as the rendered pages say it (the numbers
are checked in tests/vectors and the browser tests): no editorial remark in reader-facing
text, a local dose where no stored source states one, the risk factors the labels name."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.render import build_pages
from generator.validate import load_handbook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    result = build_pages(load_handbook(ROOT / "content"))
    return {name: data.decode() for name, data in result.files.items() if name.endswith(".md")}


def test_the_editorial_remark_is_not_shown_to_readers(pages: dict[str, str]) -> None:
    """W2: "the ICR names IV corticosteroids without a dose in the text available here" was
    an editor's note on the emergency page; it lives on as a YAML comment only."""
    assert not [name for name, text in pages.items() if "without a dose in the text available here" in text]


def test_the_emergency_says_the_steroid_and_platelet_doses_are_not_in_the_handbook(pages: dict[str, str]) -> None:
    """W2: no stored guideline states an emergency corticosteroid or platelet dose, so each
    step sends the reader to haematology on the call, in bold. Bedside review 4 (W2): the
    earlier "Local dose: agreed with haematology" read as if a dose existed somewhere."""
    emergency = pages["topics/life-threatening-bleeding-in-itp.md"]
    assert "**Dose: ask haematology on this call (it is not in this handbook).**" in emergency
    assert "**Drug and dose: ask haematology on this call (not in this handbook).**" in emergency
    ivig = pages["topics/ivig-in-itp.md"]
    assert "Transfuse platelets without delay (dose: ask haematology on this call; it is not in this handbook)." in ivig
    assert "Give an IV corticosteroid (drug and dose: ask haematology on this call; not in this handbook)." in ivig
    assert not [name for name, text in pages.items() if "agreed with haematology" in text]


def test_the_dose_line_says_which_weight(pages: dict[str, str]) -> None:
    """Bedside review 4 (W3): "Give 1 g/kg IV" applied to the scale weight of an obese
    patient gives 28% more than the calculator; the bottom line and the emergency step say
    adjusted body weight above BMI 30."""
    ivig = pages["topics/ivig-in-itp.md"]
    # (A no-break space joins each number to its unit: present.bind_units.)
    assert "**Give 1\u00a0g/kg IV (adults with a BMI over 30: adjusted body weight), repeated once if needed;" in ivig
    assert "Give IVIG 1\u00a0g/kg IV, on adjusted body weight for an adult with a BMI over 30, repeated on day 2 if needed" in ivig


def test_the_risk_question_names_the_factors_the_labels_name() -> None:
    """D1: the help names the US boxed warning's thrombosis factors and the labels' age over
    65, and says where obesity comes from (not the boxed warning)."""
    program = load_handbook(ROOT / "content").programs["ivig-dose"]
    risk = next(i for i in program.inputs if i.id == "renal_or_thrombotic_risk")
    assert risk.help is not None
    for factor in (
        "Thrombosis (US labels' boxed warning): advanced age",
        "hyperviscosity, cardiovascular risk factors",
        "Kidneys (US labels): age over 65",
        "Obesity (ASHP drug information)",
    ):
        assert factor in risk.help


def test_a_figure_whose_label_leads_into_its_number_reads_on_on_the_page(pages: dict[str, str]) -> None:
    """Print review 5: "(severe renal impairment below: 30 mL/min)"; the site and the guide
    join a figure's label to its number the same way (present.figure_joint)."""
    page = pages["topics/anticoagulation-with-low-platelets.md"]
    assert "severe renal impairment below 30 mL/min" in page
    assert "below: 30" not in page


def test_cards_show_actions_and_evidence_in_words(pages: dict[str, str]) -> None:
    """The phone review of session 9: "Actions: seek-specialist" and "Evidence: very-low"
    showed the schema's ids on the decision table's cards."""
    ivig = pages["topics/ivig-in-itp.md"]
    assert "Actions: seek specialist, investigate" in ivig
    assert "Evidence: very low" in ivig
    assert "seek-specialist" not in ivig and "Evidence: very-low" not in ivig
