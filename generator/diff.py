"""What changed between two editions of the handbook.

An edition is read from a content folder, a built site folder (``manifest.json``,
plus ``content/`` beside it for dose-level detail) or a git revision (``content/`` of
that revision is exported to a temporary folder; the working tree is never touched).

The comparison lists added, removed and changed topics; for every changed dose,
threshold, infusion rate and decision-table cell it gives the old and the new value
side by side. It is rendered three ways: text for the terminal, Markdown for the
site's "Changes in this edition" page (dose changes highlighted), and JSON.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .model import Product, Topic
from .model.handbook import InfusionSchedule
from .model.topic import Cell, DecisionTable, Regimen
from .validate import Handbook, validate_content

__all__ = [
    "Change",
    "DiffError",
    "Edition",
    "EditionDiff",
    "TopicDiff",
    "TopicEntry",
    "changes_markdown",
    "changes_since",
    "compare",
    "diff_handbooks",
    "edition_from_handbook",
    "load_edition",
    "render_json",
    "render_markdown",
    "render_text",
]

ChangeKind = Literal["dose", "threshold", "rate", "cell", "title", "status", "product", "calculator"]

NONE = "(none)"


class DiffError(Exception):
    """An edition could not be read (missing folder, bad revision, invalid content)."""


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Change:
    """One value that changed: what it is, where, before and after (None: absent)."""

    kind: ChangeKind
    where: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class TopicEntry:
    """A topic as a manifest lists it."""

    id: str
    title: str
    status: str
    last_reviewed: str | None
    sha256: str
    """sha256 of the topic's source file (manifest.json's "sha256")."""


@dataclass
class TopicDiff:
    id: str
    title: str
    changes: list[Change] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    """Top-level fields whose content changed (prose included)."""


@dataclass
class EditionInfo:
    label: str
    name: str
    date: str


@dataclass
class EditionDiff:
    old: EditionInfo
    new: EditionInfo
    added: list[TopicEntry] = field(default_factory=list)
    removed: list[TopicEntry] = field(default_factory=list)
    changed: list[TopicDiff] = field(default_factory=list)
    products: list[Change] = field(default_factory=list)
    calculators: list[Change] = field(default_factory=list)
    detailed: bool = True
    """False when a side had no content folder: topic changes are known from file hashes only."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.products or self.calculators)

    @property
    def dose_changes(self) -> list[tuple[TopicDiff, Change]]:
        return [(topic, change) for topic in self.changed for change in topic.changes if change.kind == "dose"]


@dataclass
class Edition:
    """One side of a comparison: the manifest view of every topic, and the validated
    handbook when content is available."""

    label: str
    name: str
    date: str
    topics: dict[str, TopicEntry]
    handbook: Handbook | None = None


# --------------------------------------------------------------------------- reading editions


def _file_sha256(handbook: Handbook, topic_id: str) -> str:
    """sha256 of a topic's source file, as the build's manifest.json records it."""
    where = handbook.sources.get(f"topics/{topic_id}")
    candidates = [Path(where.path)] if where is not None else []
    candidates.append(handbook.root / "topics" / f"{topic_id}.yaml")
    for path in candidates:
        if path.is_file():
            return hashlib.sha256(path.read_bytes()).hexdigest()
    return ""


def edition_from_handbook(handbook: Handbook, label: str) -> Edition:
    """The edition a validated handbook is (its files must still be readable)."""
    topics = {
        tid: TopicEntry(
            id=tid,
            title=topic.title,
            status=topic.review.status.value,
            last_reviewed=topic.review.last_reviewed.isoformat() if topic.review.last_reviewed else None,
            sha256=_file_sha256(handbook, tid),
        )
        for tid, topic in handbook.topics.items()
    }
    edition = handbook.meta.edition
    return Edition(label, edition.name, edition.date.isoformat(), topics, handbook)


def _validated(root: Path, label: str) -> Handbook:
    """The edition in ``root``, without the drafts that do not validate yet (listed in
    ``Handbook.unfinished_drafts``): a comparison is of what would be published."""
    handbook, report = validate_content(root, skip_unfinished_drafts=True)
    if handbook is None:
        errors = report.sorted()
        first = next((str(d) for d in errors if d.severity == "error"), "")
        raise DiffError(f"{label}: its content does not validate ({len(report.errors)} error(s); first: {first})")
    return handbook


def _from_manifest(folder: Path, label: str) -> Edition:
    path = folder / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["topics"]
        if isinstance(entries, dict):
            entries = [{"id": key, **value} for key, value in entries.items()]
        topics = {
            e["id"]: TopicEntry(e["id"], e["title"], e["status"], e.get("last_reviewed"), e["sha256"]) for e in entries
        }
        edition = data["edition"]
        name, date = (edition["name"], str(edition["date"])) if isinstance(edition, dict) else (str(edition), "")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DiffError(f"{label}: {path} is not a handbook manifest ({exc.__class__.__name__}: {exc})") from exc
    return Edition(label, name, date, topics)


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)


def _is_revision(repo: Path, rev: str) -> bool:
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode == 0


def _from_git(repo: Path, rev: str, content: str, label: str) -> Edition:
    """Export ``content`` of ``rev`` with git archive into a temporary folder; the
    working tree and the index are never touched."""
    if not _is_revision(repo, rev):
        raise DiffError(f"{label}: '{rev}' is not a git revision of {repo}")
    archive = _git(repo, "archive", "--format=tar", rev, "--", content)
    if archive.returncode != 0:
        message = archive.stderr.decode(errors="replace").strip()
        raise DiffError(f"{label}: no {content}/ at {rev} ({message})")
    with tempfile.TemporaryDirectory(prefix="handbook-diff-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            _extract(tar, Path(tmp))
        # Hashes are read from the exported files, so the edition is made before they go.
        return edition_from_handbook(_validated(Path(tmp) / content, label), label)


def _extract(tar: tarfile.TarFile, target: Path) -> None:
    """Extract only plain files and folders inside ``target`` (the "data" filter of
    Python >= 3.11.4; checked by hand on older 3.11 releases)."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(target, filter="data")
        return
    for member in tar.getmembers():
        if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in member.name.split("/"):
            raise DiffError(f"refusing to extract {member.name!r} from the git archive")
    tar.extractall(target)  # members checked above


def load_edition(spec: str, *, repo: Path = Path("."), content: str = "content") -> Edition:
    """Read one side of a comparison. ``spec`` is a content folder, a site folder with
    manifest.json, a repository folder with content/, ``git:<rev>``, or any revision
    ``git rev-parse`` accepts. ``content`` is the content folder's path inside the
    repository (for git revisions)."""
    if spec.startswith("git:"):
        return _from_git(repo, spec[4:], content, spec)
    folder = Path(spec)
    if folder.is_dir():
        if (folder / "handbook.yaml").is_file():
            return edition_from_handbook(_validated(folder, spec), spec)
        if (folder / "manifest.json").is_file():
            if (folder / "content" / "handbook.yaml").is_file():
                return edition_from_handbook(_validated(folder / "content", spec), spec)
            return _from_manifest(folder, spec)
        if (folder / "content" / "handbook.yaml").is_file():
            return edition_from_handbook(_validated(folder / "content", spec), spec)
        raise DiffError(f"{spec}: not a content folder (no handbook.yaml) nor a built site (no manifest.json)")
    if _is_revision(repo, spec):
        return _from_git(repo, spec, content, spec)
    raise DiffError(f"{spec}: no such folder, and not a git revision")


# --------------------------------------------------------------------------- formatting values


def _num(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _qty(value: float, unit: str) -> str:
    return f"{_num(value)}{unit}" if unit == "%" else f"{_num(value)} {unit}"


def _band_range(low: float | None, below: float | None, unit: str) -> str:
    if low in (None, 0) and below is not None:
        return f"< {_num(below)} {unit}"
    if below is None:
        return f">= {_num(low or 0)} {unit}" if low else f"any value ({unit})"
    return f"{_num(low or 0)} to < {_num(below)} {unit}"


def _cell_value(cell: Cell) -> str:
    if cell.not_covered:
        return "not covered by the sources"
    actions = ", ".join(a.value for a in cell.actions)
    return f"{cell.action} (pathway: {cell.pathway}; actions: {actions})"


def _cells_by_combination(table: DecisionTable | None) -> list[tuple[str, Cell]]:
    """(combination in words, the cell that covers it) for every combination: two
    editions compare combination by combination, whatever way their cells group them."""
    if table is None:
        return []
    return [(table.describe(combo), table.cell_for(combo)) for combo in table.combinations()]


def _steps(schedule: InfusionSchedule) -> str:
    parts = [
        f"{_qty(step.rate, 'mg/kg/min')}" + (f" for {step.minutes} min" if step.minutes else "")
        for step in schedule.steps
    ]
    return ", then ".join(parts)


# --------------------------------------------------------------------------- comparing


def _pairs(old: Iterable[Any], new: Iterable[Any], key: Callable[[Any], Any]) -> list[tuple[Any, Any, Any]]:
    """(key, old item or None, new item or None), old order first, then new-only items."""
    old_map = {key(item): item for item in old}
    new_map = {key(item): item for item in new}
    keys = list(old_map) + [k for k in new_map if k not in old_map]
    return [(k, old_map.get(k), new_map.get(k)) for k in keys]


def _values(kind: ChangeKind, where: str, old: dict[str, str] | None, new: dict[str, str] | None) -> list[Change]:
    """One Change per named value that differs; a whole item added or removed shows
    every value against (none)."""
    out = []
    names = list((old or new or {}).keys())
    for name in names:
        before = old.get(name) if old is not None else None
        after = new.get(name) if new is not None else None
        if before != after:
            out.append(Change(kind, f"{where} {name}", before, after))
    return out


def _regimen_values(regimen: Regimen | None) -> dict[str, str] | None:
    if regimen is None:
        return None
    return {
        "dose": _qty(regimen.dose.amount, regimen.dose.unit.value),
        "frequency": regimen.frequency,
        "days": str(regimen.days) if regimen.days is not None else NONE,
        "weeks": str(regimen.weeks) if regimen.weeks is not None else NONE,
        "max per dose": _qty(regimen.max_per_dose.value, regimen.max_per_dose.unit.value)
        if regimen.max_per_dose
        else NONE,
        "max per course": _qty(regimen.max_per_course.value, regimen.max_per_course.unit.value)
        if regimen.max_per_course
        else NONE,
    }


def _table_changes(old: DecisionTable | None, new: DecisionTable | None, table_id: str) -> list[Change]:
    out: list[Change] = []
    old_bands = old.bands if old else []
    new_bands = new.bands if new else []
    for band_id, before, after in _pairs(old_bands, new_bands, lambda b: b.id):
        b = _band_range(before.min, before.below, old.unit.value) if before and old else None
        a = _band_range(after.min, after.below, new.unit.value) if after and new else None
        if b != a:
            out.append(Change("threshold", f"table {table_id} band {band_id}", b, a))
    for where, before, after in _pairs(_cells_by_combination(old), _cells_by_combination(new), lambda pair: pair[0]):
        b = _cell_value(before[1]) if before else None
        a = _cell_value(after[1]) if after else None
        if b != a:
            out.append(Change("cell", f"table {table_id} cell ({where})", b, a))
    return out


def _topic_diff(old: Topic, new: Topic) -> TopicDiff:
    diff = TopicDiff(new.id, new.title)
    if old.title != new.title:
        diff.changes.append(Change("title", "title", old.title, new.title))
    if old.review.status != new.review.status:
        diff.changes.append(Change("status", "review status", old.review.status.value, new.review.status.value))
    for regimen_id, before, after in _pairs(old.regimens, new.regimens, lambda r: r.id):
        diff.changes += _values("dose", f"regimen {regimen_id}", _regimen_values(before), _regimen_values(after))
    for table_id, before, after in _pairs(old.decision_tables, new.decision_tables, lambda t: t.id):
        diff.changes += _table_changes(before, after, table_id)
    old_dump, new_dump = old.model_dump(mode="json"), new.model_dump(mode="json")
    diff.sections = [name for name in Topic.model_fields if old_dump.get(name) != new_dump.get(name)]
    return diff


def _product_values(product: Product | None) -> dict[str, str] | None:
    if product is None:
        return None
    values = {
        "concentration": _qty(product.concentration.value, product.concentration.unit.value)
        if product.concentration
        else NONE,
        "vial sizes": ", ".join(_num(size) for size in product.vial_sizes_g) + " g" if product.vial_sizes_g else NONE,
    }
    return values


def _schedule_values(schedule: InfusionSchedule | None) -> dict[str, str] | None:
    if schedule is None:
        return None
    return {
        "steps": _steps(schedule),
        "max rate": _qty(schedule.max_rate, "mg/kg/min"),
        "max rate at risk": _qty(schedule.max_rate_at_risk, "mg/kg/min") if schedule.max_rate_at_risk else NONE,
    }


def _product_changes(old: dict[str, Product], new: dict[str, Product]) -> list[Change]:
    out: list[Change] = []
    for product_id, before, after in _pairs(old.values(), new.values(), lambda p: p.id):
        out += _values("product", f"product {product_id}", _product_values(before), _product_values(after))
        for indication, b, a in _pairs(
            before.infusion if before else [], after.infusion if after else [], lambda s: s.indication
        ):
            out += _values(
                "rate", f"product {product_id} infusion ({indication})", _schedule_values(b), _schedule_values(a)
            )
    return out


def _leaves(value: Any, path: str) -> dict[str, str]:
    """Flattened ``a.b[0].c -> value`` of dumped data, for generic comparisons."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(_leaves(item, f"{path}[{i}]"))
        return out
    if value is None:
        return {}
    return {path: _num(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)}


def _calculator_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Calculators hold constants (weight formula factors, limits): every changed value."""
    out: list[Change] = []
    for calc_id in list(old) + [k for k in new if k not in old]:
        if calc_id not in old or calc_id not in new:
            before, after = old.get(calc_id), new.get(calc_id)
            out.append(Change("calculator", f"calculator {calc_id}", before and before.title, after and after.title))
            continue
        before_leaves = _leaves(old[calc_id].model_dump(mode="json"), "")
        after_leaves = _leaves(new[calc_id].model_dump(mode="json"), "")
        for path in list(before_leaves) + [p for p in after_leaves if p not in before_leaves]:
            if before_leaves.get(path) != after_leaves.get(path):
                out.append(
                    Change(
                        "calculator", f"calculator {calc_id} {path}", before_leaves.get(path), after_leaves.get(path)
                    )
                )
    return out


def compare(old: Edition, new: Edition) -> EditionDiff:
    """Everything that differs between two editions."""
    diff = EditionDiff(
        EditionInfo(old.label, old.name, old.date),
        EditionInfo(new.label, new.name, new.date),
        detailed=old.handbook is not None and new.handbook is not None,
    )
    diff.added = [entry for tid, entry in sorted(new.topics.items()) if tid not in old.topics]
    diff.removed = [entry for tid, entry in sorted(old.topics.items()) if tid not in new.topics]
    for tid in sorted(set(old.topics) & set(new.topics)):
        if old.handbook is not None and new.handbook is not None:
            topic_diff = _topic_diff(old.handbook.topics[tid], new.handbook.topics[tid])
            if topic_diff.changes or topic_diff.sections:
                diff.changed.append(topic_diff)
        elif old.topics[tid].sha256 != new.topics[tid].sha256:
            diff.changed.append(TopicDiff(tid, new.topics[tid].title, sections=["content"]))
    if old.handbook is not None and new.handbook is not None:
        diff.products = _product_changes(old.handbook.products, new.handbook.products)
        diff.calculators = _calculator_changes(old.handbook.calculators, new.handbook.calculators)
    return diff


def diff_handbooks(old: Handbook, new: Handbook, *, old_label: str = "old", new_label: str = "new") -> EditionDiff:
    return compare(edition_from_handbook(old, old_label), edition_from_handbook(new, new_label))


# --------------------------------------------------------------------------- rendering


def _shown(value: str | None) -> str:
    return NONE if value is None else value


def render_text(diff: EditionDiff) -> str:
    """The comparison for a terminal: one line per change, doses marked DOSE."""
    lines = [
        f"Edition {diff.old.name} ({diff.old.date}) -> {diff.new.name} ({diff.new.date})",
        f"old: {diff.old.label}",
        f"new: {diff.new.label}",
    ]
    if not diff.detailed:
        lines.append("note: a side has no content folder; changed topics are known from file hashes only")
    if diff.empty:
        lines.append("No changes.")
        return "\n".join(lines) + "\n"
    if diff.added:
        lines += ["", f"Added topics ({len(diff.added)}):"]
        lines += [f"  + {entry.id}: {entry.title}" for entry in diff.added]
    if diff.removed:
        lines += ["", f"Removed topics ({len(diff.removed)}):"]
        lines += [f"  - {entry.id}: {entry.title}" for entry in diff.removed]
    if diff.changed:
        lines += ["", f"Changed topics ({len(diff.changed)}):"]
        for topic in diff.changed:
            lines.append(f"  ~ {topic.id}: {topic.title}")
            lines += [_text_change(change) for change in topic.changes]
            if topic.sections:
                lines.append(f"      sections changed: {', '.join(topic.sections)}")
    for title, changes in (("Products", diff.products), ("Calculators", diff.calculators)):
        if changes:
            lines += ["", f"{title} ({len(changes)} change(s)):"]
            lines += [_text_change(change) for change in changes]
    return "\n".join(lines) + "\n"


def _text_change(change: Change) -> str:
    kind = "DOSE" if change.kind == "dose" else change.kind
    return f"      {kind:<10} {change.where}: {_shown(change.old)} -> {_shown(change.new)}"


def render_json(diff: EditionDiff) -> str:
    data = dataclasses.asdict(diff)
    data["empty"] = diff.empty
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_KIND_LABEL = {
    "dose": "Dose",
    "threshold": "Threshold",
    "rate": "Infusion rate",
    "cell": "Decision",
    "title": "Title",
    "status": "Review",
    "product": "Product",
    "calculator": "Calculator",
}


def render_markdown(diff: EditionDiff, *, link: Callable[[str], str | None] | None = None) -> str:
    """The "Changes in this edition" page. Author text is escaped (it is shown as
    written); dose changes come first, in a warning box, and in bold. ``link`` maps a
    topic id to the page it is on (None: no link)."""
    from .render import md_text  # one escaping rule for every page

    def topic_ref(topic_id: str, title: str) -> str:
        target = link(topic_id) if link else None
        return f"[{md_text(title)}]({target})" if target else str(md_text(title))

    def cell(value: str | None) -> str:
        return "—" if value is None else str(md_text(value))

    lines = [
        "# Changes in this edition",
        "",
        f"Edition **{md_text(diff.new.name)}** ({md_text(diff.new.date)}) compared with edition "
        f"**{md_text(diff.old.name)}** ({md_text(diff.old.date)}).",
        "",
    ]
    if diff.empty:
        lines += ["No topic, dose, threshold, rate or decision changed.", ""]
        return "\n".join(lines)
    doses = diff.dose_changes
    if doses:
        lines += [
            '!!! danger "Dose changes"',
            "",
            "    Doses that differ from the previous edition. Check them before you prescribe.",
            "",
            "    | Topic | What | Before | Now |",
            "    |---|---|---|---|",
        ]
        lines += [
            f"    | {topic_ref(topic.id, topic.title)} | {cell(change.where)} | {cell(change.old)} | "
            f"**{cell(change.new)}** |"
            for topic, change in doses
        ]
        lines.append("")
    if diff.added:
        lines += ["## New topics", ""]
        lines += [f"- {topic_ref(entry.id, entry.title)}" for entry in diff.added]
        lines.append("")
    if diff.removed:
        lines += ["## Removed topics", ""]
        lines += [f"- {md_text(entry.title)} (`{entry.id}`)" for entry in diff.removed]
        lines.append("")
    if diff.changed:
        lines += ["## Changed topics", ""]
        for topic in diff.changed:
            lines += [f"### {topic_ref(topic.id, topic.title)}", ""]
            if topic.changes:
                lines += ["| What | Before | Now |", "|---|---|---|"]
                for change in topic.changes:
                    label = _KIND_LABEL[change.kind]
                    if change.kind == "dose":
                        lines.append(
                            f"| **{label}**: {cell(change.where)} | {cell(change.old)} | **{cell(change.new)}** |"
                        )
                    else:
                        lines.append(f"| {label}: {cell(change.where)} | {cell(change.old)} | {cell(change.new)} |")
                lines.append("")
            if topic.sections:
                names = ", ".join(name.replace("_", " ") for name in topic.sections)
                lines += [f"Sections changed: {names}.", ""]
    for title, changes in (("Products", diff.products), ("Calculators", diff.calculators)):
        if changes:
            lines += [f"## {title}", "", "| What | Before | Now |", "|---|---|---|"]
            lines += [f"| {_KIND_LABEL[c.kind]}: {cell(c.where)} | {cell(c.old)} | {cell(c.new)} |" for c in changes]
            lines.append("")
    return "\n".join(lines)


def changes_markdown(
    old_handbook: Handbook, new_handbook: Handbook, *, link: Callable[[str], str | None] | None = None
) -> str:
    """Markdown of the "Changes in this edition" page, for the site build and the PDF."""
    return render_markdown(diff_handbooks(old_handbook, new_handbook), link=link)


def changes_since(
    rev: str,
    content_dir: Path,
    new_handbook: Handbook,
    *,
    transform: Callable[[Handbook], Handbook] | None = None,
    link: Callable[[str], str | None] | None = None,
) -> str:
    """Markdown of "Changes in this edition" between ``content_dir`` as it was at git
    revision ``rev`` and ``new_handbook`` (what is being built). ``transform`` is applied
    to the old edition as it was to the new one (e.g. leaving drafts out)."""
    content_dir = Path(content_dir).resolve()
    top = _git(content_dir, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise DiffError(f"--since {rev}: {content_dir} is not inside a git repository")
    repo = Path(top.stdout.decode().strip())
    old = load_edition(f"git:{rev}", repo=repo, content=content_dir.relative_to(repo.resolve()).as_posix())
    old_handbook = old.handbook
    if old_handbook is None:  # cannot happen: a git edition is always read from its content
        raise DiffError(f"--since {rev}: no content at that revision")
    if transform is not None:
        old_handbook = transform(old_handbook)
    return render_markdown(
        diff_handbooks(old_handbook, new_handbook, old_label=f"git:{rev}", new_label="this build"), link=link
    )
