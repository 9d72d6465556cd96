"""Numbers and units read the same on the site and on paper."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model.common import Figure, Quantity
from generator.model.handbook import Notation
from generator.model.topic import Band, Dose
from generator.present import (
    bind_units,
    fmt_band,
    fmt_figure_value,
    fmt_grouped,
    fmt_number,
    fmt_quantity,
    fmt_unit,
    house_words,
    house_words_html,
    keep_together,
    one_unit_per_drug,
    unit_notation,
)


@pytest.mark.parametrize(
    ("value", "shown"), [(1, "1"), (1.0, "1"), (0.4, "0.4"), (0.0125, "0.0125"), (82.3, "82.3"), (25000, "25000")]
)
def test_authored_numbers_are_shown_as_written(value: float, shown: str) -> None:
    assert fmt_number(value) == shown


def test_booleans_are_not_numbers() -> None:
    with pytest.raises(TypeError):
        fmt_number(True)


@pytest.mark.parametrize(
    ("value", "shown"), [(25000.0, "25,000"), (0.3 * 1000, "300"), (1.23456, "1.235"), (-0.0001, "0")]
)
def test_derived_numbers_are_rounded_and_grouped(value: float, shown: str) -> None:
    assert fmt_grouped(value) == shown


def test_units_and_quantities() -> None:
    assert fmt_unit("x10^9/L") == "×10⁹/L"
    assert fmt_unit("/uL") == "/µL"
    assert fmt_unit("g/kg") == "g/kg"
    assert fmt_quantity(Dose(amount=0.4, unit="g/kg")) == "0.4 g/kg"
    assert fmt_quantity(Quantity(value=10, unit="%")) == "10%"
    assert fmt_quantity(None) == ""


def test_figures() -> None:
    assert fmt_figure_value(Figure(label="response", value=80, unit="%", qualifier="up to")) == "up to 80%"
    assert fmt_figure_value(Figure(label="onset", low=2, high=4, unit="day")) == "2–4 days"
    assert fmt_figure_value(Figure(label="onset", value=1, unit="day")) == "1 day"
    assert fmt_figure_value(Figure(label="x", low=5, unit="h")) == "≥ 5 h"
    assert fmt_figure_value(Figure(label="x", high=5, unit="h")) == "≤ 5 h"


def test_bands() -> None:
    assert fmt_band(Band(id="g4", label="G4", below=25), "x10^9/L") == "< 25 ×10⁹/L"
    assert fmt_band(Band(id="g3", label="G3", min=25, below=50), "x10^9/L") == "25 to < 50 ×10⁹/L"
    assert fmt_band(Band(id="n", label="N", min=150)) == "≥ 150"
    assert fmt_band(Band(id="g3", label="G3", min=25, below=50), "/uL", factor=1000) == "25,000 to < 50,000 /µL"


BNF = Notation(style="BNF")
ISMP = Notation(style="ISMP")


@pytest.mark.parametrize(
    ("amount", "unit", "bnf", "ismp"),
    [
        (1, "microgram/kg", "microgram/kg", "mcg/kg"),
        (2.5, "microgram/kg", "micrograms/kg", "mcg/kg"),
        (500, "microgram", "micrograms", "mcg"),
        (1, "unit", "unit", "unit"),
        (5000, "units/kg", "units/kg", "units/kg"),
        (0.4, "g/kg", "g/kg", "g/kg"),
        (12, "x10^9/L", "×10⁹/L", "×10⁹/L"),
    ],
)
def test_micrograms_and_units_follow_the_house_style(amount: float, unit: str, bnf: str, ismp: str) -> None:
    assert fmt_unit(unit, amount, BNF) == bnf
    assert fmt_unit(unit, amount, ISMP) == ismp
    # The default notation is BNF: micrograms in full.
    assert fmt_unit(unit, amount) == bnf


def test_quantities_in_the_house_style() -> None:
    assert fmt_quantity(Dose(amount=1, unit="units/kg"), ISMP) == "1 unit/kg"
    assert fmt_quantity(Dose(amount=0.4, unit="g/kg"), ISMP) == "0.4 g/kg"
    assert fmt_quantity(Quantity(value=2, unit="unit"), BNF) == "2 units"


def test_no_style_abbreviates_units() -> None:
    # "U" is misread as 0 or 4 (ISMP list of error-prone abbreviations): no style writes it.
    for notation in (BNF, ISMP):
        shown = {text for pair in unit_notation(notation).values() for text in pair}
        assert not {"U", "IU", "µg", "ug"} & shown


def test_calculators_get_the_same_spellings() -> None:
    table = unit_notation(ISMP)
    assert table["x10^9/L"] == ["×10⁹/L", "×10⁹/L"]
    assert table["/uL"] == ["/µL", "/µL"]
    assert table["units/kg"] == ["unit/kg", "units/kg"]
    assert table["day"] == ["day", "days"]


def test_each_embedded_calculator_program_carries_the_spellings_that_differ() -> None:
    """calculator.js shows the engine's units as the pages do from program["notation"]."""
    from generator.calc import program_json
    from generator.validate import load_handbook

    handbook = load_handbook(Path(__file__).resolve().parent.parent / "content")
    notation = program_json(handbook, "itp-grade")["notation"]
    assert notation["x10^9/L"] == ["×10⁹/L", "×10⁹/L"]
    assert notation["/uL"] == ["/µL", "/µL"]
    assert notation["year"] == ["year", "years"]
    assert "kg" not in notation and "mL/h" not in notation


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ("give 2 g/kg over 24–48 h", 'give <span class="nobr">2 g/kg</span> over <span class="nobr">24–48 h</span>'),
        ("(40–150 kg)", '(<span class="nobr">40–150 kg</span>)'),
        ("25 x10^9/L or 25,000 /µL", '<span class="nobr">25 x10^9/L</span> or <span class="nobr">25,000 /µL</span>'),
        ("&lt; 50 and 25 to &lt; 50", '<span class="nobr">&lt; 50</span> and <span class="nobr">25 to &lt; 50</span>'),
        ("1 to 2 mg/kg/day", '<span class="nobr">1 to 2 mg/kg/day</span>'),
        ("(actual weight - IBW)", '(actual weight <span class="nobr">- IBW)</span>'),
        # A minus sign keeps the word before it too: no line starts with it.
        # A formula's operator chain is one unit (print review 3, finding 14).
        ("0.4 × (actual weight − IBW)", '<span class="nobr">0.4 × (actual weight − IBW)</span>'),
        (
            "CrCl = (140 − age) × weight ÷ (72 × creatinine), for",
            'CrCl = <span class="nobr">(140 − age) × weight ÷ (72 × creatinine)</span>, for',
        ),
        ("10% and 1991", "10% and 1991"),
        # A compound quantity is one: "40 mg/0." | "4 mL" read as two doses.
        (
            "40 mg/0.4 mL and 100 mg/1 mL",
            '<span class="nobr">40 mg/0.4 mL</span> and <span class="nobr">100 mg/1 mL</span>',
        ),
        ('<a href="#t-x-2 g">2 g</a>', '<a href="#t-x-2 g"><span class="nobr">2 g</span></a>'),
        (
            "<head><title>2 g</title></head><p>3 days</p>",
            '<head><title>2 g</title></head><p><span class="nobr">3 days</span></p>',
        ),
    ],
)
def test_quantities_are_kept_on_one_line(html: str, kept: str) -> None:
    assert keep_together(html) == kept


SAMPLE = "Anti-D 50 mcg/kg IV (25 to 60 mcg/kg); 1 mcg = 5 IU; 500 mcg/mL; the dose in mcg; dose_mcg"


@pytest.mark.parametrize(
    ("notation", "expected"),
    [
        (
            BNF,
            "Anti-D 50 micrograms/kg IV (25 to 60 micrograms/kg); 1 microgram = 5 IU; 500 micrograms/mL;"
            " the dose in micrograms; dose_mcg",
        ),
        (ISMP, "Anti-D 50 mcg/kg IV (25 to 60 mcg/kg); 1 mcg = 5 IU; 500 mcg/mL; the dose in mcg; dose_mcg"),
    ],
)
def test_free_text_spells_micrograms_in_the_house_style(notation: Notation, expected: str) -> None:
    """Print review 3 finding 11, issue 15 item 5: "mcg" read as "mg" is a 1000-fold error."""
    assert house_words(SAMPLE, notation) == expected
    # Text already in the other style reads back in this one (ISMP leaves "the dose in
    # micrograms" as words: only a counted "mcg" is its abbreviation).
    if notation is BNF:
        assert house_words(house_words(SAMPLE, ISMP), BNF) == expected
    assert house_words("never mix up micrograms and units", ISMP) == "never mix up micrograms and units"


def test_the_vocabulary_spellings_of_micrograms_follow_the_house_style() -> None:
    assert fmt_quantity(Dose(amount=1, unit="mcg/kg"), BNF) == "1 microgram/kg"
    assert fmt_quantity(Dose(amount=50, unit="mcg/kg"), BNF) == "50 micrograms/kg"
    assert fmt_quantity(Dose(amount=50, unit="mcg/kg"), ISMP) == "50 mcg/kg"
    assert unit_notation(BNF)["mcg/mL"] == ["microgram/mL", "micrograms/mL"]


def test_the_site_text_filters_spell_micrograms_in_the_handbooks_style() -> None:
    """The site's hook (render._in_house_words): the text and prose filters, which also
    join the number to its unit with a no-break space (present.bind_units)."""
    from types import SimpleNamespace

    from generator.render import _new_environment

    env = _new_environment()
    template = env.from_string("{{ words | prose }} / {{ words | text }}")
    for notation, shown in ((BNF, "50\u00a0micrograms/kg"), (ISMP, "50\u00a0mcg/kg")):
        handbook = SimpleNamespace(meta=SimpleNamespace(notation=notation))
        assert template.render(words="50 mcg/kg", handbook=handbook) == f"{shown} / {shown}"


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("maximum 80 mg a day", "maximum 80\u00a0mg a day"),
        ("add IVIG 1 g/kg IV", "add IVIG 1\u00a0g/kg IV"),
        ("at most 3.3 mg/kg/min", "at most 3.3\u00a0mg/kg/min"),
        ("below 50 x10^9/L", "below 50\u00a0x10^9/L"),
        ("50 ×10⁹/L", "50\u00a0×10⁹/L"),
        ("once a day for 4 days", "once a day for 4\u00a0days"),
        ("1,000 mL", "1,000\u00a0mL"),
        ("give 10 to 20 mL/kg", "give 10\u00a0to\u00a020\u00a0mL/kg"),
        ("from 25 to 60 micrograms/kg", "from 25\u00a0to\u00a060\u00a0micrograms/kg"),
        ("from 20 to 30 of them", "from 20 to 30 of them"),
        # Not a quantity: a number and a word, a version, a recommendation's label.
        ("in 29 septic patients", "in 29 septic patients"),
        ("CTCAE v5.0 grade", "CTCAE v5.0 grade"),
        ("ASH 2019 1a", "ASH 2019 1a"),
        ("for 2 (at most 3) weeks", "for 2 (at most 3) weeks"),
    ],
)
def test_bind_units_joins_a_number_to_its_unit_only(text: str, bound: str) -> None:
    """The phone review of session 9: "maximum 80 / mg a day" split over two lines."""
    assert bind_units(text) == bound


def test_house_words_leave_tags_and_styles_alone() -> None:
    html = '<style>.mcg{}</style><a href="/x?mcg=1">50 mcg/kg</a>'
    assert house_words_html(html, BNF) == '<style>.mcg{}</style><a href="/x?mcg=1">50 micrograms/kg</a>'


def test_one_unit_per_drug_shows_every_dose_of_a_drug_in_its_largest_per_kg_unit() -> None:
    """Print review 3, finding 10: IVIG "0.4 g/kg" beside "400 mg/kg" and "2000 mg/kg"."""
    from generator.model.topic import Regimen

    def regimen(rid: str, drug: str, amount: float, unit: str, course: float | None = None) -> Regimen:
        cap = {"max_per_course": {"value": course, "unit": unit}} if course else {}
        return Regimen.model_validate(
            {
                "id": rid,
                "name": rid,
                "drug": drug,
                "population": "Adults",
                "route": "IV",
                "frequency": "daily",
                "days": 5,
                "dose": {"amount": amount, "unit": unit},
                "cite": ["x"],
                **cap,
            }
        )

    from types import SimpleNamespace

    from pydantic import BaseModel

    class Shown(BaseModel):
        regimens: list[Regimen]

    topic = Shown(
        regimens=[
            regimen("a", "IVIG", 1, "g/kg", 2),
            regimen("b", "IVIG", 400, "mg/kg", 2000),
            regimen("c", "IVIG", 400, "mg/kg", 1200),
            regimen("d", "Prednisolone", 1, "mg/kg"),
            regimen("e", "Enoxaparin", 40, "mg"),
        ]
    )
    shown = one_unit_per_drug(topic)
    assert [(fmt_quantity(r.dose), fmt_quantity(r.max_per_course)) for r in shown.regimens] == [
        ("1 g/kg", "2 g/kg"),
        ("0.4 g/kg", "2 g/kg"),
        ("0.4 g/kg", "1.2 g/kg"),
        ("1 mg/kg", ""),
        ("40 mg", ""),
    ]
    # The content keeps the author's numbers; a topic with nothing to change is itself.
    assert topic.regimens[1].dose.amount == 400
    assert one_unit_per_drug(SimpleNamespace(regimens=topic.regimens[3:])).regimens == topic.regimens[3:]
