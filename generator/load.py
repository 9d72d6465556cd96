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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Report

__all__ = ["LoadedFile", "SourceMap", "load_yaml_file", "load_yaml_text"]

_BaseComposer = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Composer(_BaseComposer):  # type: ignore[misc,valid-type]
    """The safe composer with a memo on implicit tag resolution: libyaml parses in
    C but asks Python's regex-based resolver for the tag of every scalar, the
    largest cost of loading a big handbook. The same text always resolves to the
    same tag, and a handbook repeats its keys and short values thousands of times."""

    _resolved: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit is not None and len(value) < 64:
            key = (value, (bool(implicit[0]), bool(implicit[1])))
            tag = self._resolved.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(self._resolved) < 200_000:  # bounded: memory stays flat
                    self._resolved[key] = tag
            return tag
        return super().resolve(kind, value, implicit)


# Tags that plain YAML resolves by itself. Anything else (``!!python/object``,
# ``!include``...) is refused: content is data, never code.
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

Loc = tuple[str | int, ...]
_STR = "tag:yaml.org,2002:str"


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
    source: SourceMap
    ok: bool
    """False when the file could not be read as YAML at all."""
    reported: frozenset[Loc] = frozenset()
    """Locations already reported by the loader (bad tags, duplicate keys): later
    stages do not report them again."""
    digest: str = ""
    """SHA-1 of the file's text: later stages key their caches on it (a live
    preview re-renders only the topics whose text changed)."""


class _Builder:
    def __init__(self, path: str, report: Report):
        self.path = path
        self.report = report
        self.source = SourceMap()
        self.ok = True
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
        self.source.values[loc] = self._pos(node)
        if node.tag not in _ALLOWED_TAGS:
            self._error(
                node,
                loc,
                f"YAML tag '{_short_tag(node.tag)}' is not allowed "
                "(expected plain YAML values: text, numbers, lists, mappings)",
            )
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        if node.tag == _STR:
            return node.value  # the common case, and the hot path of large handbooks
        value = self._scalars.construct_object(node)
        if isinstance(value, _dt.datetime):
            # A date with a time: keep it as written so the model can refuse it.
            return node.value
        return value

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._error(key_node, loc, "YAML merge keys ('<<') are not allowed (write the fields out)")
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _ALLOWED_TAGS:
                self._error(key_node, loc, "mapping keys must be plain text")
                continue
            key = key_node.value if key_node.tag == _STR else str(self._scalars.construct_object(key_node))
            child = (*loc, key)
            if key in first_seen:
                self._error(
                    key_node,
                    child,
                    f"duplicate key '{key}' (first defined at line {first_seen[key]}; expected each key once)",
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            self.source.keys[child] = self._pos(key_node)
            out[key] = self.build(value_node, child)
        return out


def load_yaml_text(text: str, path: str, report: Report) -> LoadedFile:
    """Parse ``text`` (named ``path`` in messages); problems go to ``report``."""
    builder = _Builder(path, report)
    try:
        root = yaml.compose(text, Loader=_Composer)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{exc.context}: {problem}"
        report.error(path, line, col, "<yaml>", f"YAML syntax error: {problem}")
        return LoadedFile(path, None, builder.source, ok=False)
    except yaml.YAMLError as exc:  # reader errors, e.g. a control character
        report.error(path, 1, 1, "<yaml>", f"YAML error: {exc}")
        return LoadedFile(path, None, builder.source, ok=False)
    if root is None:
        report.error(path, 1, 1, "<file>", "file is empty (expected a YAML mapping)")
        return LoadedFile(path, None, builder.source, ok=False)
    data = builder.build(root, ())
    if not isinstance(data, dict) and () not in builder.reported:
        builder._error(root, (), f"expected a YAML mapping at the top of the file, got {type(data).__name__}")
    ok = isinstance(data, dict)
    digest = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()
    return LoadedFile(path, data, builder.source, ok=ok, reported=frozenset(builder.reported), digest=digest)


# Files that loaded without a problem, by name, with the exact text they were
# parsed from: a live preview re-parses only the files an editor changed. A file
# with problems is never cached, so its diagnostics are reported on every run.
_CLEAN: dict[str, tuple[str, LoadedFile]] = {}
_CLEAN_LIMIT = 50_000


def load_yaml_file(path: Path, report: Report, *, display: str | None = None) -> LoadedFile:
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        report.error(name, 1, 1, "<file>", f"file is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return LoadedFile(name, None, SourceMap(), ok=False)
    cached = _CLEAN.get(name)
    if cached is not None and cached[0] == text:
        return cached[1]
    before = len(report.diagnostics)
    loaded = load_yaml_text(text, name, report)
    if loaded.ok and len(report.diagnostics) == before and len(_CLEAN) < _CLEAN_LIMIT:
        _CLEAN[name] = (text, loaded)
    else:
        _CLEAN.pop(name, None)
    return loaded
