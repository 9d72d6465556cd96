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

__all__ = ["IndexChoices", "IndexEntry", "IndexTerm", "anchor_terms", "headword", "index_terms", "variant_key"]

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
    extra: bool = False
    """A further place the print config gives (index.also): listed beside the term's own
    place in the same topic, not instead of it."""


@dataclass
class IndexEntry:
    """One line of the back-of-book index: a term and the anchors of its pages, in print order."""

    label: str
    note: str = ""
    targets: list[tuple[str, str]] = field(default_factory=list)
    """(anchor, topic title) pairs in print order."""
    see: str = ""
    """For a line that only sends the reader on ("four Ts, see 4Ts"): the headword to look up."""


@dataclass(frozen=True)
class IndexChoices:
    """The editor's choices for the index (theme/print/config.yaml ``index``); none clinical."""

    merge: dict[str, str] = field(default_factory=dict)
    """A term -> the headword it is printed under (its pages join the headword's)."""
    see: dict[str, str] = field(default_factory=dict)
    """A line that sends the reader to a headword ("four Ts" -> "4Ts")."""
    drop: frozenset[str] = frozenset()
    """Terms of no use to a reader of this guide (lower case)."""
    also: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """A headword -> further places: "quick-reference", "topic:ID", "section:ID#section",
    "table:ID#regimen or kind", "text:ID#words" (the words' first place in that topic)."""
    add: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Terms no field of the content names, indexed where a topic prints them: term -> topic ids."""


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


def index_terms(
    handbook: Any,
    printed: list[dict[str, Any]],
    table_anchor: Any,
    anchor: Any,
    choices: IndexChoices | None = None,
) -> list[IndexTerm]:
    """Every term the index lists, topic by topic in print order (see the module docstring),
    less the terms ``choices`` drops, plus the places and terms it adds."""
    choices = choices or IndexChoices()
    terms = _content_terms(handbook, printed, table_anchor, anchor)
    for term, topics in choices.add.items():
        terms += [IndexTerm(term, tid, search=term) for tid in topics if any(p["topic"].id == tid for p in printed)]
    terms += _places(choices, printed, table_anchor, anchor)
    return [t for t in terms if t.label.casefold() not in choices.drop]


def _places(
    choices: IndexChoices, printed: list[dict[str, Any]], table_anchor: Any, anchor: Any
) -> list[IndexTerm]:
    """The further places of ``choices.also`` as terms; a place in a topic not printed is skipped."""
    topics = {p["topic"].id: p for p in printed}
    out = []
    for label, places in choices.also.items():
        for place in places:
            kind, _, where = place.partition(":")
            tid, _, part = where.partition("#")
            if kind == "quick-reference":
                out.append(IndexTerm(label, None, fixed="quick-reference", extra=True))
            elif tid not in topics:
                continue
            elif kind == "topic":
                out.append(IndexTerm(label, tid, fixed=anchor(tid), extra=True))
            elif kind == "section":
                out.append(IndexTerm(label, tid, fixed=anchor(tid, part) + "-h", extra=True))
            elif kind == "table":
                for table in topics[tid]["tables"]:
                    if part in (table.get("regimen_id"), table["kind"]):
                        out.append(IndexTerm(label, tid, fixed=table_anchor(tid, table), extra=True))
                        break
            elif kind == "text":
                out.append(IndexTerm(label, tid, search=part, extra=True))
            else:
                raise ValueError(f"index.also: unknown place '{place}' (expected quick-reference, topic:, ...)")
    return out


def _content_terms(handbook: Any, printed: list[dict[str, Any]], table_anchor: Any, anchor: Any) -> list[IndexTerm]:
    """The terms the content names: titles, aliases, drugs, tags, headings, tables, abbreviations."""
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


# Where a term is the subject of what follows: a section or population heading, the bold
# lead-in of a caution or a rule ("**Adjusted body weight**: ..."), a definition term; then
# a table's title (not its notes). An index entry points there before any passing mention:
# "thrombosis" at the IVIG cautions, not in a rate table's caption (print review 3, finding 9).
_HEADINGS = (
    re.compile(r"<(h2|h3|dt)\b[^>]*>.*?</\1>|<(?:li|p)\b[^>]*>\s*<strong>.*?</strong>", re.S),
    re.compile(r"<caption\b[^>]*>.*?(?=<span class=\"caption-note|</caption>)", re.S),
)


def _find_heading(article: str, pattern: re.Pattern[str], lo: int, hi: int) -> tuple[int, int] | None:
    """The first heading (of the first kind that has one) in article[lo:hi] naming the term."""
    for kind in _HEADINGS:
        for heading in kind.finditer(article, lo, hi):
            where = _find(article, pattern, heading.start(), heading.end())
            if where is not None:
                return where
    return None


def _anchor_article(article: str, terms: list[IndexTerm], next_id: Any) -> tuple[str, dict[int, str]]:
    """The article with a span id around the place of each term; term number -> anchor."""
    body, end = _regions(article)
    spans: list[tuple[int, int, str]] = []  # accepted, never overlapping
    placed: dict[int, str] = {}
    for number, term in enumerate(terms):
        if term.fixed is not None:
            placed[number] = term.fixed
            continue
        pattern = _pattern(term.search or term.label)
        # A term in the topic's title: the topic is about it, the title is its place.
        # Otherwise a heading naming it, its first mention in the sections, then (not for
        # abbreviations) the keyword line.
        where = _find(article, pattern, 0, max(article.find("</h1>"), 0))
        where = where or _find_heading(article, pattern, body, end)
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
    html: str, terms: list[IndexTerm], titles: dict[str, str], choices: IndexChoices | None = None
) -> tuple[str, list[tuple[str, list[IndexEntry]]]]:
    """The document with the index anchors in place, and the index grouped by initial letter."""
    choices = choices or IndexChoices()
    by_topic: dict[str | None, list[IndexTerm]] = {}
    for term in terms:
        by_topic.setdefault(term.topic_id, []).append(term)
    entries: dict[str, IndexEntry] = {}
    counter = iter(range(1_000_000_000))

    merge = {variant_key(variant): head for variant, head in choices.merge.items()}

    def add(term: IndexTerm, anchor_id: str) -> None:
        label = merge.get(variant_key(term.label), term.label)
        merged = label != term.label  # the headword's own note, not the merged term's
        entry = entries.setdefault(variant_key(label), IndexEntry(label))
        if label not in choices.merge.values():
            entry.label = _preferred(entry.label, label)
        entry.note = entry.note or ("" if merged else term.note)
        title = titles.get(term.topic_id or "", "")
        # One page reference per topic and entry (the term's place in that topic), and the
        # further places the print config gives.
        if any(t == anchor_id for t, _ in entry.targets):
            return
        if term.extra or not title or all(other != title for _, other in entry.targets):
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
    document = "".join(out)
    # Page lists in print order: the further places may stand before a term's own.
    for entry in entries.values():
        entry.targets.sort(key=lambda target: document.find(f'id="{target[0]}"'))
    headwords = {e.label for e in entries.values() if e.targets}
    for label, headword in choices.see.items():
        own = entries.get(variant_key(label))
        if headword in headwords and (own is None or not own.targets):
            entries[variant_key(label)] = IndexEntry(label, see=headword)
    ordered = sorted(entries.values(), key=lambda e: (e.label.casefold(), e.note.casefold()))
    groups: dict[str, list[IndexEntry]] = {}
    for item in ordered:
        initial = item.label[:1].upper()
        groups.setdefault(initial if initial.isalpha() else "#", []).append(item)
    return document, sorted(groups.items(), key=lambda kv: (kv[0] == "#", kv[0]))
