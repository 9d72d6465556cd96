"""Stage 1 — load: read YAML files into plain Python data plus a source map.

Only plain YAML is accepted (no ``!!python/...`` or custom tags). The libyaml C
composer is used when available. Unlike ``yaml.safe_load`` we build values from
the node tree ourselves so that

* every mapping key and value keeps its line and column (for error messages),
* duplicate keys are errors (PyYAML silently keeps the last one).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic, Report
from .escape import describe_forbidden, forbidden_text, link_problems
from .limits import (
    MAX_DEPTH,
    MAX_EXPANDED_NODES,
    check_date,
    check_number,
    read_content_file,
)
from .workers import map_in_order

__all__ = ["LoadedFile", "SourceMap", "load_yaml_file", "load_yaml_files", "load_yaml_text"]

_BaseComposer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
Loc = tuple[str | int, ...]


class _Composer(_BaseComposer):  # type: ignore[misc,valid-type]
    """The safe composer with a memo on implicit tag resolution: libyaml parses in
    C but asks Python's regex-based resolver for the tag of every scalar, the
    largest cost of loading a big handbook. The same text always resolves to the
    same tag, and a handbook repeats its keys and short values thousands of times."""

    _resolved: dict[str, str] = {}
    # First characters that some implicit resolver (int, float, bool, null,
    # timestamp, merge, value) can match: any other plain scalar is text.
    _first = frozenset(k for k in _BaseComposer.yaml_implicit_resolvers if k)

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode and not _BaseComposer.yaml_path_resolvers:
            if not implicit[0] or (value and value[0] not in self._first):
                return _STR  # quoted, block or '!'-tagged scalars, and plain words
            if len(value) < 64:
                tag = self._resolved.get(value)
                if tag is None:
                    tag = super().resolve(kind, value, implicit)
                    if len(self._resolved) < 200_000:  # bounded: memory stays flat
                        self._resolved[value] = tag
                return tag
        return super().resolve(kind, value, implicit)


# Tags that plain YAML resolves by itself. Anything else (``!!python/object``,
# ``!include``...) is refused: content is data, never code.
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


@dataclass
class SourceMap:
    """Line and column (1-based) of every value and every mapping key of a file."""

    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def locate(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Position of ``loc``, or of its nearest existing ancestor."""
        loc = tuple(loc)
        if key and loc in self.keys:
            return self.keys[loc]
        while loc:
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), (1, 1))


@dataclass
class LoadedFile:
    path: str
    data: Any
    ok: bool
    """False when the file could not be read as YAML at all."""
    reported: frozenset[Loc] = frozenset()
    """Locations already reported by the loader (bad tags, duplicate keys): later
    stages do not report them again."""
    digest: str = ""
    """SHA-1 of the file's text: later stages key their caches on it (a live
    preview re-renders only the topics whose text changed)."""
    text: str = ""
    """The text the data was read from (positions are found in it on demand)."""
    _source: SourceMap | None = field(default=None, repr=False, compare=False)

    @property
    def source(self) -> SourceMap:
        """Where every value and key of the file is. Found on first use by reading
        the text again: a clean file never needs it, and recording a position for
        every node of every file was a fifth of the cost of loading a big handbook."""
        if self._source is None:
            self._source = SourceMap()
            if self.data is not None:  # the text composed: its nodes have positions
                root = yaml.compose(self.text, Loader=_Composer)
                _Builder(self.path, Report(), self._source).build(root, ())
        return self._source


class _Builder:
    """Plain data from a composed node tree, checking what ``yaml.safe_load`` lets
    through. With a ``source`` map it also records where every value and key is."""

    def __init__(self, path: str, report: Report, source: SourceMap | None = None):
        self.path = path
        self.report = report
        self.source = source
        self.reported: set[Loc] = set()
        self._scalars = SafeConstructor()

    @staticmethod
    def _pos(node: Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def _error(self, node: Node, loc: Loc, message: str) -> None:
        from .diagnostics import format_loc

        self.reported.add(loc)
        line, col = self._pos(node)
        self.report.error(self.path, line, col, format_loc(loc), message)

    def build(self, node: Node, loc: Loc) -> Any:
        if self.source is not None:
            self.source.values[loc] = self._pos(node)
        tag = node.tag
        if tag == _STR:
            if type(node) is ScalarNode:
                value = node.value
                # The common case, and the hot path of large handbooks: two substring
                # tests. Escapes ("\x01") exist only in double-quoted scalars.
                if "](" in value or node.style == '"':
                    self._check_text(node, loc, value)
                return value
        elif tag not in _ALLOWED_TAGS:
            self._error(
                node,
                loc,
                f"YAML tag '{_short_tag(tag)}' is not allowed "
                "(expected plain YAML values: text, numbers, lists, mappings)",
            )
            return None
        if isinstance(node, MappingNode | SequenceNode) and len(loc) >= MAX_DEPTH:
            self._error(node, loc, f"values are nested more than {MAX_DEPTH} levels deep (content never needs that)")
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, loc)

    def _scalar(self, node: Node, loc: Loc) -> Any:
        """A number, date, boolean or null, as a person reading the file means it."""
        if node.tag in _NUMBER_TAGS:
            problem = check_number(node.value, node.tag)
            if problem:
                self._error(node, loc, problem)
                return None
        try:
            value = self._scalars.construct_object(node)
        except ValueError:  # 2026-02-30, 2026-13-01: PyYAML's date constructor
            self._error(node, loc, f"'{node.value}' is not a real calendar date (expected YYYY-MM-DD)")
            return None
        if isinstance(value, _dt.datetime):
            # A date with a time: keep it as written so the model can refuse it.
            return node.value
        if isinstance(value, _dt.date):
            problem = check_date(value)
            if problem:
                self._error(node, loc, problem)
                return None
        return value

    def _check_text(self, node: Node, loc: Loc, value: str) -> None:
        found = forbidden_text(value)
        if found:
            self._error(node, loc, describe_forbidden(found))
        for problem in link_problems(value):
            self._error(node, loc, problem)

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        keys = self.source.keys if self.source is not None else None
        for key_node, value_node in node.value:
            if key_node.tag == _STR and type(key_node) is ScalarNode:
                key = key_node.value
            elif key_node.tag == "tag:yaml.org,2002:merge":
                self._error(key_node, loc, "YAML merge keys ('<<') are not allowed (write the fields out)")
                continue
            elif not isinstance(key_node, ScalarNode) or key_node.tag not in _ALLOWED_TAGS:
                self._error(key_node, loc, "mapping keys must be plain text")
                continue
            else:
                key = str(self._scalars.construct_object(key_node))
            child = (*loc, key)
            if key in first_seen:
                self._error(
                    key_node,
                    child,
                    f"duplicate key '{key}' (first defined at line {first_seen[key]}; expected each key once)",
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            if keys is not None:
                keys[child] = self._pos(key_node)
            out[key] = self.build(value_node, child)
        return out


def load_yaml_text(text: str, path: str, report: Report) -> LoadedFile:
    """Parse ``text`` (named ``path`` in messages); problems go to ``report``."""
    if _report_forbidden(text, path, report):
        return LoadedFile(path, None, ok=False, text=text)
    try:
        root = yaml.compose(text, Loader=_Composer)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        report.error(path, line, col, "<yaml>", f"YAML syntax error: {problem}")
        return LoadedFile(path, None, ok=False, text=text)
    except yaml.YAMLError as exc:  # reader errors, e.g. a control character
        report.error(path, 1, 1, "<yaml>", f"YAML error: {exc}")
        return LoadedFile(path, None, ok=False, text=text)
    if root is None:
        report.error(path, 1, 1, "<file>", "file is empty (expected a YAML mapping)")
        return LoadedFile(path, None, ok=False, text=text)
    if "&" in text and not _bounded(root, path, report):
        return LoadedFile(path, None, ok=False, text=text)
    builder = _Builder(path, report)
    data = builder.build(root, ())
    if not isinstance(data, dict) and () not in builder.reported:
        builder._error(root, (), f"expected a YAML mapping at the top of the file, got {type(data).__name__}")
    ok = isinstance(data, dict)
    digest = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()
    return LoadedFile(path, data, ok=ok, reported=frozenset(builder.reported), digest=digest, text=text)


def _report_forbidden(text: str, path: str, report: Report) -> bool:
    """Report each line holding a control character or a Markdown placeholder
    marker, at its line and column (the YAML reader would say 1:1, or nothing)."""
    found = forbidden_text(text)
    if found is None:
        return False
    shown = 0
    while found is not None and shown < 20:
        line = text.count("\n", 0, found.start()) + 1
        col = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        report.error(path, line, col, "<text>", describe_forbidden(found))
        shown += 1
        next_line = text.find("\n", found.end())
        found = forbidden_text(text, next_line) if next_line != -1 else None
    return True


def _bounded(root: Node, path: str, report: Report) -> bool:
    """False (reported) when aliases would expand ``root`` beyond
    MAX_EXPANDED_NODES values or refer to themselves: a 22 KB "billion laughs"
    file otherwise expands to billions of values. One pass over the distinct
    nodes, each alias costing what its target holds (memoised)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] > MAX_EXPANDED_NODES:
                line, col = node.start_mark.line + 1, node.start_mark.column + 1
                report.error(
                    path,
                    line,
                    col,
                    "<yaml>",
                    f"YAML aliases expand this file to more than {MAX_EXPANDED_NODES:,} values (refused unread)",
                )
                return False
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
            report.error(path, line, col, "<yaml>", "a YAML alias refers to the value that contains it")
            return False
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return True


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


# Files that loaded without a problem, by name (each keeps the exact text it was
# parsed from): a live preview re-parses only the files an editor changed. A file
# with problems is never cached, so its diagnostics are reported on every run.
_CLEAN: dict[str, LoadedFile] = {}
_CLEAN_LIMIT = 50_000


def _load_one(item: tuple[str, str]) -> tuple[LoadedFile, list[Diagnostic]]:
    name, text = item
    report = Report()
    loaded = load_yaml_text(text, name, report)
    loaded.text = ""  # the caller has it: not sent back from a worker process
    return loaded, report.diagnostics


def load_yaml_files(files: Sequence[tuple[Path, str]], report: Report, *, root: Path | None = None) -> list[LoadedFile]:
    """Load every ``(path, display name)`` of ``files``, in order; problems go to
    ``report``. Files unchanged since this process last loaded them cleanly are
    not parsed again; when many changed (a cold build), they are parsed in worker
    processes (generator.workers). Files are read by generator.limits: bounded in
    size, and a symbolic link only when it leads to a file inside ``root``."""
    out: list[LoadedFile | None] = [None] * len(files)
    todo: list[tuple[int, str, str]] = []
    real_root = Path(os.path.realpath(root)) if root is not None else None
    for i, (path, name) in enumerate(files):
        text = read_content_file(path, name, report, root=root, real_root=real_root)
        if text is None:
            out[i] = LoadedFile(name, None, ok=False)
            continue
        cached = _CLEAN.get(name)
        if cached is not None and cached.text == text:
            out[i] = cached
        else:
            todo.append((i, name, text))
    results = map_in_order(_load_one, [(name, text) for _, name, text in todo])
    for (i, name, text), (loaded, diagnostics) in zip(todo, results, strict=True):
        loaded.text = text
        for diagnostic in diagnostics:
            report.add(diagnostic)
        if loaded.ok and not diagnostics and len(_CLEAN) < _CLEAN_LIMIT:
            _CLEAN[name] = loaded
        else:
            _CLEAN.pop(name, None)
        out[i] = loaded
    return [loaded for loaded in out if loaded is not None]


def load_yaml_file(path: Path, report: Report, *, display: str | None = None, root: Path | None = None) -> LoadedFile:
    """Load one file (see :func:`load_yaml_files`)."""
    return load_yaml_files([(path, display or str(path))], report, root=root)[0]
