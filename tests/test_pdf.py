"""The printed pocket guide (generator/pdf.py, theme/print/): real WeasyPrint renders of a
small fixture handbook, read back with pypdf, pdfplumber and pdftoppm."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
import yaml
from click.testing import CliRunner
from pdf_support import outline as read_outline
from pdf_support import weight_band_tables as printed_band_tables
from PIL import Image
from pypdf import PdfReader

from generator import pdf as pdf_stage
from generator.calc import compute
from generator.calc.display import fmt_plain
from generator.calc.tables import weight_band_tables
from generator.cli import cli
from generator.present import neonatal_regimens
from generator.validate import load_handbook

pytestmark = pytest.mark.slow

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
MM = 72 / 25.4
A6 = (105 * MM, 148 * MM)
A5 = (148 * MM, 210 * MM)
EPOCH = "1795000000"  # 2026-11-18T11:06:40Z, a fixed build time for reproducible output
CONFIG = pdf_stage.load_print_config()


def _edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def make_content(root: Path) -> Path:
    """The mini fixture, plus what the print tables need: the topic embeds both
    calculators, and the dose calculator offers a five-day regimen with a course cap
    and a regimen the topic assigns to neonates. (Test data, not clinical data.)"""
    content = root / "content"
    shutil.copytree(MINI, content)

    def topic(data: dict[str, Any]) -> None:
        data["calculators"] = ["ivig-dose", "itp-grade"]
        data["regimens"] += [
            {
                "id": "alpha-5d",
                "name": "Five-day course",
                "drug": "Alpha",
                "population": "Adults",
                "route": "IV",
                "dose": {"amount": 0.4, "unit": "g/kg"},
                "frequency": "daily",
                "days": 5,
                "max_per_course": {"value": 180, "unit": "g"},
                "cite": ["guide-2020"],
            },
            {
                "id": "alpha-neo",
                "name": "Newborn course",
                "drug": "Alpha",
                "population": "Newborns",
                "route": "IV",
                "dose": {"amount": 0.4, "unit": "g/kg"},
                "frequency": "daily",
                "days": 5,
                "cite": ["guide-2020"],
            },
        ]
        data["special_populations"] = [
            {
                "population": "neonates",
                "title": "Newborns of mothers with ITP",
                "text": "Use the newborn course.",
                "regimen": "alpha-neo",
                "cite": ["guide-2020"],
            }
        ]

    def calculator(data: dict[str, Any]) -> None:
        data["dose"]["regimens"] += [
            {"regimen": "alpha-5d", "population": {"when": "True", "refuse": "Adults."}},
            {"regimen": "alpha-neo", "population": {"when": "True", "refuse": "Newborns."}},
        ]

    _edit_yaml(content / "topics" / "alpha.yaml", topic)
    _edit_yaml(content / "calculators" / "ivig-dose.yaml", calculator)
    return content


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("pdf")
    content = make_content(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        handbook = load_handbook(content)
        target = root / "out" / "guide.pdf"
        pages = pdf_stage.write_pdf(handbook, target)
    with pdfplumber.open(target) as document:
        texts = [page.extract_text() or "" for page in document.pages]
    return {"root": root, "content": content, "handbook": handbook, "path": target, "pages": pages, "texts": texts}


def outline(path: Path) -> list[tuple[str, int, int]]:
    """(title, 0-based page, level) of every outline entry."""
    return read_outline(PdfReader(path))


def test_writing_with_page_references_built_once_gives_the_same_bytes(
    built: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pdf.write_document looks up page references from a tuple built once per
    page count (pydyf rebuilds it on every lookup): the PDF must not change."""
    import io

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    document = pdf_stage.render_document(built["handbook"])
    ours, pydyf_own = io.BytesIO(), io.BytesIO()
    pdf_stage.write_document(document, ours)
    document.write_pdf(pydyf_own, pdf_variant=pdf_stage.PDF_VARIANT)
    assert len(ours.getvalue()) > 10_000
    assert ours.getvalue() == pydyf_own.getvalue()
    assert ours.getvalue() == built["path"].read_bytes()


def test_page_count_is_returned_and_every_page_is_a6(built: dict[str, Any]) -> None:
    reader = PdfReader(built["path"])
    assert len(reader.pages) == built["pages"] > 5
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A6[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A6[1], abs=1)


def test_a5_option(built: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "a5.pdf"
    pdf_stage.write_pdf(built["handbook"], target, size="a5")
    for page in PdfReader(target).pages:
        assert float(page.mediabox.width) == pytest.approx(A5[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A5[1], abs=1)


def test_outline_has_every_topic_on_the_page_that_shows_its_title(built: dict[str, Any]) -> None:
    entries = outline(built["path"])
    for topic in built["handbook"].topics.values():
        found = [(page, level) for title, page, level in entries if title == topic.title]
        assert found, f"no outline entry for {topic.title}"
        page, level = found[0]
        assert level == 1
        assert topic.title in built["texts"][page]


def test_outline_has_the_sections_of_each_topic(built: dict[str, Any]) -> None:
    titles = [(title, level) for title, _, level in outline(built["path"])]
    for section in ("Bottom line", "Decision table", "Dosing", "Dose tables", "Special populations", "References"):
        assert (section, 2) in titles


FIND_FAST = (
    "Quick reference",
    "Emergency:",
    "Dose table:",
    "Dosing weight look-up:",
    "Infusion rates:",
    "Contraindications:",
)


def _toc_numbers(texts: list[str], path: Path) -> dict[str, int]:
    """Entry -> page number, read from the contents page ("Title . . . . 3"); a title that
    ends near the margin has its leader and number on the next line."""
    toc = texts[next(page for title, page, level in outline(path) if title == "Contents")]
    numbers = {}
    for line in re.sub(r"\n(?=(?:\. ?){3,}\s*\d+$)", " ", toc, flags=re.M).splitlines():
        match = re.match(r"^(.*?)(?: \(pending review\))?\s*(?:\. ?){3,}\s*(\d+)$", line)
        if match:
            numbers[match.group(1).strip()] = int(match.group(2))
    return numbers


def test_every_page_number_in_the_contents_is_where_that_heading_is(built: dict[str, Any]) -> None:
    numbers = _toc_numbers(built["texts"], built["path"])
    find_fast = {entry: numbers.pop(entry) for entry in list(numbers) if entry.startswith(FIND_FAST)}
    expected = [t.title for t in built["handbook"].topics.values()] + ["Abbreviations", "Index", "Disclaimer"]
    assert sorted(numbers) == sorted(expected)
    assert [e for e in sorted(find_fast) if e.startswith("Dose table:")] == [
        "Dose table: Five-day course, 0.4 g/kg",
        "Dose table: Newborn course, 0.4 g/kg",
        "Dose table: Single dose, 1 g/kg",
    ]
    for entry, number in find_fast.items():
        if entry.startswith("Dose table: "):
            assert entry.removeprefix("Dose table: ").split(",")[0] in built["texts"][number - 1], entry
    pages = {title: page for title, page, level in outline(built["path"]) if level == 1}
    for title, number in numbers.items():
        assert pages[title] + 1 == number, title
        assert title in built["texts"][number - 1]


def test_cover_shows_edition_build_date_and_review_status(built: dict[str, Any]) -> None:
    cover = built["texts"][0]
    assert "Mini Handbook" in cover
    assert "Test Hospital Pharmacy" in cover
    assert "Edition 2026.1, 1 November 2026" in cover
    assert "Printed 18 November 2026, from the edition above" in cover  # from SOURCE_DATE_EPOCH
    assert "1 of 2 topics pending review" in cover
    assert "For testing the generator only. Not clinical advice." in cover


def _topic_pages(built: dict[str, Any], title: str) -> range:
    level1 = [(t, p) for t, p, level in outline(built["path"]) if level == 1]
    index = [t for t, _ in level1].index(title)
    return range(level1[index][1], level1[index + 1][1])


def test_pending_review_mark_on_every_page_of_a_pending_topic_only(built: dict[str, Any]) -> None:
    alpha = _topic_pages(built, "Alpha treatment in ITP")
    beta = _topic_pages(built, "Beta grading")
    assert len(alpha) >= 2  # the mark must repeat, not only start the topic
    for page in alpha:
        assert "PENDING REVIEW" in built["texts"][page]
    for page in beta:
        assert "PENDING REVIEW" not in built["texts"][page]


def test_running_header_names_the_topic_and_footer_numbers_the_page(built: dict[str, Any]) -> None:
    for page in _topic_pages(built, "Alpha treatment in ITP"):
        lines = built["texts"][page].splitlines()
        assert lines[0].startswith("Alpha treatment in ITP")
        # Mirrored pages: the folio is on the outer edge (right on odd pages, left on even).
        folio = page + 1
        expected = f"Mini Handbook · edition 2026.1 {folio}" if folio % 2 else f"{folio} Mini Handbook · edition 2026.1"
        assert lines[-1] == expected


def _bands(built: dict[str, Any], regimen: str) -> list[dict[str, Any]]:
    return printed_band_tables(pdf_stage.render_html(built["handbook"]))[regimen]


def _rows(built: dict[str, Any], regimen: str) -> list[Any]:
    """The engine's own weight-band rows (generator.calc.tables) for a regimen."""
    handbook = built["handbook"]
    program = handbook.programs["ivig-dose"]
    ranges = {name: (r.from_kg, r.to_kg, r.step_kg) for name, r in CONFIG.weight_bands.items()}
    neonatal = dict.fromkeys(neonatal_regimens(handbook, program.topic), "neonatal")
    tables = weight_band_tables(program, ranges, range_for=neonatal)
    return next(t for t in tables if t.regimen == regimen).rows


def _regimen(built: dict[str, Any], regimen: str) -> Any:
    return next(r for r in built["handbook"].programs["ivig-dose"].dose.regimens if r.id == regimen)


@pytest.mark.parametrize("regimen", ["alpha-once", "alpha-5d"])
def test_weight_bands_print_what_the_engine_dispenses_within_the_maxima(built: dict[str, Any], regimen: str) -> None:
    """Every printed band is the engine's: the daily dose given is the dispensed dose, the
    course column the dispensed course, and neither is above a maximum at the band's
    lightest weight."""
    printed = _bands(built, regimen)
    rows = _rows(built, regimen)
    assert len(printed) == len(rows) > 3
    definition = _regimen(built, regimen)
    for shown, row in zip(printed, rows, strict=True):
        assert (shown["low"], shown["high"]) == (row.low_kg, row.high_kg)
        # Each day is made from its own vials (clinical review D5): where no whole-vial day
        # fits within the deviation the band prints the exact dose, as the engine gives it.
        dose = row.dose if row.dispensed_dose is None else row.dispensed_dose
        course = row.course if row.dispensed_course is None else row.dispensed_course
        assert shown["per_kg"] == (row.dispensed_dose is None and row.per_kg is not None)
        if shown["per_kg"]:  # no vials fit: the rule per kg, each cap checked per kg
            assert (shown["dose"], shown["dose_high"]) == (float(fmt_plain(row.per_kg[0])), None)
            for cap in definition.caps:
                given = row.per_kg[1] if cap.scope == "course" else row.per_kg[0]
                assert given * (1 if cap.per == "kg" else row.high_kg) <= cap.amount + 1e-9, (cap.text, row)
            continue
        assert shown["dose"] == float(fmt_plain(dose))
        assert shown["dose_high"] == (None if row.dose_high is None else float(fmt_plain(row.dose_high)))
        if definition.days > 1:
            assert shown["course"] == float(fmt_plain(course))
        for cap in definition.caps:
            limit = cap.amount * (row.low_kg if cap.per == "kg" else 1)
            given = course if cap.scope == "course" else dose
            assert given <= limit + 1e-9, (cap.text, row)
        assert shown["capped"] == row.capped


def test_bands_cover_every_weight_on_the_grid(built: dict[str, Any]) -> None:
    """Consecutive bands meet: the next starts one grid step (step / 10) after the last ends."""
    rows = _bands(built, "alpha-once")
    assert rows[0]["low"] == 40 and rows[-1]["high"] == 150
    for before, after in itertools.pairwise(rows):
        assert after["low"] == pytest.approx(before["high"] + 0.5)


def test_a_capped_row_says_so_in_the_row_with_its_note_beside_it(built: dict[str, Any]) -> None:
    """Every band the engine marks capped is tagged max in the dose cell, reversed, with the
    engine's reason beside it; no other band is."""
    for regimen in ("alpha-once", "alpha-5d"):
        for shown, row in zip(_bands(built, regimen), _rows(built, regimen), strict=True):
            assert shown["capped"] == row.capped
            assert shown["cells"][0].endswith(" max") == row.capped
            if row.cap_reason:
                assert row.cap_reason in shown["notes"]


def test_neonatal_table_in_mg_with_the_neonatal_range(built: dict[str, Any]) -> None:
    printed = _bands(built, "alpha-neo")
    rows = _rows(built, "alpha-neo")
    band = CONFIG.weight_bands["neonatal"]
    assert rows[0].low_kg >= band.from_kg and rows[-1].high_kg <= band.to_kg
    for shown, row in zip(printed, rows, strict=True):
        dose = row.dose if row.dispensed_dose is None else row.dispensed_dose
        # In mg: "240", never "0.24" (issue 17; print review 5, W4).
        assert shown["cells"][0].split(" ")[0] == fmt_plain(dose * 1000)
    # A row for every step of the range: no gap a baby's weight falls into (print review A2).
    for before, after in itertools.pairwise(printed):
        assert after["low"] <= before["high"] + band.step_kg + 1e-9, (before, after)
    # "Weight is below 2 kg: check the value" read as a typing error on paper: not under any row.
    assert not any("check the value" in note for row in printed for note in row["notes"])
    assert not any("exact" in row["cells"][0] for row in printed)
    html = pdf_stage.render_html(built["handbook"])
    assert re.search(r'data-regimen="alpha-neo".*?Give <span class="nobr">mg/day</span>', html, re.S)


def test_infusion_rates_come_from_the_engine(built: dict[str, Any]) -> None:
    result = compute(
        built["handbook"].programs["ivig-dose"], {"weight_kg": 70, "regimen": "alpha-once", "product": "product-x"}
    )
    rates = [fmt_plain(step["ml_per_h"]) for step in result["infusion_steps"]]
    text = "\n".join(built["texts"])
    assert f"70 {' '.join(rates)}" in text
    assert "Maximum 4 mg/kg/min; 2 mg/kg/min with risk of renal failure or thrombosis." in text.replace("\n", " ")


def test_platelet_bands_are_printed_in_both_units(built: dict[str, Any]) -> None:
    text = "\n".join(built["texts"])
    assert "< 50,000 /µL" in text
    assert "≥ 50,000 /µL" in text


def test_index_points_to_the_topic_pages(built: dict[str, Any]) -> None:
    index_page = next(p for t, p, level in outline(built["path"]) if t == "Index")
    with pdfplumber.open(built["path"]) as document:
        page = document.pages[index_page]
        half = page.width / 2
        # The index is set in two columns: read each column on its own.
        index = "\n".join(
            page.crop(box).extract_text() or ""
            for box in ((0, 0, half, page.height), (half, 0, page.width, page.height))
        )
    alpha = _topic_pages(built, "Alpha treatment in ITP")[0] + 1
    # pdfplumber drops the narrow space after a closing parenthesis, hence " ?".
    assert re.search(rf"^alfa {alpha}$", index, re.M)
    # The abbreviation's first place in each topic: the title of alpha, then beta's text (the line wraps).
    assert re.search(rf"^ITP \(immune thrombocytopenia\) ?{alpha},$", index, re.M)
    assert f"Beta grading {_topic_pages(built, 'Beta grading')[0] + 1}" in index


def test_no_text_runs_outside_the_page(built: dict[str, Any]) -> None:
    """Every glyph lies on the page, and left and right within the page margins
    (a table too wide for A6 would push its last column past them)."""
    _top, outer, _bottom, inner = CONFIG.sizes["a6"].margin_mm
    with pdfplumber.open(built["path"]) as document:
        for number, page in enumerate(document.pages, 1):
            left, right = (inner, outer) if number % 2 else (outer, inner)  # mirrored: the gutter is inside
            assert page.chars, number
            for char in page.chars:
                if not char["text"].strip() or char["non_stroking_color"] == (1.0, 1.0, 1.0):
                    continue  # a space is not ink; white letters are on the thumb tab or the reversed band
                where = (number, char["text"], char["x0"], char["top"])
                assert char["x0"] >= left * MM - 0.5 and char["x1"] <= page.width - right * MM + 0.5, where
                assert char["top"] >= 0 and char["bottom"] <= page.height, where


def test_rendered_pages_have_blank_borders(built: dict[str, Any], tmp_path: Path) -> None:
    """The outer 2 mm of each page image is white: nothing is cut off at the edge; only the
    thumb tab, on the outer edge, is meant to run to it."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "6", str(built["path"]), str(tmp_path / "page")],
        check=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 6
    border = round(2 / 25.4 * 100)
    for number, path in enumerate(images, 1):
        image = Image.open(path).convert("L")
        width, height = image.size
        inner = (0, 0, border, height) if number % 2 else (width - border, 0, width, height)
        for box in ((0, 0, width, border), (0, height - border, width, height), inner):
            assert image.crop(box).getextrema()[0] >= 250, (path.name, box)


def test_tagged_pdf_ua_with_title_language_and_embedded_fonts(built: dict[str, Any]) -> None:
    reader = PdfReader(built["path"])
    root = reader.trailer["/Root"]
    assert reader.pdf_header == "%PDF-1.7"
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()
    assert reader.metadata.title == "Mini Handbook"
    assert reader.metadata["/CreationDate"] == "D:20261118110640Z"
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"], font


def test_same_content_and_epoch_give_the_same_bytes(
    built: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    again = tmp_path / "again.pdf"
    pdf_stage.write_pdf(load_handbook(built["content"]), again)
    assert again.read_bytes() == built["path"].read_bytes()


def test_author_html_is_printed_as_text(built: dict[str, Any], tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(built["content"], content)
    _edit_yaml(content / "topics" / "beta.yaml", lambda d: d.update(title="Beta <script>alert(1)</script> & co"))
    handbook = load_handbook(content)
    html = pdf_stage.render_html(handbook)
    assert "<script>" not in html
    assert "Beta &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    target = tmp_path / "x.pdf"
    pdf_stage.write_pdf(handbook, target)
    with pdfplumber.open(target) as document:
        assert any("Beta <script>alert(1)</script> & co" in (p.extract_text() or "") for p in document.pages)


def test_a_failed_render_leaves_no_file(built: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint.document

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(weasyprint.document.Document, "write_pdf", explode)
    target = tmp_path / "guide.pdf"
    with pytest.raises(RuntimeError, match="disk on fire"):
        pdf_stage.write_pdf(built["handbook"], target)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_render_keeps_the_previous_pdf(
    built: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import weasyprint.document

    target = tmp_path / "guide.pdf"
    target.write_bytes(b"previous edition")
    original = weasyprint.document.Document.write_pdf

    def half_then_fail(self: Any, target_file: Any = None, **kwargs: Any) -> None:
        original(self, target_file, **kwargs)  # the whole PDF reaches the temporary file...
        raise OSError("then the disk filled up")

    monkeypatch.setattr(weasyprint.document.Document, "write_pdf", half_then_fail)
    with pytest.raises(OSError, match="disk filled up"):
        pdf_stage.write_pdf(built["handbook"], target)
    assert target.read_bytes() == b"previous edition"
    assert [p.name for p in tmp_path.iterdir()] == ["guide.pdf"]


def test_unknown_topic_and_size_are_print_errors(built: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(pdf_stage.PrintError, match="no topic 'gamma' \\(expected one of alpha, beta\\)"):
        pdf_stage.write_pdf(built["handbook"], tmp_path / "x.pdf", topic_id="gamma")
    with pytest.raises(pdf_stage.PrintError, match="unknown page size 'a4' \\(expected one of a6, a5\\)"):
        pdf_stage.write_pdf(built["handbook"], tmp_path / "x.pdf", size="a4")
    assert list(tmp_path.iterdir()) == []


def test_fields_added_to_the_topic_schema_are_printed(built: dict[str, Any]) -> None:
    """An additive schema change (a new field) prints through the generic block."""
    from generator.model import Topic
    from generator.model.common import Statement

    class NewTopic(Topic):
        storage: list[Statement] = []
        """Storage."""
        shelf_life_note: str | None = None
        """A note."""

    beta = built["handbook"].topics["beta"]
    data = beta.model_dump()
    data.update(storage=[{"text": "Keep <cold>."}], shelf_life_note="Use *within* a day.")
    handbook = built["handbook"]
    topics = dict(handbook.topics)
    topics["beta"] = NewTopic.model_validate(data)
    handbook = type(handbook)(**{**handbook.__dict__, "topics": topics})
    html = pdf_stage.render_html(handbook)
    assert '<h2 id="t-beta--storage-h">Storage</h2>' in html
    assert "<li>Keep &lt;cold&gt;.</li>" in html
    assert '<h2 id="t-beta--shelf-life-note-h">Shelf life note</h2>' in html
    assert "Use <em>within</em> a day." in html


def test_cli_writes_the_pdf(built: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "guide.pdf"
    result = CliRunner().invoke(
        cli, ["pdf", "--content", str(built["content"]), "-o", str(target), "--topic", "beta", "--size", "a5"]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {target} (" in result.output
    entries = outline(target)
    assert [t for t, _, level in entries if level == 1] == [
        "Mini Handbook",
        "Contents",
        "Beta grading",
        "Abbreviations",
        "Index",
        "Disclaimer",
    ]


def test_cli_quiet_prints_nothing(built: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "guide.pdf"
    result = CliRunner().invoke(cli, ["pdf", "--content", str(built["content"]), "-o", str(target), "-q"])
    assert result.exit_code == 0
    assert result.output == ""
    assert target.is_file()


def test_cli_unknown_topic_is_a_usage_error(built: dict[str, Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["pdf", "--content", str(built["content"]), "-o", str(tmp_path / "x.pdf"), "--topic", "gamma"]
    )
    assert result.exit_code == 2
    assert "no topic 'gamma' (expected one of alpha, beta)" in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_invalid_content_exits_1_and_writes_nothing(built: dict[str, Any], tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(built["content"], content)
    path = content / "topics" / "beta.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("specialty:", "specialtty:"), encoding="utf-8")
    target = tmp_path / "out" / "guide.pdf"
    result = CliRunner().invoke(cli, ["pdf", "--content", str(content), "-o", str(target)])
    assert result.exit_code == 1
    assert "unknown field 'specialtty' (did you mean 'specialty'?)" in result.output
    assert re.search(r"beta\.yaml:\d+:\d+: specialtty: ", result.output)
    assert not (tmp_path / "out").exists()


def test_progress_line_only_on_a_terminal(
    built: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines: list[str] = []
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    pages = pdf_stage.write_pdf(built["handbook"], tmp_path / "a.pdf", quiet=False, log=lines.append)
    assert any(line.startswith("\r\033[Kpdf: page 1 laid out (") for line in lines)
    assert any(line.startswith(f"\r\033[Kpdf: {pages} pages laid out (") for line in lines)
    assert lines[-1] == "\r\033[K"
    for quiet, ci in ((True, None), (False, "true")):
        if ci:
            monkeypatch.setenv("CI", ci)
        lines.clear()
        pdf_stage.write_pdf(built["handbook"], tmp_path / "b.pdf", quiet=quiet, log=lines.append)
        assert lines == []


@pytest.mark.parametrize("url", ["https://fonts.example.org/font.woff2", "file:///etc/passwd", "data:text/css,x"])
def test_the_renderer_fetches_nothing_but_its_theme_and_fonts(url: str) -> None:
    with pytest.raises(ValueError, match="the pocket guide fetches only its theme and fonts"):
        pdf_stage._fetcher().fetch(url)


def test_the_fonts_come_from_local_debian_files() -> None:
    regular = CONFIG.font_files["regular"]
    assert regular.is_file()
    assert regular.is_relative_to("/usr/share/fonts")


def test_public_api() -> None:
    assert all(hasattr(pdf_stage, name) for name in pdf_stage.__all__)
    assert "write_pdf" in pdf_stage.__all__


def test_structure_tree_tags_headings_tables_and_lists(built: dict[str, Any]) -> None:
    """What a screen reader walks: the PDF/UA structure tree has real headings, tables with
    header cells and a caption, and lists."""
    seen: set[str] = set()

    def walk(node: Any) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get"):
            if node.get("/S"):
                seen.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None and not isinstance(kids, int):
                walk(kids)

    walk(PdfReader(built["path"]).trailer["/Root"]["/StructTreeRoot"])
    assert {"/H1", "/H2", "/Table", "/THead", "/TH", "/TD", "/Caption", "/L", "/LI", "/Link"} <= seen


def test_booklet_order_pads_to_four_and_backs_the_right_pages() -> None:
    from generator.impose import booklet_order

    # 8 pages: sheet 1 front 8|1, back 2|7; sheet 2 front 6|3, back 4|5 (1-based).
    assert booklet_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]
    assert booklet_order(5) == [(None, 0), (1, None), (None, 2), (3, 4)]


def test_cli_booklet_imposes_two_pages_a_side_in_folding_order(built: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "booklet.pdf"
    result = CliRunner().invoke(cli, ["pdf", "--content", str(built["content"]), "-o", str(target), "--booklet", "-q"])
    assert result.exit_code == 0, result.output
    pages = built["pages"]
    total = -(-pages // 4) * 4
    with pdfplumber.open(target) as document:
        assert len(document.pages) == total // 2
        for number, side in enumerate(document.pages):
            assert side.width == pytest.approx(2 * A6[0], abs=1) and side.height == pytest.approx(A6[1], abs=1)
            halves = [
                side.crop((0, 0, side.width / 2, side.height)),
                side.crop((side.width / 2, 0, side.width, side.height)),
            ]
            folios = []
            for half in halves:
                text = (half.extract_text() or "").strip()
                found = re.search(
                    r"(?:^|\n)(?:(\d+) Mini Handbook · edition 2026\.1|Mini Handbook · edition 2026\.1 (\d+))$", text
                )
                folios.append(
                    int(found.group(1) or found.group(2)) if found else (1 if "Mini Handbook" in text else None)
                )
            sheet, back = divmod(number, 2)
            expected = (2 * sheet + 2, total - 1 - 2 * sheet) if back else (total - 2 * sheet, 2 * sheet + 1)
            # Blank padding pages carry no folio.
            assert folios == [n if n <= pages else None for n in expected], (number, folios)


def test_cli_marks_adds_bleed_and_crop_marks(built: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "marks.pdf"
    result = CliRunner().invoke(cli, ["pdf", "--content", str(built["content"]), "-o", str(target), "--marks", "-q"])
    assert result.exit_code == 0, result.output
    bleed = 3 * MM
    for page in PdfReader(target).pages:
        trim, media = page.trimbox, page.mediabox
        assert float(trim.width) == pytest.approx(A6[0], abs=1)
        assert float(media.width) == pytest.approx(A6[0] + 2 * bleed, abs=1)
        assert float(trim.left) - float(media.left) == pytest.approx(bleed, abs=0.5)
    with pdfplumber.open(target) as document:
        page = document.pages[3]
        x0, top = page.bbox[0], page.bbox[1]
        # Crop marks: strokes in the bleed, outside the trimmed page.
        marks = [line for line in page.lines if line["x0"] < x0 + bleed - 0.5 or line["top"] < top + bleed - 0.5]
        assert len(marks) >= 4


def test_marks_and_booklet_do_not_combine(built: dict[str, Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["pdf", "--content", str(built["content"]), "-o", str(tmp_path / "x.pdf"), "--marks", "--booklet"]
    )
    assert result.exit_code == 2
    assert "--marks and --booklet do not combine" in result.output
    assert list(tmp_path.iterdir()) == []


def test_pending_pages_carry_a_reversed_band_that_survives_a_mono_printer(built: dict[str, Any]) -> None:
    """White text on a black box in the header of every pending page: no colour needed."""
    with pdfplumber.open(built["path"]) as document:
        for index in _topic_pages(built, "Alpha treatment in ITP"):
            page = document.pages[index]
            band = [c for c in page.chars if c["top"] < 11 * MM and c["non_stroking_color"] == (1.0, 1.0, 1.0)]
            assert "".join(c["text"] for c in band).replace(" ", "") == "PENDINGREVIEW:NOTFORCLINICALUSE"
            boxes = [r for r in page.rects if r["fill"] and r["non_stroking_color"] in ((0.0,), (0.0, 0.0, 0.0))]
            assert any(r["x0"] <= band[0]["x0"] and r["x1"] >= band[-1]["x1"] for r in boxes)


def test_cover_states_edition_date_and_next_review(built: dict[str, Any]) -> None:
    cover = built["texts"][0].replace("\n", " ")
    assert "DRAFT: NOT FOR CLINICAL USE. 1 of 2 topics not yet approved by a clinical reviewer." in cover
    earliest = min(t.review.next_review_due for t in built["handbook"].topics.values())
    assert f"Next review due {earliest.day} {earliest.strftime('%B %Y')}: check for a newer edition" in cover


def _tabs(page: Any) -> list[dict[str, Any]]:
    """Filled boxes in a tab colour (the header's rules and the review band are grey or black)."""
    coloured = [r for r in page.rects if r["fill"] and len(set(r["non_stroking_color"] or ())) > 1]
    return [r for r in coloured if r["height"] > 10 * MM and r["width"] > 3 * MM]


def test_one_specialty_prints_no_thumb_tab(built: dict[str, Any]) -> None:
    """Every topic is Haematology: a tab with the same letter on every page finds nothing
    and sat on the text (print review B14)."""
    with pdfplumber.open(built["path"]) as document:
        assert not any(_tabs(page) for page in document.pages)


def test_topic_pages_carry_a_thumb_tab_on_the_outer_edge(built: dict[str, Any], tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(built["content"], content)
    _edit_yaml(content / "topics" / "beta.yaml", lambda d: d.update(specialty="Oncology"))
    target = tmp_path / "two.pdf"
    pdf_stage.write_pdf(load_handbook(content), target)
    with pdfplumber.open(target) as document:
        level1 = [(t, p) for t, p, level in read_outline(PdfReader(target)) if level == 1]
        titles = [t for t, _ in level1]
        at = titles.index("Alpha treatment in ITP")
        for index in range(level1[at][1], level1[at + 1][1]):
            tabs = _tabs(document.pages[index])
            outer = document.pages[index].width if (index + 1) % 2 else 0
            assert any(abs((r["x1"] if outer else r["x0"]) - outer) < 1 for r in tabs), index


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("below 50 x10^9/L", "below 50 ×10⁹/L"),
        ("25,000/uL (25 x10^3/uL)", "25,000/µL (25 ×10³/µL)"),
        ("rate x weight x 60 / (1000 x conc)", "rate × weight × 60 / (1000 × conc)"),
        ("creatinine in umol/L; BMI 30 kg/m2", "creatinine in µmol/L; BMI 30 kg/m²"),
        ("an eGFR in mL/min/1.73 m2, a 2 m2 sheet", "an eGFR in mL/min/1.73 m², a 2 m² sheet"),
        ("IBW + 0.4 x (actual weight - IBW)", "IBW + 0.4 × (actual weight − IBW)"),
        ("rate (mg/kg/min) x weight (kg) x 60", "rate (mg/kg/min) × weight (kg) × 60"),
        ("x-ray and an x axis", "x-ray and an x axis"),
        ("L-proline", '<span class="nobr">L-proline</span>'),
        (
            "[ITP-guide](https://example.org/ITP-guide)",
            '<a href="https://example.org/ITP-guide"><span class="nobr">ITP-guide</span></a>',
        ),
    ],
)
def test_author_text_prints_in_the_house_notation(text: str, printed: str) -> None:
    """One notation on paper (print review D19, D21): the caret and ASCII forms authors
    type become ×10⁹/L and /µL; a short capitalised part keeps its hyphen on one line,
    and a link's address is never touched."""
    assert str(pdf_stage.inline_markdown(text)) == printed


@pytest.mark.parametrize(
    ("title", "running"),
    [
        ("Grading a low platelet count (CTCAE v5.0)", "Grading a low platelet count"),
        (
            "Anticoagulation when platelets are low: LMWH by platelet count and kidney function",
            "Anticoagulation when platelets are low",
        ),
        ("ITP: second-line treatment (TPO-RAs, rituximab, splenectomy)", "ITP: second-line treatment"),
        ("Anti-D immunoglobulin in ITP", "Anti-D immunoglobulin in ITP"),
        ("A very long title without any colon that goes on and on and on", "A very long title without any colon…"),
    ],
)
def test_running_header_is_a_short_title(title: str, running: str) -> None:
    """Beside the PENDING REVIEW band the header has room for one line of about 40 characters."""
    assert pdf_stage.running_title(title) == running
    assert len(pdf_stage.running_title(title)) <= pdf_stage.RUNNING_TITLE_CHARS


def test_a_figure_whose_label_leads_into_its_number_reads_on() -> None:
    """Print review 5: "(severe renal impairment below: 30 mL/min)" read as garbled."""
    from generator.model.common import Figure

    below = Figure(label="severe renal impairment below", value=30, unit="mL/min")
    median = Figure(label="time to response", value=2, unit="day")
    assert pdf_stage.fmt_figure(below) == "severe renal impairment below 30 mL/min"
    assert pdf_stage.fmt_figure(median) == "time to response: 2 days"
