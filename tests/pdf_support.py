"""Reading a built PDF in tests."""

from __future__ import annotations

import itertools
import re
from typing import Any

from pypdf import PdfReader

__all__ = ["MM", "body_zone", "broken_quantities", "lines_of", "outline"]


def outline(reader: PdfReader) -> list[tuple[str, int, int]]:
    """(title, 0-based page, level) of every outline entry (bookmark)."""
    out: list[tuple[str, int, int]] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((item.title, reader.get_destination_page_number(item), level))

    walk(reader.outline, 1)
    return out


MM = 72 / 25.4

# What a line may end with only when the next line does not carry on the same quantity.
UNIT_START = re.compile(r"^(?:g|mg|kg|mL|h|min|days?|weeks?|years?|×10|x10|/µL|/uL|µL|g/kg|mg/kg|mL/h|%)(?![A-Za-z])")


def body_zone(page: Any, margins_mm: tuple[float, float, float, float]) -> tuple[float, float]:
    """(top, bottom) in pt of the page area between the running header and footer."""
    top, _right, bottom, _left = margins_mm
    return top * MM, page.height - bottom * MM


def lines_of(page: Any) -> list[str]:
    """The page's text lines, each column read on its own when the page has two."""
    return (page.extract_text() or "").splitlines()


def broken_quantities(lines: list[str]) -> list[str]:
    """Places where a quantity was split over two lines: "2 g/" | "kg", "24–" | "48 h",
    "25" | "×10⁹/L", "40 mg/0." | "4 mL", "mg/" | "0.4 mL", or a minus left at a line end."""
    found = []
    for line, following in itertools.pairwise(lines):
        end, start = line.rstrip(), following.lstrip()
        if re.search(r"(https?://|\w\.\w+/)\S*$", end):
            continue  # an address breaks where it must; it holds no quantity
        split_range_or_unit = re.search(r"\d[–-]$|\d\s?[a-zµ]+/$|\s[−-]$|[<>≤≥]$", end)
        number_left_alone = re.search(r"(?<![\w.])\d[\d,.]*$", end) and UNIT_START.match(start)
        if split_range_or_unit or number_left_alone or _number_split(end, start):
            found.append(f"{end} | {start}")
    return found


# Inside a number: "40 mg/0." | "4 mL", "1" | ".5 mL", "mg/" | "0.4 mL". A sentence may
# end in a number ("PMID 29737593.") with the next line opening on one (a year), and a
# list may break after its comma ("25, 50," | "75 mg"): only a decimal point at the end
# followed by digits and a unit counts.
_SPLIT_END = re.compile(r"\d\.$|[A-Za-zµ]/$|\d$")
_SPLIT_START = re.compile(r"^(?:\.\d|\d+(?:\.\d+)?\s?(?:g|mg|mcg|kg|mL|L|h|min|IU|%)(?![A-Za-z]))")


def _number_split(end: str, start: str) -> bool:
    """Whether a number breaks inside itself, or from the unit before its "/"."""
    tail, head = _SPLIT_END.search(end), _SPLIT_START.match(start)
    if not tail or not head:
        return False
    if tail.group(0)[-1].isdigit():
        return head.group(0)[0] == "."  # "1" | ".5 mL"
    return True


def weight_band_tables(html: str) -> dict[str, list[dict[str, Any]]]:
    """The printed weight-band tables read back from the guide's HTML: regimen id ->
    rows of {low, high, dose, course, capped, exact, cells, notes} (numbers as printed)."""
    html = re.sub(r'<span class="nobr">(.*?)</span>', r"\1", html)
    tables: dict[str, list[dict[str, Any]]] = {}
    for regimen, body in re.findall(
        r'<table class="calc weight-band"[^>]*data-regimen="([^"]+)".*?>(.*?)</table>', html, re.S
    ):
        rows = tables.setdefault(regimen, [])
        for group in re.findall(r"<tbody[^>]*>(.*?)</tbody>", body, re.S):
            notes = re.findall(r'<tr class="row-note"><td[^>]*>(.*?)</td></tr>', group, re.S)
            for attrs, weight, cells in re.findall(
                r'<tr( class="capped")?>\s*<th scope="row"[^>]*>([^<]*)</th>(.*?)</tr>', group, re.S
            ):
                texts = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
                low, _, high = weight.partition("–")
                # A band of exact doses prints its rule per kg, "0.4 g/kg", or (not proportional
                # to the weight) a range, "16.8–17.8" (generator.calc.tables).
                dose, _, dose_high = texts[0].split(" ")[0].partition("–")
                course, _, course_high = (texts[1] if len(texts) > 1 else "").partition("–")
                rows.append(
                    {
                        "low": float(low),
                        "high": float(high or low),
                        "dose": float(dose),
                        "dose_high": float(dose_high) if dose_high else None,
                        "course": float(course.split(" ")[0]) if course.split(" ")[0].replace(".", "").isdigit() else None,
                        "course_high": float(course_high) if course_high else None,
                        "capped": bool(attrs),
                        "exact": texts[0].endswith("exact"),
                        # A band no vials fit prints its rule per kg ("0.4 g/kg", "2 g/kg").
                        "per_kg": texts[0].endswith("/kg"),
                        "cells": texts,
                        "notes": notes,
                    }
                )
    return tables
