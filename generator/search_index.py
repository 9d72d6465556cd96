"""The site's search index, shaped for a clinician typing on a phone.

Material's search plugin gives every section of a page the page's keywords (aliases,
brand names, drugs, tags) as "tags": the results showed them as a cloud of chips under
every hit, and Material boosts tags a million-fold, so one alias outranked every word
of text. Here (a build hook, before the plugin writes search_index.json) the keywords
move to a field of their own, ``keywords``, on the page's first entry only, with:

- the handbook's search synonyms (content/handbook.yaml ``search.synonyms``): a page
  that says "gut" is also found by "melaena";
- hyphenated terms with a short part joined ("anti-D" also as "antid"): the index splits
  words at hyphens, and a query's lone "d" matched every word starting with d.

- each calculator's section (its anchor is the calculator id), and the page that holds
  it, the word "calculator" (the page also the calculator's title): Material ranks pages
  by their best entry and a page entry scores above a section, so "platelet grade
  calculator" now finds the page of "Platelet grade and treatment pathway" first.

``keywords`` is searched (boost in mkdocs.yml ``plugins.search.fields``) but never shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["CALCULATOR_KEYWORDS", "HYPHENATED", "shape_entries", "shape_page"]

# A word with a one- or two-letter part after a hyphen: anti-D, Gamunex-C, Rh-D. Only
# these are joined: their short part is what the split index loses; longer compounds
# ("ivig-in-itp" in a link) joined would match every query starting with their first word.
HYPHENATED = re.compile(r"\b[^\W_]{2,}-[^\W_]{1,2}\b(?!-)")
_TAG = re.compile(r"<[^>]+>")
# What a reader types looking for a calculator whose title says what it works out.
CALCULATOR_KEYWORDS = "calculator calculate"


def _words(text: str) -> str:
    return " " + re.sub(r"[^\w]+", " ", _TAG.sub(" ", text).casefold()) + " "


def _matches(phrase: str, text: str) -> bool:
    return _words(phrase) in text


def shape_entries(
    entries: Iterable[dict[str, Any]], synonyms: list[list[str]], calculators: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Entries in the same order, tags moved to ``keywords`` on each page's first entry
    and completed with synonyms and joined hyphenated terms found anywhere in the page;
    the section of each calculator id in ``calculators`` gets CALCULATOR_KEYWORDS."""
    calculator_ids = frozenset(calculators)
    pages: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        pages.setdefault(entry["location"].split("#", 1)[0], []).append(entry)
    return [shaped for page in pages.values() for shaped in shape_page(page, synonyms, calculator_ids)]


def shape_page(
    page: list[dict[str, Any]], synonyms: list[list[str]], calculator_ids: frozenset[str]
) -> list[dict[str, Any]]:
    """One page's entries shaped as :func:`shape_entries` says (copies: the input is
    kept as it was, so a preview can shape only the pages it re-rendered)."""
    page_entries = [dict(e) for e in page]
    for entry in page_entries:
        if entry["location"].partition("#")[2] in calculator_ids:
            entry["keywords"] = CALCULATOR_KEYWORDS
    tags: list[str] = []
    for entry in page_entries:
        tags.extend(t for t in entry.pop("tags", []) if t not in tags)
    whole = " ".join([*tags, *(f"{e.get('title', '')} {e.get('text', '')}" for e in page_entries)])
    words = _words(whole)
    keywords = list(tags)
    for entry in page_entries[1:]:
        if entry["location"].partition("#")[2] in calculator_ids:
            keywords.extend(w for w in [entry.get("title", ""), CALCULATOR_KEYWORDS] if w and w not in keywords)
    for group in synonyms:
        if any(_matches(member, words) for member in group):
            keywords.extend(m for m in group if m not in keywords)
    for hyphenated in HYPHENATED.findall(_TAG.sub(" ", whole)):
        joined = hyphenated.replace("-", "")
        if joined not in keywords:
            keywords.append(joined)
    if keywords and page_entries:
        page_entries[0]["keywords"] = " ".join(filter(None, [page_entries[0].get("keywords"), *keywords]))
    return page_entries
