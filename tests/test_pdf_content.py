"""The pocket guide printed from the real knowledge base (content/): the same checks as
test_pdf.py on the edition pharmacy will print, plus the printed weight-band tables
against the calculator engine for every regimen and weight."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pdf_support import outline, weight_band_tables
from pypdf import PdfReader

from generator import pdf as pdf_stage
from generator.calc.display import fmt_plain
from generator.calc.tables import weight_band_tables as engine_tables
from generator.present import neonatal_regimens
from generator.validate import load_handbook

pytestmark = pytest.mark.slow

CONTENT = Path(__file__).resolve().parent.parent / "content"
MM = 72 / 25.4


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    handbook = load_handbook(CONTENT)  # invalid content fails here, with every located error
    target = tmp_path_factory.mktemp("content-pdf") / "pocket-guide.pdf"
    pages = pdf_stage.write_pdf(handbook, target)
    with pdfplumber.open(target) as document:
        texts = [page.extract_text() or "" for page in document.pages]
    reader = PdfReader(target)
    return {"handbook": handbook, "path": target, "pages": pages, "texts": texts, "outline": outline(reader)}


def test_a6_pages(guide: dict[str, Any]) -> None:
    for page in PdfReader(guide["path"]).pages:
        assert float(page.mediabox.width) == pytest.approx(105 * MM, abs=1)
        assert float(page.mediabox.height) == pytest.approx(148 * MM, abs=1)


def test_cover_shows_the_edition(guide: dict[str, Any]) -> None:
    meta = guide["handbook"].meta
    cover = guide["texts"][0]
    assert meta.title.split()[0] in cover
    assert f"Edition {meta.edition.name}, " in cover


def test_every_topic_has_a_bookmark_on_its_page(guide: dict[str, Any]) -> None:
    level1 = {title: page for title, page, level in guide["outline"] if level == 1}
    for topic in guide["handbook"].topics.values():
        assert topic.title in level1, topic.title
        # Long titles wrap: compare without line breaks.
        assert topic.title in guide["texts"][level1[topic.title]].replace("\n", " ")


def test_contents_page_numbers_are_where_the_headings_are(guide: dict[str, Any]) -> None:
    """The contents list every topic and the back matter in outline order; the
    numbers after the leaders, read in order, are the pages of those headings."""
    level1 = [(title, page) for title, page, level in guide["outline"] if level == 1]
    titles = [t for t, _ in level1]
    at = titles.index("Contents")
    toc = "\n".join(guide["texts"][level1[at][1] : level1[at + 1][1]])
    # The "Find fast" lines (emergency sections, dose tables...) are checked by test_pdf_print.py.
    # A title that ends near the margin has its leader and number on the next line: joined here.
    toc = re.sub(r"\n(?=(?:\. ?){3,}\s*\d+$)", " ", toc, flags=re.M)
    find_fast = "Quick reference|Emergency:|Dose table:|Dosing weight look-up:|Infusion rates:|Contraindications:"
    numbers = [int(n) for n in re.findall(rf"^(?!{find_fast}).*?(?:\. ?){{3,}}\s*(\d+)$", toc, re.M)]
    listed = level1[at + 1 :]
    assert numbers == [page + 1 for _, page in listed]
    for title, page in listed:
        assert title in guide["texts"][page].replace("\n", " "), title


def test_every_weight_band_row_equals_the_engine(guide: dict[str, Any]) -> None:
    """Every printed band is a row of generator.calc.tables (the engine), in order: its
    weights, the dispensed dose (in g; the neonatal table in mg: print review 5, W4) and
    whether a maximum bound it."""
    handbook = guide["handbook"]
    printed = weight_band_tables(pdf_stage.render_html(handbook))
    ranges = {n: (r.from_kg, r.to_kg, r.step_kg) for n, r in pdf_stage.load_print_config().weight_bands.items()}
    checked = 0
    for program in handbook.programs.values():
        neonatal = dict.fromkeys(neonatal_regimens(handbook, program.topic), "neonatal")
        # As the guide asks: the neonatal table one exact row per listed weight.
        for table in engine_tables(program, ranges, range_for=neonatal, exact_rows_for=frozenset({"neonatal"})):
            rows = printed[table.regimen]
            assert len(rows) == len(table.rows), table.regimen
            for shown, row in zip(rows, table.rows, strict=True):
                given = row.dose if row.dispensed_dose is None else row.dispensed_dose
                assert (shown["low"], shown["high"]) == (row.low_kg, row.high_kg)
                printed_dose = fmt_plain(given * (1000 if table.regimen in neonatal else 1))
                if row.dispensed_dose is None and row.per_kg is not None:  # an exact band: its rule per kg
                    printed_dose = fmt_plain(row.per_kg[0])
                elif row.dispensed_dose is None and row.dose_high is not None:  # not proportional: its range
                    printed_dose += "–" + fmt_plain(row.dose_high)
                assert shown["cells"][0].split(" ")[0] == printed_dose, (table.regimen, shown)
                assert shown["capped"] == row.capped
                checked += 1
    assert checked > 50


def test_no_text_outside_the_page_margins(guide: dict[str, Any]) -> None:
    _top, outer, _bottom, inner = pdf_stage.load_print_config().sizes["a6"].margin_mm
    with pdfplumber.open(guide["path"]) as document:
        for number, page in enumerate(document.pages, 1):
            left, right = (inner, outer) if number % 2 else (outer, inner)  # mirrored: the gutter is inside
            for char in page.chars:
                if not char["text"].strip() or char["non_stroking_color"] == (1.0, 1.0, 1.0):
                    continue  # white letters: the thumb tab at the edge, or the reversed pending band  # a space is not ink (one may hang after a line that ends before a non-breaking number)
                where = (number, char["text"])
                assert char["x0"] >= left * MM - 0.5 and char["x1"] <= page.width - right * MM + 0.5, where
                assert char["top"] >= 0 and char["bottom"] <= page.height, where
