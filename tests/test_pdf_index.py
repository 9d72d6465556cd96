"""The pocket guide's index read back from the real knowledge base (content/): every entry
sends the reader to a page where its term is printed, and its page list reads in
ascending order (issue 17; print review F29: "Newborns 15" was on 16, "ITP 4, 7, 9, 32, 28")."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from generator import pdf as pdf_stage
from generator.print_index import variant_key
from generator.validate import load_handbook

pytestmark = pytest.mark.slow

CONTENT = Path(__file__).resolve().parent.parent / "content"
CHOICES = pdf_stage.load_print_config().index
MERGE = CHOICES.merge


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    handbook = load_handbook(CONTENT)
    html = pdf_stage.render_html(handbook)
    document = pdf_stage.render_document(handbook)
    target = tmp_path_factory.mktemp("index") / "pocket-guide.pdf"
    with target.open("wb") as out:
        pdf_stage.write_document(document, out)
    # Anchor -> 0-based page, as WeasyPrint laid the document out (the index's numbers are
    # these): the first page, where an element split over pages is listed on each.
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            pages.setdefault(name, number)
    with pdfplumber.open(target) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
    return {"html": html, "pages": pages, "texts": texts}


def _text(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", fragment))


def _index_entries(html: str) -> list[tuple[str, list[str]]]:
    """(headword, anchors) of every line of the printed index, in order."""
    section = html[html.index('<section class="back index"') :]
    section = section[: section.index("</section>")]
    entries = []
    for item in re.findall(r"<li>(.*?)</li>", section, re.S):
        label = _text(re.split(r'<span class="index-note">|<a ', item, maxsplit=1)[0]).strip()
        entries.append((label, re.findall(r'class="pageref" href="#([^"]+)"', item)))
    return entries


def _anchored_text(html: str, anchor: str) -> str:
    """What the element an index entry points to prints: the term itself (a span), a
    topic title, a section heading or a table caption's title."""
    at = html.index(f'id="{anchor}"')
    start = html.rindex("<", 0, at)
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    if tag == "span":
        return _text(html[start : html.index("</span>", at)])
    if tag in ("h1", "h2"):
        return _text(html[start : html.index(f"</{tag}>", at)])
    if tag == "section":  # the quick reference: its heading
        return _text(re.search(r"<h1[^>]*>(.*?)</h1>", html[at:], re.S).group(1))
    # A table: its caption's title (up to the caption notes).
    heading = re.search(r"<(caption|strong)>(.*?)(?:<span class=\"caption-note|</caption>|</strong>)", html[at:], re.S)
    assert heading is not None, anchor
    return _text(heading.group(2))


def _squeeze(text: str) -> str:
    # pdfplumber drops some spaces between runs of different weight ("doseRh(D)"): compare without any.
    return re.sub(r"\s+", "", text).casefold()


def test_every_index_entry_is_on_a_page_that_prints_its_term(guide: dict[str, Any]) -> None:
    entries = _index_entries(guide["html"])
    assert len(entries) > 50
    missing = []
    for label, anchors in entries:
        assert anchors, label
        for anchor in anchors:
            term = _anchored_text(guide["html"], anchor)
            if anchor.startswith("ix-"):
                # The anchored words hold the headword (in any case: headwords are lower-cased),
                # or a longer term that holds it ("ITP associated with HIV" for "ITP").
                # An index line may stand for two spellings ("anti D", "anti-D"): compared as one.
                # A headword the print config merges other terms into ("4Ts" for "four Ts")
                # stands where any of them is printed.
                variants = [label, *(v for v, head in MERGE.items() if head == label)]
                keys = [variant_key(v).replace(" ", "") for v in variants]
                assert any(k in variant_key(term).replace(" ", "") for k in keys), (label, term)
                term = next((v for v in variants if _squeeze(v) in _squeeze(term)), term)
            page = guide["pages"][anchor]
            if _squeeze(term) not in _squeeze(guide["texts"][page]):
                missing.append((label, term, page + 1))
    assert not missing, "\n".join(map(str, missing))


def test_one_index_line_for_the_spellings_of_a_term(guide: dict[str, Any]) -> None:
    """ "anti D" and "anti-D", "Cockcroft Gault" and "Cockcroft-Gault", "hemorrhage" and
    "haemorrhage" were separate lines with different pages (2026-11 review): one line each,
    spelled the handbook's way."""
    labels = [label for label, _ in _index_entries(guide["html"])]
    keys = [variant_key(label) for label in labels]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []
    assert "anti-D" in labels and "anti D" not in labels
    assert not any("hemorrhage" in label for label in labels)
    assert variant_key("Cockcroft Gault") == variant_key("Cockcroft-Gault") != variant_key("Cockcroft")


def test_index_page_lists_read_in_ascending_order(guide: dict[str, Any]) -> None:
    unsorted = []
    for label, anchors in _index_entries(guide["html"]):
        numbers = [guide["pages"][a] + 1 for a in anchors]
        if numbers != sorted(numbers):
            unsorted.append((label, numbers))
    assert unsorted == []


def test_index_lists_the_dose_tables_the_look_up_and_the_infusion_rates(guide: dict[str, Any]) -> None:
    labels = [label for label, _ in _index_entries(guide["html"])]
    assert "quick reference" in labels
    assert "dosing weight look-up (BMI)" in labels
    assert "infusion rates" in labels
    assert "contraindications" in labels
    assert {"dose table, single high dose, 1 g/kg", "dose table, five-day schedule, 0.4 g/kg"} <= set(labels)
    # Headwords in lower case, abbreviations and product names as written.
    assert "newborns" in labels and "Newborns" not in labels
    assert "ITP" in labels and "Privigen" in labels
    # An abbreviation only in the references or the review line ("draft prepared with AI") is no subject.
    assert "AI" not in labels


def _pages(guide: dict[str, Any]) -> dict[str, list[int]]:
    return {label: [guide["pages"][a] + 1 for a in anchors] for label, anchors in _index_entries(guide["html"])}


def _page_of(guide: dict[str, Any], words: str, start: int = 0) -> int:
    """The first page from ``start`` (1-based) that prints ``words``."""
    return next(n for n, text in enumerate(guide["texts"], 1) if n >= start and _squeeze(words) in _squeeze(text))


def test_merged_spellings_print_as_one_line_and_see_lines_send_the_reader_on(guide: dict[str, Any]) -> None:
    """Print review 3, finding 9: "4T score", "4Ts" and "four Ts" were three lines, the HIT,
    platelet-transfusion and steroid entries several each; "US", "UK", "EU", "older guidance"
    and "dose and threshold" sent no one anywhere useful."""
    pages = _pages(guide)
    section = guide["html"][guide["html"].index('<section class="back index"') :]
    see = dict(re.findall(r'<li class="index-see">(.*?), <em>see</em> (.*?)</li>', section))
    assert see == {k: v for k, v in CHOICES.see.items()}, see
    for variant, head in MERGE.items():
        assert head in pages and variant not in pages, (variant, head)
    assert {"4Ts", "HIT", "platelet transfusion", "corticosteroids", "prednisolone"} <= set(pages)
    assert not {"HITT", "heparin induced thrombocytopenia", "steroid course", "transfusion"} & set(pages)
    assert not {"US", "UK", "EU", "older guidance", "dose and threshold", "Dose and threshold"} & set(pages)
    for term in ("maltose", "glucose meters", "hyperprolinaemia"):
        assert pages.get(term), term
    # No page listed twice on one line (two places of one term on one page).
    assert [(label, p) for label, p in pages.items() if len(set(p)) != len(p)] == []


def test_entries_send_the_reader_to_where_the_term_is_the_subject(guide: dict[str, Any]) -> None:
    """Print review 3, finding 9: emergency at the quick reference and the emergency pages;
    newborns at the neonatal table and section; dosing weight and adjusted body weight at the
    rule and the look-up; thrombosis at the IVIG cautions."""
    pages = _pages(guide)
    first = {anchor: number + 1 for anchor, number in guide["pages"].items()}
    ivig = first["t-ivig-in-itp"]
    assert 2 in pages["emergency"]
    assert first["t-life-threatening-bleeding-in-itp"] in pages["emergency"]
    assert first["t-ivig-in-itp--emergency-h"] in pages["emergency"]
    assert _page_of(guide, "Neonatal five-day schedule (historical): 0.4 g/kg daily", ivig) in pages["newborns"]
    assert _page_of(guide, "Newborns", first["t-ivig-in-itp--special-populations-h"]) in pages["newborns"]
    look_up = _page_of(guide, "Dosing weight (kg) for adults", ivig)
    rule = _page_of(guide, "Adjusted body weight (the dosing weight", ivig)
    for term in ("dosing weight", "adjusted body weight"):
        assert {look_up, rule} <= set(pages[term]), (term, pages[term])
    assert _page_of(guide, "Thrombosis. A boxed warning", ivig) in pages["thrombosis"]


def test_related_topics_printed_earlier_carry_their_page(guide: dict[str, Any]) -> None:
    """Print review 3, finding 13: no Related topics line had a page number. A topic printed
    before this one gets its page (a target-counter pointing back costs no second layout);
    one printed after is named only (pointing forward would lay out the book again)."""
    html = guide["html"]
    all_text = _squeeze(" ".join(guide["texts"]))
    checked = 0
    for block in re.finditer(r'<ul class="related">(.*?)</ul>', html, re.S):
        for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S):
            target = re.search(r'<a href="#([^"]+)">(.*?)</a>', item)
            if target is None:
                continue
            backward = html.index(f'id="{target.group(1)}"') < block.start()
            assert ('class="see"' in item) == backward, item
            if backward:
                page = guide["pages"][target.group(1)] + 1
                assert _squeeze(f"{_text(target.group(2))} p. {page}") in all_text, (item, page)
                checked += 1
    assert checked >= 5
