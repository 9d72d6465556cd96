"""Print stage, part 3: the pocket guide's back-of-book index, anchored at the term.

An index entry must send the reader to the page where its term stands, not to the start
of the topic (print review F29: "Newborns 15" was on 16). So the index is made in two
steps around the template render:

1. :func:`index_terms` lists, for each printed topic, the terms to index (topic titles,
   aliases, drugs, tags, special-population and caution headings, glossary
   abbreviations) and the printed tables (dose tables, dosing-weight look-up, infusion
   rates), contraindications and the quick reference;
2. :func:`anchor_terms` finds each term's first occurrence in its topic's printed HTML
   (the title first, then the sections, then the keyword line; never the references or
   the review line, where "AI" or "US" are no subject),
   wraps it in a ``<span id>``, and returns
   the index grouped by initial, each entry's anchors in print order, so that the page
   list reads in ascending order. A term that is not printed in a topic is not indexed there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["IndexEntry", "IndexTerm", "anchor_terms", "headword", "index_terms", "variant_key"]

_TAG = re.compile(r"(<[^>]*>)")
_ARTICLE = re.compile(r'<article class="topic[^"]*">.*?</article>', re.S)
_TOPIC_ID = re.compile(r'<h1 class="topic-title" id="t-([^"]+)"')


@dataclass(frozen=True)
class IndexTerm:
    """One term to index in one topic: found in the text (``fixed`` None) or at a fixed anchor."""

    label: str
    topic_id: str | None
    note: str = ""
    fixed: str | None = None
    """Anchor of the element that is the term (a topic heading, a table), or None: search the text."""
    search: str | None = None
    """Text to search for when it differs from the label (the label is lower-cased)."""
    body_only: bool = False
    """Glossary abbreviations: only where the topic's sections use them, not its keyword line."""


@dataclass
class IndexEntry:
    """One line of the back-of-book index: a term and the anchors of its pages, in print order."""

    label: str
    note: str = ""
    targets: list[tuple[str, str]] = field(default_factory=list)
    """(anchor, topic title) pairs in print order."""


def headword(label: str, keep: set[str] | frozenset[str] = frozenset()) -> str:
    """Index headwords in lower case ("newborns", "anti-D immunoglobulin"), except names
    (``keep``: product names) and words whose second letter is a capital (ITP, IgA, TPO-RAs)."""
    first = label.split(" ", 1)[0]
    if label in keep or first in keep or len(first) < 2 or not first[1:2].islower() or not first[:1].isupper():
        return label
    return label[:1].lower() + label[1:]


# US spellings the sources use beside the handbook's UK ones: one index line for both.
_UK = (("hemorrh", "haemorrh"), ("hemato", "haemato"), ("hemoly", "haemoly"), ("anemi", "anaemi"), ("edema", "oedema"))


def variant_key(label: str) -> str:
    """One key for a term's spellings: "anti D" and "anti-D", "Cockcroft Gault" and
    "Cockcroft-Gault", "hemorrhage" and "haemorrhage", "TPO-RAs" and "TPO-RA" (print review
    F29: each printed as its own line)."""
    key = re.sub(r"(?<=[A-Z])s\b", "", label).casefold()
    for us, uk in _UK:
        key = key.replace(us, uk)
    return " ".join(re.sub(r"[-‐‑–]", " ", key).split())


def _preferred(one: str, other: str) -> str:
    """The label an index line prints for two spellings of a term: the UK spelling, then the
    hyphenated compound ("anti-D", "Cockcroft-Gault"), then the singular."""

    def rank(label: str) -> tuple[int, int, int]:
        us = sum(label.casefold().count(us) - label.casefold().count(uk) for us, uk in _UK)
        return (us, -label.count("-"), len(label))

    return min(one, other, key=rank)


def index_terms(handbook: Any, printed: list[dict[str, Any]], table_anchor: Any, anchor: Any) -> list[IndexTerm]:
    """Every term the index lists, topic by topic in print order (see the module docstring)."""
    names = {p.name for p in handbook.products.values()}
    terms: list[IndexTerm] = []
    for item in printed:
        topic = item["topic"]
        tid = topic.id
        terms.append(IndexTerm(topic.title, tid, fixed=anchor(tid)))
        for alias in topic.aliases:
            terms.append(IndexTerm(alias, tid))
        for drug in dict.fromkeys([*topic.drugs, *(r.drug for r in topic.regimens)]):
            terms.append(IndexTerm(headword(drug, names), tid, search=drug))
        for text in [*topic.tags, *(g.title for g in topic.special_populations)]:
            terms.append(IndexTerm(headword(text, names), tid, search=text))
        for caution in getattr(topic, "cautions", []):
            if caution.title:
                terms.append(IndexTerm(headword(caution.title, names), tid, search=caution.title))
        if getattr(topic, "contraindications", None):
            terms.append(IndexTerm("contraindications", tid, fixed=anchor(tid, "contraindications") + "-h"))
        for table in item["tables"]:
            label = {
                "weight-band": f"dose table, {headword(table.get('short_title', ''), names)}",
                "dosing-weight": "dosing weight look-up (BMI)",
                "infusion": "infusion rates",
            }[table["kind"]]
            terms.append(IndexTerm(label, tid, fixed=table_anchor(tid, table)))
    for term in handbook.glossary.terms:
        for item in printed:
            terms.append(IndexTerm(term.abbr, item["topic"].id, note=term.term, body_only=True))
    return terms


def _pattern(text: str) -> re.Pattern[str]:
    # Abbreviations match as written (AI is not "ai"); words in any case ("Newborns", "newborns").
    flags = 0 if any(c.isupper() for c in text[1:]) or text.isupper() else re.IGNORECASE
    spaced = r"\s+".join(re.escape(word) for word in text.split())
    return re.compile(rf"(?<![\w-]){spaced}(?![\w-])", flags)


def _regions(article: str) -> tuple[int, int]:
    """(start, end) of the topic's sections in the article: after the heading block, before
    the references and the review line."""
    body = article.find('<section class="sec')
    body = body if body >= 0 else len(article)
    ends = [i for i in (article.find('<section class="sec refs"'), article.find('<p class="review-line"')) if i >= 0]
    return body, min(ends, default=len(article))


def _find(article: str, pattern: re.Pattern[str], lo: int, hi: int) -> tuple[int, int] | None:
    """Offsets of the first match of ``pattern`` in the text (not the tags) of article[lo:hi]."""
    position = lo
    for part in _TAG.split(article[lo:hi]):
        if not part.startswith("<"):
            match = pattern.search(part)
            if match:
                return position + match.start(), position + match.end()
        position += len(part)
    return None


def _anchor_article(article: str, terms: list[IndexTerm], next_id: Any) -> tuple[str, dict[int, str]]:
    """The article with a span id around the first occurrence of each term; term number -> anchor."""
    body, end = _regions(article)
    spans: list[tuple[int, int, str]] = []  # accepted, never overlapping
    placed: dict[int, str] = {}
    for number, term in enumerate(terms):
        if term.fixed is not None:
            placed[number] = term.fixed
            continue
        pattern = _pattern(term.search or term.label)
        # A term in the topic's title: the topic is about it, the title is its place.
        # Otherwise the sections, then (not for abbreviations) the keyword line.
        where = _find(article, pattern, 0, max(article.find("</h1>"), 0))
        where = where or _find(article, pattern, body, end)
        if where is None and not term.body_only:
            where = _find(article, pattern, 0, body)
        if where is None:
            continue  # not printed in this topic: not indexed here
        # A term inside (or across) one already anchored ("ITP" in "ITP associated with HIV")
        # shares its anchor, the span grown to hold both: spans may not overlap. Both are in
        # one text node (they overlap), so the span still wraps text only.
        inside = [span for span in spans if span[0] < where[1] and where[0] < span[1]]
        if not inside:
            spans.append((where[0], where[1], next_id()))
            placed[number] = spans[-1][2]
            continue
        keep = inside[0][2]
        merged = (min([where[0]] + [sp[0] for sp in inside]), max([where[1]] + [sp[1] for sp in inside]), keep)
        gone = {sp[2] for sp in inside} - {keep}
        spans = [sp for sp in spans if sp not in inside] + [merged]
        placed = {n: (keep if a in gone else a) for n, a in placed.items()}
        placed[number] = keep
    for start, stop, anchor_id in sorted(spans, reverse=True):
        article = f'{article[:start]}<span class="ix" id="{anchor_id}">{article[start:stop]}</span>{article[stop:]}'
    return article, placed


def anchor_terms(
    html: str, terms: list[IndexTerm], titles: dict[str, str]
) -> tuple[str, list[tuple[str, list[IndexEntry]]]]:
    """The document with the index anchors in place, and the index grouped by initial letter."""
    by_topic: dict[str | None, list[IndexTerm]] = {}
    for term in terms:
        by_topic.setdefault(term.topic_id, []).append(term)
    entries: dict[str, IndexEntry] = {}
    counter = iter(range(1_000_000_000))

    def add(term: IndexTerm, anchor_id: str) -> None:
        entry = entries.setdefault(variant_key(term.label), IndexEntry(term.label, term.note))
        entry.label = _preferred(entry.label, term.label)
        entry.note = entry.note or term.note
        title = titles.get(term.topic_id or "", "")
        # One page reference per topic and entry: the term's first place in that topic.
        if all(t != anchor_id and (not title or other != title) for t, other in entry.targets):
            entry.targets.append((anchor_id, title))

    for term in by_topic.get(None, []):
        if term.fixed is not None:
            add(term, term.fixed)
    out: list[str] = []
    last = 0
    for match in _ARTICLE.finditer(html):
        topic = _TOPIC_ID.search(match.group(0))
        own = by_topic.get(topic.group(1) if topic else None, []) if topic else []
        article, placed = _anchor_article(match.group(0), own, lambda: f"ix-{next(counter)}")
        out += [html[last : match.start()], article]
        last = match.end()
        for number, anchor_id in placed.items():
            add(own[number], anchor_id)
    out.append(html[last:])
    ordered = sorted(entries.values(), key=lambda e: (e.label.casefold(), e.note.casefold()))
    groups: dict[str, list[IndexEntry]] = {}
    for item in ordered:
        initial = item.label[:1].upper()
        groups.setdefault(initial if initial.isalpha() else "#", []).append(item)
    return "".join(out), sorted(groups.items(), key=lambda kv: (kv[0] == "#", kv[0]))
