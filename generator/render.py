"""Stage 4 — render: turn the validated :class:`Handbook` into Markdown files.

Jinja2 templates in ``theme/templates/`` format; this module only prepares what
they show (citation numbers, escaped text, navigation) and writes the result into
MkDocs' ``docs_dir``. Files whose bytes did not change are not rewritten, so their
mtimes stay put and a live preview only rebuilds what an edit touched.

Every author-written string reaches Markdown through one of two filters:
``text`` (escaped: shown exactly as written) or ``prose`` (a Markdown subset:
emphasis, code and http(s)/mailto/relative links; no HTML, no attribute lists,
no images, no block syntax). Autoescaping is on as a second line of defence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .calc.display import fmt_plain as fmt_computed
from .escape import abbreviation, md_prose, md_text
from .escape import attr as _attr
from .model import Reference, Topic
from .model.common import Cited
from .model.handbook import INDEX_PAGES
from .model.topic import NOT_COVERED_TEXT, Regimen
from .navigation import specialty_index_path, specialty_nav
from .present import (
    bind_units,
    figure_joint,
    fmt_band,
    fmt_figure_value,
    fmt_number,
    fmt_quantity,
    fmt_unit,
    house_words,
    one_unit_per_drug,
    template_environment,
)
from .project import THEME_DIR
from .validate import Handbook
from .workers import forks, map_in_order

__all__ = [
    "TEMPLATE_DIR",
    "Citations",
    "RenderOptions",
    "RenderResult",
    "forget_docs",
    "md_prose",
    "md_text",
    "render_handbook",
    "write_tree",
]

TEMPLATE_DIR = THEME_DIR / "templates"

# Clinical order of a topic page's sections (template block names).
SECTION_ORDER = (
    "decision_tables",
    "calculators",
    "indications",
    "regimens",
    "administration",
    "emergency",
    "special_populations",
    "contraindications",
    "cautions",
    "adverse_effects",
    "monitoring",
    "response",
    "predictors",
    "mechanism",
    "pitfalls",
)

# --------------------------------------------------------------------------- escaping
# Every escaping rule lives in generator/escape.py, one function per boundary.

# --------------------------------------------------------------------------- numbers
# Clinical numbers and units are formatted by generator/present.py, shared with
# the PDF, so a dose or a unit reads the same on the site and on paper.


def fmt_date(value: dt.date | None) -> str:
    return value.isoformat() if value else "never"


# --------------------------------------------------------------------------- citations


@dataclass
class Citations:
    """Numbers a topic's citations in the order a reader meets them and
    remembers each place that cites, for the back-links of the reference list."""

    references: dict[str, Reference]
    numbers: dict[str, int] = field(default_factory=dict)
    uses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __call__(self, cited: Cited | Iterable[str] | None) -> Markup:
        """One mark for a statement's references ("[1–4]", "[2, 5]"): one tap target that
        opens the list of those references (handbook.js), or without JavaScript goes to
        the first of them. Neighbouring single marks overlapped each other's tap area."""
        if cited is None:
            return Markup("")
        ids = list(dict.fromkeys(cited.cite if isinstance(cited, Cited) else cited))
        if not ids:
            return Markup("")
        numbers = [self.numbers.setdefault(ref_id, len(self.numbers) + 1) for ref_id in ids]
        anchor = f"cite-{numbers[0]}-{len(self.uses[ids[0]]) + 1}"
        for ref_id in ids:
            self.uses[ref_id].append(anchor)
        shown = cite_numbers(numbers)
        numbers = sorted(numbers)
        label = ("Reference " if len(numbers) == 1 else "References ") + _and_list([str(n) for n in numbers])
        title = f' title="{_attr(self.references[ids[0]].title)}"' if len(ids) == 1 else ""
        # data-search-exclude: "[1–4]" is noise in the search index.
        return Markup(
            f'<span class="hb-cites" data-search-exclude><a id="{anchor}" class="hb-cite" '
            f'href="#ref-{numbers[0]}" data-hb-refs="{" ".join(map(str, numbers))}"{title} '
            f'aria-label="{label}" aria-haspopup="dialog">[{shown}]</a></span>'
        )

    def secondary_only(self, cited: Cited) -> bool:
        """True when every source a statement cites is a secondary summary: the page
        says so next to the statement."""
        ids = [ref_id for ref_id in cited.cite if ref_id in self.references]
        return bool(ids) and all(self.references[i].type.value == "secondary-summary" for i in ids)

    def entries(self) -> list[tuple[int, Reference, list[str]]]:
        """(number, reference, citing anchors) in number order."""
        return [(n, self.references[ref_id], self.uses[ref_id]) for ref_id, n in self.numbers.items()]


def cite_numbers(numbers: list[int]) -> str:
    """Reference numbers as a reader scans them: runs of three or more as a range
    ("1–4, 6"), the rest listed ("2, 3")."""
    ordered = sorted(set(numbers))
    parts: list[str] = []
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            run = ordered[start:i]
            parts.extend([f"{run[0]}–{run[-1]}"] if len(run) >= 3 else [str(n) for n in run])
            start = i
    return ", ".join(parts)


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def reference_text(ref: Reference) -> Markup:
    """A reference in Vancouver-like order, escaped."""
    parts: list[str] = []
    if ref.authors:
        authors = list(ref.authors)
        shown = ", ".join(authors[:6]) + (", et al" if len(authors) > 6 else "")
        parts.append(f"{escape(shown)}.")
    parts.append(f"{escape(ref.title)}.")
    where = ref.journal or ref.publisher or ""
    detail = escape(where)
    if ref.year:
        detail += f" {ref.year}"
    if ref.volume:
        detail += escape(f";{ref.volume}")
        if ref.issue:
            detail += escape(f"({ref.issue})")
    if ref.pages:
        detail += escape(f":{ref.pages}")
    parts.append(f"<em>{detail}</em>.")
    return Markup(" ".join(parts))


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class RenderOptions:
    """What the render stage needs to know about the build around it."""

    pdf_href: str | None = None
    """Site-relative path of the pocket-guide PDF, when the build writes one."""
    build_date: dt.date | None = None
    """Date shown as "built on" (from SOURCE_DATE_EPOCH); None hides it."""
    calculator_specs: Callable[[Handbook, str], dict[str, Any]] | None = None
    """The compiled program of a calculator as JSON (generator.calc), when available."""
    weight_band_tables: Callable[..., list[Any]] | None = None
    """Weight-band tables for the <noscript> fallback (generator.calc.tables.weight_band_tables)."""
    weight_bands_kg: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    vectors_dir: Path | None = None
    """Folder of the shared calculator vectors (tests/vectors/), for the validation pages."""
    """Weight ranges (from, to, step kg) of the <noscript> tables by name (adult, neonatal),
    from theme/print/config.yaml."""


@dataclass
class RenderResult:
    """The Markdown tree of a handbook and the navigation over it."""

    files: dict[str, bytes]
    nav: list[Any]
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def topic_path(topic_id: str) -> str:
    return f"topics/{topic_id}.md"


def specialty_order(handbook: Handbook) -> list[str]:
    """Specialties in the order handbook.yaml gives, then the rest alphabetically."""
    present = {t.specialty for t in handbook.topics.values()}
    listed = [s for s in handbook.meta.specialties if s in present]
    return listed + sorted(present - set(listed), key=str.casefold)


def _template_stamp() -> tuple[tuple[str, int, int], ...]:
    return tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(TEMPLATE_DIR.rglob("*.j2")) if p.is_file()
    )


_ENVIRONMENTS: dict[tuple[Any, ...], jinja2.Environment] = {}


def _environment() -> jinja2.Environment:
    """One compiled environment per state of the template folder: a preview
    rebuild reuses the compiled templates, an edited template gets a new one."""
    stamp = _template_stamp()
    env = _ENVIRONMENTS.get(stamp)
    if env is None:
        _ENVIRONMENTS.clear()
        _TOPIC_CACHE.clear()  # pages rendered with the old templates are stale
        _INDEX_CACHE.clear()
        env = _ENVIRONMENTS[stamp] = _new_environment()
    return env


def _new_environment() -> jinja2.Environment:
    # Templates are checked once per build (_template_stamp), not on every
    # get_template call (a stat() per template per topic otherwise).
    env = template_environment(TEMPLATE_DIR, auto_reload=False)
    env.filters.update(
        text=_in_house_words(md_text),
        prose=_in_house_words(md_prose),
        attr=_attr,
        num=fmt_number,
        qty=_in_house_style(fmt_quantity),
        figure=_in_house_style(fmt_figure_value),
        figure_joint=figure_joint,
        unit=_in_house_style(fmt_unit),
        computed=fmt_computed,
        date=fmt_date,
        band=fmt_band,
        reference=reference_text,
        vials=fmt_vials,
        tojson_attr=lambda value: escape(json.dumps(value, sort_keys=True, ensure_ascii=False)),
    )
    env.globals.update(
        NOT_COVERED_TEXT=NOT_COVERED_TEXT,
        SECTION_ORDER=SECTION_ORDER,
        topic_path=topic_path,
        frequency=regimen_frequency,
        jump_links=jump_links,
        INDEX_PAGES=INDEX_PAGES,
        link_href=link_href,
        duration=regimen_duration,
    )
    return env


def _in_house_style(present: Callable[..., str]) -> Callable[..., str]:
    """A presenter as a Jinja filter that spells units in the handbook's notation
    (content/handbook.yaml ``notation``; the template context carries the handbook)."""

    @jinja2.pass_context
    def in_style(context: Any, value: Any, *args: Any) -> str:
        handbook = context.get("handbook")
        notation = handbook.meta.notation if handbook is not None else None
        if present is fmt_unit:
            return fmt_unit(value, *args, notation=notation)
        return present(value, notation)

    return in_style


def _in_house_words(escape_for_markdown: Callable[[Any], Markup]) -> Callable[..., Markup]:
    """A text filter that first spells micrograms in the handbook's notation (present.house_words,
    shared with the pocket guide), then escapes the author's words for Markdown, then binds
    each number to its unit (present.bind_units)."""

    @jinja2.pass_context
    def in_style(context: Any, value: Any) -> Markup:
        handbook = context.get("handbook")
        notation = handbook.meta.notation if handbook is not None else None
        # Bound after escaping: escaping folds every run of white space, U+00A0 included.
        return Markup(bind_units(escape_for_markdown(house_words(str(value), notation))))

    return in_style


def _front_matter(**fields: Any) -> str:
    # JSON is YAML: values are quoted and escaped without a YAML emitter.
    lines = ["---"]
    for key, value in fields.items():
        if value is not None:
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def _glossary_block(handbook: Handbook) -> str:
    # Python-Markdown's abbr extension: *[ITP]: immune thrombocytopenia. The
    # extension writes the title attribute through ElementTree, which escapes it.
    lines = [abbreviation(entry.abbr, entry.term) for entry in handbook.glossary.terms]
    lines = [line for line in lines if line is not None]  # refused by validation; never written
    return "\n" + "\n".join(lines) + "\n" if lines else ""


def link_href(target: str) -> str:
    """A decision cell's link (topic-id or topic-id#anchor) as a link between topic pages."""
    topic_id, _, anchor = target.partition("#")
    return f"{topic_id}.md" + (f"#{anchor}" if anchor else "")


def _calculator_views(handbook: Handbook, topic: Topic, options: RenderOptions) -> list[dict[str, Any]]:
    """The topic's calculators, decision calculators first: the reader grades the patient
    (what to do) before working out a dose."""
    views = []
    ordered = sorted(topic.calculators, key=lambda c: handbook.calculators[c].decision is None)
    for calc_id in ordered:
        calculator = handbook.calculators[calc_id]
        view: dict[str, Any] = {
            "id": calc_id,
            "title": calculator.title,
            "kind": "decision" if calculator.decision is not None else "dose",
            "program": None,
            "bands": [],
        }
        if options.calculator_specs is not None:
            spec = options.calculator_specs(handbook, calc_id)
            view["program"] = program_asset(calc_id, spec)[0]
            view["bands"] = _weight_band_tables(spec, topic, options, handbook)
        views.append(view)
    return views


PROGRAM_DIR = "assets/calculators"


def _embedded(handbook: Handbook, calc_id: str, options: RenderOptions) -> dict[str, Any]:
    """The program as pages embed it (build: generator.calc.program_json, which adds the
    unit spellings): the script written and the script a page names must be one file."""
    if options.calculator_specs is not None:
        return options.calculator_specs(handbook, calc_id)
    return handbook.programs[calc_id].to_json()


def program_asset(calc_id: str, spec: dict[str, Any]) -> tuple[str, str]:
    """(site path, text) of a calculator's compiled program as a classic script that
    every page showing the calculator shares (issue 20: not inlined, fetched once).
    A script rather than JSON, so it loads from file:// too; named by the hash of its
    program, so a browser never pairs a page with another edition's program.
    ASCII only: U+2028 in an author's text would end a line of JavaScript."""
    text = json.dumps(spec, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()[:16]
    script = f"(self.HB_CALCULATORS = self.HB_CALCULATORS || {{}})[{json.dumps(calc_id)}] = {text};\n"
    return f"{PROGRAM_DIR}/{calc_id}.{digest}.js", script


def _weight_band_tables(
    spec: dict[str, Any], topic: Topic, options: RenderOptions, handbook: Handbook
) -> list[dict[str, Any]]:
    """Precomputed tables for readers without JavaScript, one per regimen with the default
    product (the first offered, as in the pocket guide). Every number is computed by the
    calculator engine (generator.calc.tables); the weight ranges (presentation only) come
    from theme/print/config.yaml like the PDF's."""
    from .calc.tables import row_cells

    program = handbook.programs.get(spec.get("id", ""))
    if options.weight_band_tables is None or program is None or program.dose is None:
        return []
    tables = []
    for table in _band_tables(program, options, handbook):
        if table.rows:
            cells = [row_cells(program, table, row) for row in table.rows]
            tables.append({"table": table, "rows": cells})
    return tables


def _band_tables(program: Any, options: RenderOptions, handbook: Handbook) -> list[Any]:
    """A dose program's weight-band tables (computed once a build: calc.tables keeps them)."""
    from .present import neonatal_regimens

    assert options.weight_band_tables is not None
    ranges = dict.fromkeys(neonatal_regimens(handbook, program.topic), "neonatal")
    return options.weight_band_tables(program, options.weight_bands_kg, range_for=ranges)


def jump_links(topic: Topic, calculators: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(anchor, label) for the row of links under a topic's title: what a reader at the
    bedside jumps to, in page order (what to do by the count, the dose, emergency, monitoring)."""
    links = []
    for table in topic.decision_tables:
        measure = str(table.measure)
        # "Platelet count" -> "platelet count"; "CD4 count" stays as written.
        if measure[:2].istitle():
            measure = measure[:1].lower() + measure[1:]
        links.append((table.id, f"By {measure}"))
    for calc in calculators:
        # A decision calculator sits next to its table; it gets a link only without one.
        if calc["kind"] != "decision" or not topic.decision_tables:
            links.append((calc["id"], str(calc["title"])))
    if topic.emergency:
        links.append(("emergency", "Emergency"))
    if topic.monitoring:
        links.append(("monitoring", "Monitoring"))
    return links


def fmt_vials(vials: list[dict[str, Any]] | None) -> str:
    return " + ".join(f"{v['count']} × {fmt_number(v['size_g'])} g" for v in vials or [])


def render_topic(
    env: jinja2.Environment, handbook: Handbook, topic: Topic, options: RenderOptions, glossary: str | None = None
) -> str:
    """A topic's Markdown page. ``glossary`` is the abbreviation block (computed
    once per build by :func:`build_pages`)."""
    citations = Citations(handbook.references)
    calculators = _calculator_views(handbook, topic, options)
    topic = one_unit_per_drug(topic)  # as the pocket guide prints it: 0.4 g/kg, never 400 mg/kg beside it
    body = env.get_template("topic.md.j2").render(
        topic=topic,
        handbook=handbook,
        cite=citations,
        citations=citations,
        product_name=lambda product_id: handbook.products[product_id].name,
        regimens={r.id: r for r in topic.regimens},
        calculators=calculators,
        related=[handbook.topics[i] for i in topic.related if i in handbook.topics],
        status_label=_status_label,
    )
    # Aliases, drugs and tags go to the search index's "tags" field, which Material
    # boosts far above body text: "privigen" or "ivig" find the topic first.
    # Escaped here because the search results insert them as HTML.
    keywords = list(dict.fromkeys(str(_attr(k)) for k in (*topic.aliases, *topic.drugs, *topic.tags)))
    meta = _front_matter(
        title=str(_attr(topic.title)),
        description=str(_attr(house_words(topic.summary, handbook.meta.notation))),
        tags=keywords or None,
        hb_kind="topic",
        hb_status=topic.review.status.value,
        hb_programs=[view["program"] for view in calculators if view["program"]] or None,
    )
    return meta + body + (_glossary_block(handbook) if glossary is None else glossary)


# Rendered topic pages by what they depend on (see _topic_key): a live preview
# re-renders only the topics whose inputs changed. Replaced at every build, so it
# holds one handbook's pages at most.
_TOPIC_CACHE: dict[tuple[Any, ...], str] = {}


def _shared_key(handbook: Handbook, options: RenderOptions, glossary: str) -> tuple[Any, ...] | None:
    """What every topic page depends on besides its own topic: the shared content
    files (references, glossary, products, calculators, handbook.yaml) by digest,
    and the render options. None when a source has no digest (no caching)."""
    digests = []
    for key, located in sorted(handbook.sources.items()):
        if key.startswith("topics/"):
            continue
        digest = getattr(getattr(located, "loaded", None), "digest", "")
        if not digest:
            return None
        digests.append((key, digest))
    return (tuple(digests), repr(options), glossary)


def _topic_key(handbook: Handbook, topic: Topic, shared: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    located = handbook.sources.get(f"topics/{topic.id}")
    digest = getattr(getattr(located, "loaded", None), "digest", "")
    if shared is None or not digest:
        return None
    # Related topics show their title and summary; the ids are the (possibly
    # filtered, e.g. drafts excluded) list this build renders.
    related = tuple(
        (i, handbook.topics[i].title, handbook.topics[i].summary) for i in topic.related if i in handbook.topics
    )
    return (topic.id, digest, related, shared)


def _status_label(status: str) -> str:
    return {"under-review": "Under review"}.get(status, status.capitalize())


# Rendered index pages by (template, title, listing key): a preview rebuild after
# an edit that changes no listed field (a summary, a dose) reuses them. Replaced
# at every build.
_INDEX_CACHE: dict[tuple[Any, ...], str] = {}


def _listing_key(handbook: Handbook, shared: tuple[Any, ...] | None, recent: list[Topic]) -> tuple[Any, ...] | None:
    """Every topic field an index page shows or groups by (the index templates read
    nothing else of a topic), plus the summaries of the home page's recent topics
    and the shared sources. None (no caching) when the shared key is None."""
    if shared is None:
        return None
    listed = tuple(
        (
            t.id,
            t.title,
            t.review.status.value,
            t.specialty,
            tuple(t.drugs),
            tuple(t.calculators),
            t.review.last_updated,
            t.review.next_review_due,
        )
        for t in handbook.topics.values()
    )
    return (listed, tuple((t.id, t.summary) for t in recent[:5]), shared)


def _index_page(
    env: jinja2.Environment, name: str, title: str, *, key: tuple[Any, ...] | None = None, **context: Any
) -> str:
    # Index pages list titles and summaries that the topic pages already carry:
    # kept out of the search index so a topic is always its own best hit.
    full_key = (name, title, key) if key is not None else None
    page = _INDEX_CACHE.get(full_key) if full_key is not None else None
    if page is None:
        meta = _front_matter(title=str(_attr(title)), hb_kind="index", search={"exclude": True})
        page = meta + env.get_template(name).render(**context)
    if full_key is not None:
        _INDEX_CACHE_NEXT[full_key] = page
    return page


_INDEX_CACHE_NEXT: dict[tuple[Any, ...], str] = {}


GUIDE_PAGE = "authoring-guide.md"


def _guide_page() -> str:
    """The authoring guide the installed tool carries, as a page of the site (the About
    page links it): out of the search, which is for clinical questions."""
    from .project import GUIDE_FILE

    meta = _front_matter(title="Authoring guide", hb_kind="index", search={"exclude": True})
    return meta + GUIDE_FILE.read_text(encoding="utf-8")


def _validation_pages(handbook: Handbook, options: RenderOptions) -> dict[str, tuple[str, str]]:
    """path -> (nav title, Markdown) of each calculator's validation page (generator.calc)."""
    from .calc.validation import Outcome, python_results
    from .calc.validation_page import validation_page

    pages = {}
    for calc_id, program in handbook.programs.items():
        if options.vectors_dir is not None:
            outcome = python_results(program, options.vectors_dir / f"{calc_id}.json")
        else:
            outcome = Outcome(program.id, program.engine, program.digest(), problem="no shared vectors in this build")
        title = f"Validation: {program.title}"
        # The JavaScript engine re-runs the vectors in the reader's browser.
        scripts = None if outcome.problem else [program_asset(calc_id, _embedded(handbook, calc_id, options))[0]]
        meta = _front_matter(
            title=str(_attr(title)), hb_kind="validation", search={"exclude": True}, hb_programs=scripts
        )
        page = meta + validation_page(handbook, program, outcome)
        pages[f"calculators/{calc_id}-validation.md"] = (str(_attr(title)), page)
    return pages


def build_pages(handbook: Handbook, options: RenderOptions | None = None) -> RenderResult:
    """Every Markdown file of the site and the navigation, in memory."""
    options = options or RenderOptions()
    env = _environment()
    topics = list(handbook.topics.values())
    by_title = sorted(topics, key=lambda t: (t.title.casefold(), t.id))
    specialties = specialty_order(handbook)
    by_specialty = {s: [t for t in by_title if t.specialty == s] for s in specialties}
    drugs: dict[str, list[Topic]] = defaultdict(list)
    for topic in by_title:
        for drug in topic.drugs:
            drugs[drug].append(topic)
    letters: dict[str, list[Topic]] = defaultdict(list)
    for topic in by_title:
        first = topic.title[:1].upper()
        letters[first if first.isalpha() else "#"].append(topic)
    recent = sorted(topics, key=lambda t: (t.review.last_updated, t.id), reverse=True)
    calculator_uses = [
        (handbook.calculators[c], topic) for topic in by_title for c in topic.calculators if c in handbook.calculators
    ]
    glossary = _glossary_block(handbook)
    shared = _shared_key(handbook, options, glossary)
    listing = _listing_key(handbook, shared, recent)
    common = {
        "handbook": handbook,
        "meta": handbook.meta,
        "options": options,
        "status_label": _status_label,
        "key": listing,
    }
    _INDEX_CACHE_NEXT.clear()

    files: dict[str, str] = {}
    files["index.md"] = _index_page(
        env, "home.md.j2", handbook.meta.title, by_specialty=by_specialty, recent=recent[:5], **common
    )
    files["specialties.md"] = _index_page(
        env, "specialties.md.j2", "Topics by specialty", by_specialty=by_specialty, **common
    )
    files["a-z.md"] = _index_page(env, "a-z.md.j2", "A–Z index", letters=dict(sorted(letters.items())), **common)
    files["drugs.md"] = _index_page(
        env, "drugs.md.j2", "Drugs", drugs=dict(sorted(drugs.items(), key=lambda kv: kv[0].casefold())), **common
    )
    files["calculators.md"] = _index_page(env, "calculators.md.j2", "Calculators", uses=calculator_uses, **common)
    files["recent.md"] = _index_page(env, "recent.md.j2", "Recently updated", recent=recent, **common)
    files["glossary.md"] = _index_page(env, "glossary.md.j2", "Glossary", **common)
    files["about.md"] = _index_page(env, "about.md.j2", "About this handbook", **common)
    files[GUIDE_PAGE] = _guide_page()
    if handbook.hazards is not None:
        # Rendered whole each build: one page, and its key must not include the log.
        meta = _front_matter(title="Clinical safety", hb_kind="index", search={"exclude": True})
        files["clinical-safety.md"] = meta + env.get_template("clinical-safety.md.j2").render(log=handbook.hazards)
    group_size = handbook.meta.nav_group_size
    for specialty in specialties:
        if len(by_specialty[specialty]) > group_size:
            files[specialty_index_path(specialty)] = _index_page(
                env, "specialty.md.j2", specialty, specialty=specialty, topics=by_specialty[specialty], **common
            )

    _INDEX_CACHE.clear()
    _INDEX_CACHE.update(_INDEX_CACHE_NEXT)
    _INDEX_CACHE_NEXT.clear()
    keys = [_topic_key(handbook, topic, shared) for topic in topics]
    pages = [_TOPIC_CACHE.get(key) if key is not None else None for key in keys]
    stale = [topic for topic, page in zip(topics, pages, strict=True) if page is None]

    def render(topic: Topic) -> str:
        return render_topic(env, handbook, topic, options, glossary)

    # The first stale page is rendered here: it compiles the topic templates once,
    # before worker processes (a cold build, generator.workers) inherit them. So are the
    # dose tables: computed in the workers they were lost to this process, and the
    # preview's first edit to a page with a dose calculator paid for them (0.3 s).
    if options.weight_band_tables is not None and forks(len(stale) - 1):
        for program in handbook.programs.values():
            if program.dose is not None:
                _band_tables(program, options, handbook)
    fresh = iter([render(topic) for topic in stale[:1]] + map_in_order(render, stale[1:]))
    cache: dict[tuple[Any, ...], str] = {}
    for topic, key, page in zip(topics, keys, pages, strict=True):
        if page is None:
            page = next(fresh)
        if key is not None:
            cache[key] = page
        files[topic_path(topic.id)] = page
    _TOPIC_CACHE.clear()
    _TOPIC_CACHE.update(cache)

    def entry(topic: Topic) -> dict[str, str]:
        return {str(_attr(topic.title)): topic_path(topic.id)}

    validation = _validation_pages(handbook, options)
    files.update({path: page for path, (_, page) in validation.items()})
    # Every program has a validation page, so every program gets its script.
    files.update(program_asset(calc_id, _embedded(handbook, calc_id, options)) for calc_id in handbook.programs)
    nav: list[Any] = [{"Home": "index.md"}]
    for specialty in specialties:
        nav.append({str(_attr(specialty)): specialty_nav(specialty, by_specialty[specialty], group_size, entry)})
    nav.append(
        {
            "Indexes": [
                {"By specialty": "specialties.md"},
                {"A–Z": "a-z.md"},
                {"Drugs": "drugs.md"},
                {
                    "Calculators": [{"All calculators": "calculators.md"}]
                    + [{title: path} for path, (title, _) in validation.items()]
                },
                {"Recently updated": "recent.md"},
                {"Glossary": "glossary.md"},
            ]
        }
    )
    if handbook.hazards is not None:
        nav.append({"Clinical safety": "clinical-safety.md"})
    nav.append({"About": [{"About this handbook": "about.md"}, {"Authoring guide": GUIDE_PAGE}]})
    return RenderResult(files=_encoded(files), nav=nav)


_ENCODED: dict[str, bytes] = {}
"""Each page's text as last encoded: a page that did not change (the same text, most
often the same object, from the page caches above) is not encoded again (at 2,000
topics encoding every page was a tenth of a second of each preview rebuild)."""


def _encoded(files: dict[str, str]) -> dict[str, bytes]:
    kept: dict[str, bytes] = {}
    out: dict[str, bytes] = {}
    for path, text in sorted(files.items()):
        data = _ENCODED.get(text)
        out[path] = kept[text] = data if data is not None else text.encode("utf-8")
    _ENCODED.clear()  # this build's pages only: memory stays flat
    _ENCODED.update(kept)
    return out


# --------------------------------------------------------------------------- writing


# Per docs folder: (mtime, size, hash of bytes) of each file as write_tree last left it.
_WRITTEN: dict[str, dict[str, tuple[int, int, int]]] = {}


def write_tree(docs_dir: Path, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Make ``docs_dir`` hold exactly ``files``: write only what changed (atomically,
    file by file), delete what is no longer generated. Dotfiles are left alone
    (``.gitkeep`` keeps the folder in git so plain ``mkdocs build`` finds it).
    Returns (written, removed) relative paths."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    root = str(docs_dir)
    written: list[str] = []
    previous = _WRITTEN.get(root, {})
    now: dict[str, tuple[int, int, int]] = {}
    folders: set[str] = set()
    for rel, data in files.items():
        path = os.path.join(root, rel)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            folder = os.path.dirname(path)
            if folder not in folders:
                os.makedirs(folder, exist_ok=True)
                folders.add(folder)
            try:
                # A new file: nothing reads it yet (MkDocs runs after this), so it is
                # written in place; a partial file left by a crash differs from what
                # the next run generates, which then replaces it.
                with open(path, "xb") as handle:
                    handle.write(data)
            except FileExistsError:  # appeared meanwhile: replace it atomically
                _replace(path, data)
        else:
            # What this process last saw in the file, with its stamp unchanged and
            # the same bytes to write: skip reading it back (2,000 reads per preview).
            seen = previous.get(rel)
            stamp = (info.st_mtime_ns, info.st_size, hash(data))
            if seen == stamp or (info.st_size == len(data) and _read(path) == data):
                now[rel] = stamp
                continue
            _replace(path, data)
        written.append(rel)
        info = os.stat(path)
        now[rel] = (info.st_mtime_ns, info.st_size, hash(data))
    _WRITTEN[root] = now
    removed: list[str] = []
    for rel in sorted(_tree(root)):
        if rel not in files and not any(p.startswith(".") for p in rel.split("/")):
            os.unlink(os.path.join(root, rel))
            removed.append(rel)
    for folder in sorted((entry[0] for entry in os.walk(root)), reverse=True):
        if folder != root and not os.listdir(folder):  # deepest first: nested empty folders go too
            os.rmdir(folder)
    return written, removed


def forget_docs(docs_dir: Path) -> None:
    """Drop what :func:`write_tree` remembers of a docs folder that is gone (a
    build's private folder): memory stays flat over many builds."""
    _WRITTEN.pop(str(docs_dir), None)


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _replace(path: str, data: bytes) -> None:
    """Write ``path`` atomically: a reader sees the old bytes or the new, never half."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=os.path.splitext(path)[1])
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _tree(root: str) -> Iterator[str]:
    """Relative paths (with "/") of every file under ``root``."""
    for folder, _subfolders, names in os.walk(root):
        prefix = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in names:
            yield name if prefix == "." else f"{prefix}/{name}"


def render_handbook(handbook: Handbook, docs_dir: Path, options: RenderOptions | None = None) -> RenderResult:
    """Render every page and bring ``docs_dir`` up to date."""
    result = build_pages(handbook, options)
    result.written, result.removed = write_tree(Path(docs_dir), result.files)
    return result


def regimen_frequency(regimen: Regimen) -> str:
    return {"once": "once", "daily": "daily", "twice-daily": "twice daily", "weekly": "weekly"}[regimen.frequency]


def regimen_duration(regimen: Regimen) -> str:
    """The Days column: days for daily doses, weeks for weekly ones, or "continuing"."""
    if regimen.days is not None:
        return str(regimen.days)
    if regimen.weeks is not None:
        return f"{regimen.weeks} weeks"
    return "continuing"
