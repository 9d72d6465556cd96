"""Editorial workflow: skeletons for new content files, and the release gate.

* :func:`skeleton` writes the YAML an editor starts from. It is derived from the
  content models (field names, docstrings as comments), so it cannot drift from the
  schema. Every value the editor must supply is left empty: an empty required value
  is refused by the validator, so a skeleton never passes as clinical data until it
  is filled.
* :func:`release_problems` says why an edition must not be published;
  :func:`exclude_drafts` removes draft topics from a build.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import re
import textwrap
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .model.common import Unit
from .model.topic import ReviewStatus, Topic

if typing.TYPE_CHECKING:
    from .validate import Handbook

__all__ = [
    "ID_PATTERN",
    "KINDS",
    "SkeletonExists",
    "exclude_drafts",
    "release_problems",
    "skeleton",
    "write_skeleton",
]

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# kind -> (folder under content/, schema file). The model is looked up lazily so the
# calculator model (written separately) is always the current one.
KINDS: dict[str, tuple[str, str]] = {
    "topic": ("topics", "topic.schema.json"),
    "calculator": ("calculators", "calculator.schema.json"),
}

# Values that are not clinical data and that the editor would otherwise have to type
# the same way every time. Everything else is left empty.
_PRESET: dict[str, str] = {
    "review.status": "draft",
}

_WIDTH = 100


class SkeletonExists(FileExistsError):
    """The content file already exists; `handbook new` never overwrites."""


def _model_for(kind: str) -> type[BaseModel]:
    if kind == "topic":
        return Topic
    if kind == "calculator":
        from .model.calculator import Calculator

        return Calculator
    raise ValueError(f"unknown kind '{kind}' (expected one of {', '.join(KINDS)})")


# --------------------------------------------------------------------------- type inspection


def _strip(annotation: Any) -> tuple[Any, bool]:
    """(annotation without Annotated[...] and None, whether None was allowed)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) == 1:
                annotation = args[0]
            else:
                return annotation, optional
        else:
            return annotation, optional


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _models_in_union(annotation: Any) -> list[type[BaseModel]]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in (_strip(arg)[0] for arg in typing.get_args(annotation)) if _is_model(a)]
    return []


def _is_choice(annotation: Any) -> bool:
    return (
        annotation is bool
        or typing.get_origin(annotation) is typing.Literal
        or (isinstance(annotation, type) and issubclass(annotation, Enum))
    )


def _choices(annotation: Any) -> str | None:
    """Allowed values of an enum or Literal, for the comment."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return ", ".join(str(m.value) for m in annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return ", ".join(str(a) for a in typing.get_args(annotation))
    return None


# --------------------------------------------------------------------------- rendering


def _comment(text: str, indent: str) -> list[str]:
    lines: list[str] = []
    for paragraph in inspect.cleandoc(text).splitlines():
        lines += textwrap.wrap(paragraph, _WIDTH - len(indent) - 2) or [""]
    return [f"{indent}# {line}".rstrip() for line in lines]


def _describe(info: FieldInfo, annotation: Any, *, required: bool) -> str:
    text = (info.description or "").strip()
    notes = []
    choices = _choices(annotation)
    if annotation is Unit:
        listed = sum(bool(re.search(rf"(?<![\w/]){re.escape(u.value)}(?![\w/])", text)) for u in Unit)
        if listed < 2:
            notes.append("a unit from the vocabulary, see docs/authoring.md#units")
    elif choices and sum(str(c) in text for c in choices.split(", ")) < 2:
        notes.append(f"one of: {choices}")
    if isinstance(annotation, type) and issubclass(annotation, dt.date) and "YYYY-MM-DD" not in text:
        notes.append("YYYY-MM-DD")
    if not required:
        notes.append("optional")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def _ordered_fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """Fields in declaration order, except that citation fields inherited from Cited
    come last: an editor writes the statement first, then cites it."""
    fields = list(model.model_fields.items())
    return [f for f in fields if f[0] not in _CITATION] + [f for f in fields if f[0] in _CITATION]


_CITATION = ("cite", "evidence")


def _field_lines(name: str, info: FieldInfo, path: str, indent: str, key_prefix: str) -> list[str]:
    """YAML lines for one field: its comment at ``indent``, then the key (written after
    ``key_prefix``, which carries the list dash for the first key of a list entry) with an
    empty placeholder, nested placeholders for a sub-model, or one placeholder entry for a
    list of sub-models."""
    annotation, nullable = _strip(info.annotation)
    required = info.is_required()
    lines = _comment(_describe(info, annotation, required=required), indent)
    origin = typing.get_origin(annotation)
    dotted = f"{path}.{name}" if path else name
    key = f"{key_prefix}{name}:"

    if dotted in _PRESET:
        return [*lines, f"{key} {_PRESET[dotted]}"]
    if name == "cite":
        # Empty until the editor cites; the validator demands a citation as soon as the
        # statement carries a number.
        return [*lines, f"{key} []"]
    if name == "grade" and path:
        # Every cited statement may carry its guideline's grade; spelling it out under
        # each would bury the skeleton. Empty means "not graded".
        return [*lines, *_comment("e.g. {source: reference-id, strength: conditional, label: 2B}", indent), key]
    if not required and info.default is not None and _is_choice(annotation):
        # A switch or a choice the model defaults (not_covered: false, dosing_weight:
        # policy) is shown with that default: writing it equals leaving it out. Numbers
        # are never pre-filled.
        default = info.default.value if isinstance(info.default, Enum) else info.default
        return [*lines, f"{key} {str(default).lower() if isinstance(default, bool) else default}"]
    if origin in (list, tuple):
        item, _ = _strip((typing.get_args(annotation) or (Any,))[0])
        if _is_model(item):
            if not required:
                lines += _comment(f"No {name}? Delete the entry below and write `{name}: []`.", indent)
            return [*lines, key, *_model_lines(item, dotted, indent + "    ", first_prefix=indent + "  - ")]
        if required or _min_length(info) or _is_choice(item):
            # A list of choices (a cell's actions) gets one empty entry to pick for.
            return [*lines, key, f"{indent}  -"]
        return [*lines, f"{key} []"]
    if _is_model(annotation):
        if nullable or not required:
            # Shown in full like every section, so the editor decides: fill it, or remove
            # the keys under it (an empty value means "not given").
            lines += _comment(f"Not needed? Delete the keys under `{name}:` and leave it empty.", indent)
        return [*lines, key, *_model_lines(annotation, dotted, indent + "  ")]
    union_models = _models_in_union(annotation)
    if union_models:
        names = ", ".join(m.__name__ for m in union_models)
        lines += _comment(f"One of: {names}. The keys of {union_models[0].__name__} are shown.", indent)
        return [*lines, key, *_model_lines(union_models[0], dotted, indent + "  ")]
    return [*lines, key]


def _min_length(info: FieldInfo) -> bool:
    return any(getattr(m, "min_length", None) for m in info.metadata)


def _model_lines(model: type[BaseModel], path: str, indent: str, *, first_prefix: str | None = None) -> list[str]:
    lines: list[str] = []
    for i, (name, info) in enumerate(_ordered_fields(model)):
        prefix = first_prefix if i == 0 and first_prefix is not None else indent
        lines += _field_lines(name, info, path, indent, prefix)
    return lines


def skeleton(kind: str, content_id: str) -> str:
    """The YAML text of a new content file of ``kind`` (topic or calculator)."""
    if not ID_PATTERN.match(content_id):
        raise ValueError(f"'{content_id}' is not a valid id (expected lowercase a-z, 0-9 and single hyphens)")
    model = _model_for(kind)
    _, schema_file = KINDS[kind]
    header = [
        f"# yaml-language-server: $schema=../../schema/{schema_file}",
        f"# New {kind} '{content_id}', written by `handbook new {kind} {content_id}`.",
        "# Every empty value is a placeholder: `handbook validate` refuses this file until each",
        "# one is filled. Optional sections you do not need: delete the placeholder entry and",
        "# write `section: []`. Cite a reference id (content/references.yaml) for every number.",
        "# Authoring guide: docs/authoring.md (`handbook guide` prints where the installed tool keeps it)",
    ]
    if model.__doc__:
        header += _comment(model.__doc__, "")
    body: list[str] = []
    for name, info in model.model_fields.items():
        if name == "id":
            body += _comment((info.description or "").strip(), "")
            body.append(f"id: {content_id}")
        else:
            body += ["", *_field_lines(name, info, "", "", "")]
    return "\n".join([*header, "", *body]) + "\n"


def write_skeleton(content_dir: Path, kind: str, content_id: str) -> Path:
    """Write the skeleton to content/<folder>/<id>.yaml; never overwrites."""
    from .project import project_of
    from .scaffold import schema_comment

    folder, schema_file = KINDS[kind]
    path = Path(content_dir) / folder / f"{content_id}.yaml"
    # The $schema comment names the schema/ folder of this handbook (`handbook schema`).
    text = schema_comment(project_of(content_dir), path, schema_file) + skeleton(kind, content_id).split("\n", 1)[1]
    if path.exists():
        raise SkeletonExists(f"{path} already exists (not overwritten)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as out:  # "x": refuse a file created meanwhile
        out.write(text)
    return path


# --------------------------------------------------------------------------- release gate


def release_problems(handbook: Handbook, *, on: dt.date) -> list[str]:
    """One line per reason this handbook must not be released on ``on``: a topic not
    approved, a review overdue, any warning the validator still reports. Empty when
    the edition may be published."""
    from .validate import validate_content

    problems: list[str] = [*_placeholder_problems(handbook), *_hazard_log_problems(handbook)]
    overdue_paths: set[str] = set()
    for topic_id, topic in handbook.topics.items():
        path = _topic_path(handbook, topic_id)
        status = topic.review.status
        if status is not ReviewStatus.approved:
            problems.append(f"{path}: topic '{topic_id}' is {status.value}, not approved")
        due = topic.review.next_review_due
        if due < on:
            overdue_paths.add(path)
            problems.append(f"{path}: topic '{topic_id}' review is overdue (was due {due.isoformat()})")
    # Warnings depend on the date, so they are recomputed for ``on``. Only files still in
    # this handbook count (exclude_drafts drops some), and an overdue review is already
    # listed above.
    _, report = validate_content(handbook.root, on=on)
    kept = {where.path for where in handbook.sources.values()}
    for diagnostic in report.sorted():
        if diagnostic.severity != "warning" or (handbook.sources and diagnostic.path not in kept):
            continue
        if diagnostic.path in overdue_paths and diagnostic.field == "review.next_review_due":
            continue
        problems.append(f"{diagnostic} (warnings block a release)")
    return problems


def _placeholder_problems(handbook: Handbook) -> list[str]:
    """A stand-in organisation name or feedback address must not reach the wards."""
    where = handbook.sources.get("handbook")
    problems = []
    for name in handbook.meta.placeholders:
        value = getattr(handbook.meta, name)
        at = f"{where.path}:{':'.join(map(str, where.at(name)))}" if where else "content/handbook.yaml"
        problems.append(
            f"{at}: {name}: is a placeholder ('{value}'); put in the real value and remove '{name}' from placeholders"
        )
    return problems


def _hazard_log_problems(handbook: Handbook) -> list[str]:
    """Every calculator has a hazard entry, and a clinical safety officer signed the log."""
    from .validate import HAZARD_LOG

    log = handbook.hazards
    where = handbook.sources.get("hazards")
    path = where.path if where else str(Path("content") / HAZARD_LOG)
    if log is None:
        return [f"{path}: no hazard log (expected {path} listing the hazards of every calculator)"]
    problems = []
    covered = {calc for hazard in log.hazards for calc in hazard.calculators}
    for calc_id in handbook.calculators:
        if calc_id not in covered:
            problems.append(
                f"{path}: calculator '{calc_id}' has no hazard entry (expected calculators: [{calc_id}] "
                "on at least one hazard)"
            )
    if log.sign_off is None:
        problems.append(
            f"{path}: the hazard log has no clinical safety officer sign-off (expected sign_off: name, role, date)"
        )
    return problems


def _topic_path(handbook: Handbook, topic_id: str) -> str:
    where = handbook.sources.get(f"topics/{topic_id}")
    return where.path if where is not None else f"content/topics/{topic_id}.yaml"


def exclude_drafts(handbook: Handbook) -> Handbook:
    """The handbook without draft topics. Links from the remaining topics to a removed
    draft are dropped too (they would point at a page that is not built)."""
    drafts = {tid for tid, topic in handbook.topics.items() if topic.review.status is ReviewStatus.draft}
    drafts |= set(handbook.unfinished_drafts)
    if not drafts:
        return handbook
    topics = {
        tid: (
            topic.model_copy(update={"related": [r for r in topic.related if r not in drafts]})
            if any(r in drafts for r in topic.related)
            else topic
        )
        for tid, topic in handbook.topics.items()
        if tid not in drafts
    }
    dropped = {f"topics/{tid}" for tid in drafts}
    sources = {key: where for key, where in handbook.sources.items() if key not in dropped}
    return dataclasses.replace(handbook, topics=topics, sources=sources)
