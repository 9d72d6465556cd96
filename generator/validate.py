"""Stage 2 — validate: turn loaded YAML into one typed :class:`Handbook`.

Every file is parsed into its model, then checked against the others
(references, topics, products, calculators). All problems of all files are
collected in one :class:`Report`; a handbook is returned only when there are none.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import types
import typing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import ContentError, Report, format_loc
from .limits import source_date_epoch
from .load import LoadedFile, Loc, load_yaml_file, load_yaml_files
from .model import (
    GlossaryFile,
    HandbookMeta,
    Product,
    ProductsFile,
    Reference,
    ReferencesFile,
    Topic,
)
from .model.calculator import Calculator, FormulaLibrary
from .model.common import Model, Problems
from .model.handbook import INDEX_PAGES
from .model.safety import HazardLog

__all__ = ["Handbook", "Located", "load_handbook", "today", "validate_content"]

TOPIC_DIR = "topics"
CALCULATOR_DIR = "calculators"
FORMULAS_FILE = "formulas.yaml"
# The hazard log is optional while drafting; a release refuses a handbook without one.
HAZARD_LOG = Path("safety") / "hazards.yaml"


def today() -> dt.date:
    """The date reviews are judged against: SOURCE_DATE_EPOCH when set, so
    builds are reproducible, else the current date."""
    epoch = source_date_epoch()
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).date()
    return dt.date.today()


@dataclass(frozen=True)
class Located:
    """A model with the file it came from and where each of its fields is."""

    path: str
    loaded: LoadedFile

    def at(self, *loc: str | int, key: bool = False) -> tuple[int, int]:
        return self.loaded.source.locate(loc, key=key)


@dataclass
class Handbook:
    """Everything in content/, checked. The only input of the later stages."""

    root: Path
    meta: HandbookMeta
    topics: dict[str, Topic]
    references: dict[str, Reference]
    glossary: GlossaryFile
    products: dict[str, Product]
    calculators: dict[str, Calculator]
    hazards: HazardLog | None = None
    """The clinical hazard log (content/safety/hazards.yaml), when there is one."""
    sources: dict[str, Located] = field(default_factory=dict)
    formulas: FormulaLibrary | None = None
    """content/formulas.yaml: the formula library and display rules (needed when there are calculators)."""
    programs: dict[str, Any] = field(default_factory=dict)
    """Compiled calculator programs (generator.calc.program.Program) by calculator id."""
    """Where each file came from, keyed by "topics/<id>", "calculators/<id>", "references"..."""
    warnings: list[str] = field(default_factory=list)
    unfinished_drafts: dict[str, str] = field(default_factory=dict)
    """Draft topics left out because they do not validate yet (``skip_unfinished_drafts``):
    topic id -> the file and how many errors it has."""


# --------------------------------------------------------------------------- messages


def _unwrap(annotation: Any) -> Any:
    """The model class behind list[X], X | None, Annotated[X, ...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (list, tuple, set, frozenset, dict):
            args = typing.get_args(annotation)
            annotation = args[-1] if args else Any
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else Any
        else:
            return annotation


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _got(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value) if len(value) < 60 else repr(value[:57] + "...")
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)


def _enum_choices(model: type[BaseModel] | None, name: str) -> str | None:
    if model is None or name not in model.model_fields:
        return None
    target = _unwrap(model.model_fields[name].annotation)
    if isinstance(target, type) and issubclass(target, Enum):
        return ", ".join(str(m.value) for m in target)
    return None


def _messages(error: Any, root_model: type[BaseModel]) -> list[tuple[Loc, str, bool]]:
    """Turn one pydantic error into [(location, message, points-at-key)]."""
    loc: Loc = tuple(error["loc"])
    raised = (error.get("ctx") or {}).get("error")
    if isinstance(raised, Problems):
        return [((*loc, *sub), message, False) for sub, message in raised.problems]
    return [_message(error, root_model)]


def _message(error: Any, root_model: type[BaseModel]) -> tuple[Loc, str, bool]:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = _got(value)
    if kind == "extra_forbidden":
        parent = _model_at(root_model, loc[:-1])
        name = str(loc[-1])
        hint = ""
        if parent is not None:
            close = difflib.get_close_matches(name, list(parent.model_fields), n=1, cutoff=0.6)
            if close:
                hint = f" (did you mean '{close[0]}'?)"
            allowed = ", ".join(parent.model_fields)
            return loc, f"unknown field '{name}'{hint}; expected one of: {allowed}", True
        return loc, f"unknown field '{name}'", True
    if kind == "missing":
        return loc, "required field is missing", False
    if kind == "enum":
        choices = _enum_choices(_model_at(root_model, loc[:-1]), str(loc[-1])) or ctx.get("expected", "")
        return loc, f"unknown value (expected one of {choices}; got {got})", False
    if kind == "literal_error":
        return loc, f"unknown value (expected one of {ctx.get('expected')}; got {got})", False
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": "greater than",
            "greater_than_equal": "at least",
            "less_than": "less than",
            "less_than_equal": "at most",
        }[kind]
        bound = next(iter(ctx.values()))
        bound_text = f"{bound:g}" if isinstance(bound, float) else str(bound)
        return loc, f"must be {words} {bound_text} (got {got})", False
    if kind == "string_pattern_mismatch":
        return loc, f"does not match the expected form {ctx.get('pattern')} (got {got})", False
    if kind in ("too_short", "string_too_short"):
        return loc, f"must not be empty (got {got})", False
    if kind == "model_type" or kind == "dict_type":
        return loc, f"expected a mapping of fields, got {got}", False
    if kind == "list_type":
        return loc, f"expected a list, got {got}", False
    if kind == "finite_number":
        return loc, f"expected a finite number, got {got}", False
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        expected = "a whole number" if kind.startswith("int") else "a number"
        return loc, f"expected {expected}, got {got}", False
    if kind == "string_type":
        return loc, f"expected text, got {got}", False
    if kind in ("bool_parsing", "bool_type"):
        return loc, f"expected true or false, got {got}", False
    if kind.startswith("date") or kind.startswith("datetime"):
        return loc, f"expected a date as YYYY-MM-DD, got {got}", False
    if kind.startswith("url"):
        return loc, f"expected a web address, got {got}", False
    if kind == "value_error":
        return loc, str(ctx.get("error", error["msg"])), False
    return loc, f"{error['msg']} (got {got})", False


# Models parsed without error, by model and file digest. A model depends only on its
# file's text (cross-file checks run afterwards, every time), so a live preview
# re-validates only the files an editor changed. Models are frozen: sharing is safe.
_PARSED: dict[tuple[type[Model], str], Any] = {}
_PARSED_LIMIT = 50_000


def _parse(model: type[Model], loaded: LoadedFile, report: Report) -> Any:
    key = (model, loaded.digest)
    if loaded.digest and not loaded.reported and key in _PARSED:
        return _PARSED[key]
    try:
        parsed = model.model_validate(loaded.data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            for loc, message, at_key in _messages(error, model):
                if any(loc[: len(done)] == done for done in loaded.reported):
                    continue  # the loader already said what is wrong here
                line, col = loaded.source.locate(loc, key=at_key)
                report.error(loaded.path, line, col, format_loc(loc), message)
        return None
    if loaded.digest and not loaded.reported and len(_PARSED) < _PARSED_LIMIT:
        _PARSED[key] = parsed
    return parsed


# --------------------------------------------------------------------------- discovery


def _display(path: Path) -> str:
    return _display_cached(str(path), os.getcwd())


@functools.lru_cache(maxsize=65_536)
def _display_cached(path: str, cwd: str) -> str:
    """The path as editors see it in messages: relative to the current folder when
    inside it. Cached: resolving every file again on each preview rebuild is slow."""
    try:
        return str(Path(path).resolve().relative_to(Path(cwd).resolve()))
    except ValueError:
        return path


def _file_cites(loaded: LoadedFile) -> list[tuple[Loc, Any]]:
    """Every citation of a file (see _raw_cites), remembered per file text."""
    if not loaded.digest or loaded.reported:
        return list(_raw_cites(loaded.data, ()))
    cites = _CITES.get(loaded.digest)
    if cites is None:
        cites = list(_raw_cites(loaded.data, ()))
        if len(_CITES) < _PARSED_LIMIT:
            _CITES[loaded.digest] = cites
    return cites


_CITES: dict[str, list[tuple[Loc, Any]]] = {}


def _load(path: Path, report: Report) -> LoadedFile | None:
    if not path.is_file() and not path.is_symlink():
        report.error(_display(path), 1, 1, "<file>", "file is missing (expected it in the content folder)")
        return None
    loaded = load_yaml_file(path, report, display=_display(path), root=path.parent)
    return loaded if loaded.ok else None


def _load_folder(paths: list[Path], report: Report, root: Path) -> list[LoadedFile | None]:
    """The files of one content folder (topics, calculators), all at once: a cold
    build parses them in worker processes (generator.load)."""
    folder = _display(paths[0].parent) if paths else ""
    loaded = load_yaml_files([(path, str(Path(folder, path.name))) for path in paths], report, root=root)
    return [file if file.ok else None for file in loaded]


# --------------------------------------------------------------------------- checks


def _raw_cites(data: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    """Every entry of every ``cite:`` list in raw YAML data, with its location.
    Works on data that failed its model, so dangling citations are reported in the
    same run as any other error of the file."""
    # Only mappings and lists are descended into: most values are text, and a
    # generator per text value was most of this walk's cost.
    if isinstance(data, dict):
        items: Iterable[tuple[Any, Any]] = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return
    for key, value in items:
        if isinstance(value, list):
            if key == "cite" and isinstance(data, dict):
                for j, ref_id in enumerate(value):
                    yield (*loc, key, j), ref_id
            else:
                yield from _raw_cites(value, (*loc, key))
        elif isinstance(value, dict):
            yield from _raw_cites(value, (*loc, key))


def _cell_links(data: dict[str, Any]) -> Iterator[tuple[Loc, str]]:
    """(location, target) of every decision-table cell link in raw topic data."""
    tables = data.get("decision_tables")
    for i, table in enumerate(tables if isinstance(tables, list) else []):
        cells = table.get("cells") if isinstance(table, dict) else None
        for j, cell in enumerate(cells if isinstance(cells, list) else []):
            link = cell.get("link") if isinstance(cell, dict) else None
            if isinstance(link, str):
                yield ("decision_tables", i, "cells", j, "link"), link


def _unique(entries: list[Any], key: str, what: str, where: Any, field: str, report: Report) -> dict[str, Any]:
    """Entries of a shared file by ``key``; an id given twice is an error at its second place."""
    seen: dict[str, Any] = {}
    for i, entry in enumerate(entries):
        value = getattr(entry, key)
        if value in seen:
            line, col = where.at(field, i, key)
            report.error(where.path, line, col, f"{field}[{i}].{key}", f"{what} '{value}' is defined twice")
        seen[value] = entry
    return seen


def _check_links(where: Located, topic_ids: set[str], calculator_ids: set[str], report: Report) -> None:
    """Checks of a topic file against the other files, on raw data (see _raw_cites)."""
    data = where.loaded.data
    stem = Path(where.path).stem

    def err(loc: Loc, message: str) -> None:
        line, col = where.at(*loc)
        report.error(where.path, line, col, format_loc(loc), message)

    topic_id = data.get("id")
    if isinstance(topic_id, str) and topic_id != stem:
        err(("id",), f"id must equal the file name (expected '{stem}', got '{topic_id}')")
    related = data.get("related")
    for i, other in enumerate(related if isinstance(related, list) else []):
        if isinstance(other, str) and other not in topic_ids:
            close = difflib.get_close_matches(other, sorted(topic_ids), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            err(("related", i), f"links to a missing topic '{other}'{hint}; no content/topics/{other}.yaml")
    for loc, target in _cell_links(data):
        if target.split("#")[0] not in topic_ids:
            err(
                loc, f"links to a missing topic '{target.split('#')[0]}'; no content/topics/{target.split('#')[0]}.yaml"
            )
    calcs = data.get("calculators")
    for i, calc in enumerate(calcs if isinstance(calcs, list) else []):
        if isinstance(calc, str) and calc not in calculator_ids:
            err(("calculators", i), f"no calculator '{calc}' (no content/calculators/{calc}.yaml)")


def _check_start_links(meta: HandbookMeta, where: Located, topic_ids: set[str], report: Report) -> None:
    """Each home-page button leads to a topic or an index page that the build writes."""
    assert meta.home is not None
    for i, start in enumerate(meta.home.start):
        target = start.link.split("#", 1)[0]
        if target in topic_ids or target in INDEX_PAGES:
            continue
        close = difflib.get_close_matches(target, sorted(topic_ids | set(INDEX_PAGES)), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        loc = ("home", "start", i, "link")
        line, col = where.at(*loc)
        report.error(where.path, line, col, format_loc(loc), f"links to a missing topic or index page '{target}'{hint}")


def _check_hazards(log: HazardLog, where: Located, calculator_ids: set[str], report: Report) -> None:
    """Every calculator a hazard names exists."""
    for i, hazard in enumerate(log.hazards):
        for j, calc in enumerate(hazard.calculators):
            if calc not in calculator_ids:
                loc: Loc = ("hazards", i, "calculators", j)
                line, col = where.at(*loc)
                report.error(
                    where.path,
                    line,
                    col,
                    format_loc(loc),
                    f"no calculator '{calc}' (no content/calculators/{calc}.yaml)",
                )


def _check_products(topic: Topic, where: Located, products: dict[str, Product], report: Report) -> None:
    """Contraindications and cautions name products that exist."""
    if not products:
        return  # products.yaml failed its own checks
    for section in ("contraindications", "cautions"):
        for i, item in enumerate(getattr(topic, section)):
            for j, product_id in enumerate(item.products):
                if product_id not in products:
                    loc: Loc = (section, i, "products", j)
                    line, col = where.at(*loc)
                    report.error(
                        where.path,
                        line,
                        col,
                        format_loc(loc),
                        f"no product '{product_id}' in content/products.yaml (expected one of {', '.join(products)})",
                    )


def _check_review(topic: Topic, where: Located, meta: HandbookMeta, report: Report, on: dt.date) -> None:
    due = topic.review.next_review_due
    if due >= on and (due - on).days > meta.review_policy.warn_days:
        return
    line, col = where.at("review", "next_review_due")
    if due < on:
        report.warning(
            where.path, line, col, "review.next_review_due", f"review is overdue (was due {due.isoformat()})"
        )
    elif (due - on).days <= meta.review_policy.warn_days:
        report.warning(
            where.path,
            line,
            col,
            "review.next_review_due",
            f"review falls due within {meta.review_policy.warn_days} days ({due.isoformat()})",
        )


def _check_updated_by_edition(topic: Topic, where: Located, meta: HandbookMeta, report: Report) -> None:
    """A page updated after its edition's date reads as a contradiction ("Updated 2026-11-30"
    above an edition of 2026-11-23, bedside review 3, W6): the dates must be put right."""
    updated, edition = topic.review.last_updated, meta.edition.date
    if updated <= edition:
        return
    line, col = where.at("review", "last_updated")
    report.error(
        where.path,
        line,
        col,
        "review.last_updated",
        f"updated {updated.isoformat()}, after the edition's date {edition.isoformat()} "
        "(handbook.yaml edition.date): move the edition date on, or correct this date",
    )


def _dose_block_problems(calculator: Calculator, topic: Topic, products: dict[str, Product]) -> list[tuple[Loc, str]]:
    """What a dose block may not refer to, because the dose engine assumes it away: a
    regimen that continues without a number of days or is given weekly, and a product
    whose concentration is not in % (syringes in mg/mL, tablets). Refused by name here
    rather than mis-dosed or crashed on in the compiler."""
    spec = calculator.dose
    if spec is None:
        return []
    problems: list[tuple[Loc, str]] = []
    regimens = {regimen.id: regimen for regimen in topic.regimens}
    for i, use in enumerate(spec.regimens):
        regimen = regimens.get(use.regimen)
        if regimen is not None and (regimen.days is None or regimen.frequency == "weekly"):
            problems.append(
                (
                    ("dose", "regimens", i, "regimen"),
                    f"regimen '{regimen.id}' is given {regimen.frequency} without a number of days; "
                    "the dose block needs a number of days",
                )
            )
    for i, product_id in enumerate(spec.products):
        product = products.get(product_id)
        if product is not None and (product.concentration is None or product.concentration.unit.value != "%"):
            problems.append(
                (
                    ("dose", "products", i),
                    f"product '{product_id}' has no concentration in % "
                    "(the dose block rounds to gram vials of a % solution)",
                )
            )
    return problems


def _compile_calculators(
    calculators: dict[str, Calculator],
    topics: dict[str, Topic],
    topic_ids: set[str],
    products: dict[str, Product],
    references: dict[str, Reference],
    formulas: FormulaLibrary | None,
    sources: dict[str, Located],
    root: Path,
    report: Report,
) -> dict[str, Any]:
    """Every calculator compiled to its program; each problem located in its file."""
    from .calc.compiler import check_library, compile_calculator

    if formulas is not None:
        where = sources["formulas"]
        for loc, message in check_library(formulas):
            line, col = where.at(*loc)
            report.error(where.path, line, col, format_loc(loc), message)
    elif calculators and "formulas" not in sources:
        message = "missing: calculators need the formula library and display rules"
        report.error(_display(root / FORMULAS_FILE), 1, 1, "<file>", message)
    programs: dict[str, Any] = {}
    view = SimpleNamespace(topics=topics, products=products, references=references)
    for stem, calculator in calculators.items():
        where = sources[f"calculators/{stem}"]
        if calculator.id != stem:
            line, col = where.at("id")
            report.error(
                where.path, line, col, "id", f"id must equal the file name (expected '{stem}', got '{calculator.id}')"
            )
        if calculator.topic in topic_ids and calculator.topic not in topics:
            continue  # the topic failed its own checks, reported there; checking against it would only echo them
        if calculator.topic not in topics:
            line, col = where.at("topic")
            message = f"no topic '{calculator.topic}' (expected content/topics/{calculator.topic}.yaml)"
            report.error(where.path, line, col, "topic", message)
            continue
        if products == {} and calculator.dose is not None and calculator.dose.products:
            continue  # products.yaml failed its own checks
        guarded = _dose_block_problems(calculator, topics[calculator.topic], products)
        for loc, message in guarded:
            line, col = where.at(*loc)
            report.error(where.path, line, col, format_loc(loc), message)
        if guarded:
            continue  # compiling would read a missing number of days or a concentration that is not in %
        program, problems = compile_calculator(calculator, view, formulas)
        for loc, message in problems:
            line, col = where.at(*loc)
            report.error(where.path, line, col, format_loc(loc), message)
        if program is not None:
            programs[stem] = program
    return programs


def validate_content(
    root: Path, *, on: dt.date | None = None, skip_unfinished_drafts: bool = False
) -> tuple[Handbook | None, Report]:
    """Load and check everything under ``root``. Returns the handbook (None when
    there are errors) and the report of every error and warning.
    ``skip_unfinished_drafts`` (builds without drafts, comparisons): a draft topic that
    does not validate yet is left out, its errors unreported, and listed in
    ``Handbook.unfinished_drafts``; links to it are not errors."""
    report = Report()
    on = on or today()
    root = Path(root)
    sources: dict[str, Located] = {}

    def parse(key: str, path: Path, model: type[Model], loaded: LoadedFile | None = None) -> Any:
        loaded = loaded or _load(path, report)
        if loaded is None:
            return None
        sources[key] = Located(loaded.path, loaded)
        return _parse(model, loaded, report)

    meta: HandbookMeta | None = parse("handbook", root / "handbook.yaml", HandbookMeta)
    references_file: ReferencesFile | None = parse("references", root / "references.yaml", ReferencesFile)
    glossary: GlossaryFile | None = parse("glossary", root / "glossary.yaml", GlossaryFile)
    products_file: ProductsFile | None = parse("products", root / "products.yaml", ProductsFile)
    formulas: FormulaLibrary | None = None
    if (root / FORMULAS_FILE).is_file():
        formulas = parse("formulas", root / FORMULAS_FILE, FormulaLibrary)

    hazards: HazardLog | None = None
    if (root / HAZARD_LOG).exists():
        hazards = parse("hazards", root / HAZARD_LOG, HazardLog)

    topic_paths = sorted((root / TOPIC_DIR).glob("*.yaml"))
    calculator_paths = sorted((root / CALCULATOR_DIR).glob("*.yaml"))
    topics: dict[str, Topic] = {}
    unfinished: dict[str, str] = {}
    for path, loaded in zip(topic_paths, _load_folder(topic_paths, report, root), strict=True):
        if skip_unfinished_drafts and loaded and _is_draft(loaded):
            draft_report = Report()
            loader_errors = [d for d in report.diagnostics if d.path == loaded.path]
            if _parse(Topic, loaded, draft_report) is None or draft_report.errors or loader_errors:
                errors = len(draft_report.errors) + len(loader_errors)
                unfinished[path.stem] = f"{loaded.path} ({errors} error(s))"
                report.diagnostics = [d for d in report.diagnostics if d.path != loaded.path]
                continue
        topic = parse(f"topics/{path.stem}", path, Topic, loaded) if loaded else None
        if topic is not None:
            topics[path.stem] = topic
    calculators: dict[str, Calculator] = {}
    for path, loaded in zip(calculator_paths, _load_folder(calculator_paths, report, root), strict=True):
        calculator = parse(f"calculators/{path.stem}", path, Calculator, loaded) if loaded else None
        if calculator is not None:
            calculators[path.stem] = calculator

    if not topic_paths:
        report.error(
            _display(root / TOPIC_DIR), 1, 1, "<folder>", "no topics found (expected content/topics/<id>.yaml)"
        )

    # Unique ids inside the shared files.
    references: dict[str, Reference] = {}
    if references_file is not None:
        references = _unique(
            references_file.references, "id", "reference id", sources["references"], "references", report
        )
    products: dict[str, Product] = {}
    if products_file is not None:
        products = _unique(products_file.products, "id", "product id", sources["products"], "products", report)
    if glossary is not None:
        _unique(glossary.terms, "abbr", "term", sources["glossary"], "terms", report)

    topic_ids = {p.stem for p in topic_paths}
    calculator_ids = {p.stem for p in calculator_paths}
    for path in topic_paths:
        where = sources.get(f"topics/{path.stem}")
        if where is not None:
            _check_links(where, topic_ids, calculator_ids, report)
    if meta is not None and meta.home is not None:
        _check_start_links(meta, sources["handbook"], topic_ids, report)
    for stem, topic in topics.items():
        if meta is not None:
            _check_review(topic, sources[f"topics/{stem}"], meta, report, on)
            _check_updated_by_edition(topic, sources[f"topics/{stem}"], meta, report)
    programs = _compile_calculators(
        calculators, topics, topic_ids, products, references, formulas, sources, root, report
    )

    if hazards is not None:
        _check_hazards(hazards, sources["hazards"], calculator_ids, report)
    for stem, topic in topics.items():
        _check_products(topic, sources[f"topics/{stem}"], products, report)

    # Citations: every cited id exists; every reference is cited somewhere.
    if references_file is not None:
        cited: set[str] = set()
        for key, where in sources.items():
            if key in ("references", "handbook", "glossary"):
                continue
            for loc, ref_id in _file_cites(where.loaded):
                if not isinstance(ref_id, str):
                    continue
                cited.add(ref_id)
                if ref_id not in references:
                    close = difflib.get_close_matches(ref_id, list(references), n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    line, col = where.at(*loc)
                    report.error(
                        where.path,
                        line,
                        col,
                        format_loc(loc),
                        f"cites an undefined reference '{ref_id}'{hint}; "
                        "references are defined in content/references.yaml",
                    )
        where = sources["references"]
        for i, ref in enumerate(references_file.references):
            if ref.id not in cited:
                line, col = where.at("references", i, "id")
                report.warning(
                    where.path, line, col, f"references[{i}].id", f"reference '{ref.id}' is not cited by any content"
                )

    if report.errors or meta is None or references_file is None or glossary is None or products_file is None:
        return None, report
    handbook = Handbook(
        root=root,
        meta=meta,
        topics=dict(sorted(topics.items())),
        references=references,
        glossary=glossary,
        products=products,
        calculators=dict(sorted(calculators.items())),
        hazards=hazards,
        sources=sources,
        formulas=formulas,
        programs=dict(sorted(programs.items())),
        unfinished_drafts=unfinished,
    )
    return handbook, report


def _is_draft(loaded: LoadedFile) -> bool:
    data = loaded.data
    review = data.get("review") if isinstance(data, dict) else None
    return isinstance(review, dict) and review.get("status") == "draft"


def load_handbook(root: Path, *, strict: bool = False, skip_unfinished_drafts: bool = False) -> Handbook:
    """Validated handbook, or :class:`ContentError` carrying every problem."""
    handbook, report = validate_content(root, skip_unfinished_drafts=skip_unfinished_drafts)
    if handbook is None or report.failed(strict=strict):
        raise ContentError(report)
    handbook.warnings = [str(d) for d in report.sorted() if d.severity == "warning"]
    return handbook
