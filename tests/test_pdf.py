"""The printed pocket guide (generator/pdf.py, theme/print/): real WeasyPrint renders of a
small fixture handbook, read back with pypdf, pdfplumber and pdftoppm."""

from __future__ import annotations

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
MARKS = "".join(pdf_stage.FOOTNOTE_MARKS) + ","


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


def plain_html(handbook: Any) -> str:
    """The printed HTML without the non-breaking spans around quantities (present.keep_together)."""
    return re.sub(r'<span class="nobr">(.*?)</span>', r"\1", pdf_stage.render_html(handbook))


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


def _toc_numbers(texts: list[str]) -> dict[str, int]:
    """Entry -> page number, read from the contents page(s) ("Title ...... 3")."""
    toc = texts[1]
    numbers = {}
    for line in toc.splitlines():
        match = re.match(r"^(.*?)(?: \(pending review\))?\.{3,}\s*(\d+)$", line)
        if match:
            numbers[match.group(1).strip()] = int(match.group(2))
    return numbers


def test_every_page_number_in_the_contents_is_where_that_heading_is(built: dict[str, Any]) -> None:
    numbers = _toc_numbers(built["texts"])
    expected = [t.title for t in built["handbook"].topics.values()] + ["Abbreviations", "Index", "Disclaimer"]
    assert sorted(numbers) == sorted(expected)
    pages = {title: page for title, page, level in outline(built["path"]) if level == 1}
    for title, number in numbers.items():
        assert pages[title] + 1 == number, title
        assert title in built["texts"][number - 1]


def test_cover_shows_edition_build_date_and_review_status(built: dict[str, Any]) -> None:
    cover = built["texts"][0]
    assert "Mini Handbook" in cover
    assert "Test Hospital Pharmacy" in cover
    assert "Edition 2026.1, 1 November 2026" in cover
    assert "Built 18 November 2026" in cover  # from SOURCE_DATE_EPOCH
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
        assert lines[-1] == f"Mini Handbook · edition 2026.1 {page + 1}"


def _band_rows(texts: list[str], pages: range) -> list[list[str]]:
    rows = []
    for page in pages:
        for line in texts[page].splitlines():
            if re.match(r"^\d+(\.\d+)? \d", line):
                rows.append(line.split(" "))
    return rows


def _rows(built: dict[str, Any], regimen: str) -> list[Any]:
    handbook = built["handbook"]
    program = handbook.programs["ivig-dose"]
    ranges = {name: (r.from_kg, r.to_kg, r.step_kg) for name, r in CONFIG.weight_bands.items()}
    neonatal = dict.fromkeys(neonatal_regimens(handbook, program.topic), "neonatal")
    tables = weight_band_tables(program, ranges, range_for=neonatal)
    return next(t for t in tables if t.regimen == regimen).rows


def _label(row: Any) -> str:
    low, high = fmt_plain(row.low_kg), fmt_plain(row.high_kg)
    return low if low == high else f"{low}–{high}"


@pytest.mark.parametrize(
    ("regimen", "weight"), [("alpha-once", 45), ("alpha-5d", 60), ("alpha-5d", 150), ("alpha-neo", 3.5)]
)
def test_weight_band_row_equals_the_engine(built: dict[str, Any], regimen: str, weight: float) -> None:
    """The band holding ``weight``: its numbers are the engine's at the band's lightest weight,
    the same in the HTML the guide is typeset from and on the paper."""
    row = next(r for r in _rows(built, regimen) if r.low_kg <= weight <= r.high_kg)
    expected = compute(
        built["handbook"].programs["ivig-dose"], {"weight_kg": row.low_kg, "regimen": regimen, "product": "product-x"}
    )
    assert expected["ok"] and expected["dose_per_day_g"] == row.dose
    assert expected["dispensed_course_total_g"] == row.dispensed_course
    html = plain_html(built["handbook"])
    table = re.search(rf'<table class="calc weight-band"[^>]*data-regimen="{regimen}".*?</table>', html, re.S)
    assert table is not None
    found = re.search(rf'<th scope="row">{re.escape(_label(row))}</th>(.*?)</tr>', table.group(0), re.S)
    assert found is not None, _label(row)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))
    assert cells[0].rstrip(MARKS) == fmt_plain(expected["dose_per_day_g"])
    dispensed = expected["dispensed_dose_g"]  # none when no vial combination fits (3.5 kg: 1.4 g a day)
    assert cells[2] == ("" if dispensed is None else fmt_plain(dispensed))
    assert cells[4] == fmt_plain(expected["volume_per_day_ml"])
    text = "\n".join(built["texts"])
    assert _label(row) in text


def test_engine_warnings_mark_the_row_and_print_under_the_table(built: dict[str, Any]) -> None:
    row = _rows(built, "alpha-neo")[0]  # 0.5 kg: below the 2 kg soft limit
    assert row.warnings and "Weight is below 2 kg: check the value." in row.warnings
    html = plain_html(built["handbook"])
    table = re.search(r'data-regimen="alpha-neo".*?</div>', html, re.S)
    assert table is not None
    note = re.search(rf"<li>([{MARKS}]+) {re.escape('Weight is below 2 kg: check the value.')}</li>", table.group(0))
    assert note is not None
    cell = re.search(
        rf'<th scope="row">{re.escape(_label(row))}</th>\s*<td class="num dose">([^<]*)</td>', table.group(0)
    )
    assert cell is not None and note.group(1) in cell.group(1)


def test_neonatal_regimen_uses_the_neonatal_range(built: dict[str, Any]) -> None:
    rows = _rows(built, "alpha-neo")
    band = CONFIG.weight_bands["neonatal"]
    assert rows[0].low_kg >= band.from_kg and rows[-1].high_kg <= band.to_kg
    html = plain_html(built["handbook"])
    table = re.search(r'<table class="calc weight-band"[^>]*data-regimen="alpha-neo".*?</table>', html, re.S)
    assert table is not None
    assert re.findall(r'<th scope="row">([^<]*)</th>', table.group(0)) == [_label(r) for r in rows]


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
    assert re.search(rf"^ITP \(immune thrombocytopenia\) ?{alpha}$", index, re.M)
    assert f"Beta grading {_topic_pages(built, 'Beta grading')[0] + 1}" in index


def test_no_text_runs_outside_the_page(built: dict[str, Any]) -> None:
    """Every glyph lies on the page, and left and right within the page margins
    (a table too wide for A6 would push its last column past them)."""
    _top, right, _bottom, left = CONFIG.sizes["a6"].margin_mm
    with pdfplumber.open(built["path"]) as document:
        for number, page in enumerate(document.pages, 1):
            assert page.chars, number
            for char in page.chars:
                if not char["text"].strip():
                    continue  # a space is not ink
                where = (number, char["text"], char["x0"], char["top"])
                assert char["x0"] >= left * MM - 0.5 and char["x1"] <= page.width - right * MM + 0.5, where
                assert char["top"] >= 0 and char["bottom"] <= page.height, where


def test_rendered_pages_have_blank_borders(built: dict[str, Any], tmp_path: Path) -> None:
    """The outer 2 mm of each page image is white: nothing is cut off at the edge."""
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "6", str(built["path"]), str(tmp_path / "page")],
        check=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 6
    border = round(2 / 25.4 * 100)
    for path in images:
        image = Image.open(path).convert("L")
        width, height = image.size
        for box in (
            (0, 0, width, border),
            (0, height - border, width, height),
            (0, 0, border, height),
            (width - border, 0, width, height),
        ):
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
    assert "<h2>Storage</h2>" in html
    assert "<li>Keep &lt;cold&gt;.</li>" in html
    assert "<h2>Shelf life note</h2>" in html
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


def test_footnote_marks_never_repeat_within_a_table() -> None:
    marks = [pdf_stage.footnote_mark(i) for i in range(12)]
    assert marks[:7] == ["†", "‡", "§", "¶", "#", "††", "‡‡"]
    assert len(set(marks)) == len(marks)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_pdf_gets_the_mode_the_umask_gives(built: dict[str, Any], tmp_path: Path, umask: int, mode: int) -> None:
    """Not mkstemp's 0600: a web server running as another user must be able to read it."""
    import os
    import stat

    previous = os.umask(umask)
    try:
        target = tmp_path / "guide.pdf"
        pdf_stage.write_pdf(built["handbook"], target, topic_id="beta")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == mode
