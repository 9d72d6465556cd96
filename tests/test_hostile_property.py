"""Property: whatever hostile text an editor (or an attacker with commit access)
puts into every free-text field of a valid handbook, either validate refuses it
with located errors, or the built site runs no script of theirs in Chromium and
still shows the review caution on every unapproved topic.

The free-text fields are found by trial (a field that still validates with
markup in it is free text), so a field added to the schema is covered without
editing this test. A bounded number of examples keeps it to about a minute."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_support import PHONE, serve
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.build import build_site
from generator.diagnostics import ContentError
from generator.validate import validate_content

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
# No digits: a digit in an uncited statement is (rightly) refused, and nothing would be built.
MARK = "window.__xss=true"
FRAGMENTS = [
    f"<img src=x onerror={MARK}>",
    f"<script>{MARK}</script>",
    f'"><svg onload={MARK}>',
    f"' onmouseover='{MARK}' x='",
    f"![x autofocus onfocus={MARK} y](./z)",
    f'[a](./b "t" onmouseover={MARK})',
    f'{{: onclick="{MARK}" }}',
    f'<a href="javascript:{MARK}">j</a>',
    f'<iframe src="javascript:{MARK}"></iframe>',
    f"</div></noscript></script></textarea></title></style><script>{MARK}</script>",
    "`",
    "``",
    "{{ seven*seven }}",
    "{% raw %}",
    "&lt;script&gt;",
    "&#xab;img&#xbb;",
    "-->",
    "<!--",
    "\n# heading\n",
    "\n- item\n",
    "\n*[ITP]: injected\n",
    "\n    indented code\n",
    "|",
    "\\",
    "*",
    "_x_",
    "[^a]",
    '<div markdown="block">*x*</div>',
    "＜script＞",
    "\u202e",
    "\u200b",
    "wzx",
    ":",
]
hostile = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5).map(" ".join)


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, i))
    elif isinstance(data, str):
        yield path, data


def _set(data: Any, path: tuple[Any, ...], value: str) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _files(content: Path) -> dict[str, Any]:
    return {p.relative_to(content).as_posix(): yaml.safe_load(p.read_text()) for p in sorted(content.rglob("*.yaml"))}


def _write(content: Path, files: dict[str, Any]) -> None:
    for name, data in files.items():
        # JSON is YAML: every string is written double-quoted, exactly.
        (content / name).write_text(json.dumps(data, default=str, ensure_ascii=False, indent=1))


@pytest.fixture(scope="module")
def text_fields(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, tuple[Any, ...]]]:
    """Every (file, path) whose string still validates with markup appended."""
    content = tmp_path_factory.mktemp("probe") / "content"
    shutil.copytree(MINI, content)
    original = _files(content)
    fields = []
    for name, data in original.items():
        for path, value in _leaves(data):
            files = json.loads(json.dumps(original, default=str))
            _set(files[name], path, value + " <b>*x*</b> [y](./z)")
            _write(content, files)
            try:
                if validate_content(content)[0] is not None:
                    fields.append((name, path))
            except Exception as exc:  # a crash is a finding, reported below
                CRASHES.append(f"{name} {path}: {exc!r}")
    _write(content, original)
    assert len(fields) > 40, fields
    return fields


CRASHES: list[str] = []


def test_validate_never_raises_on_markup_in_any_field(text_fields: list[Any]) -> None:
    assert CRASHES == []


def _unapproved(site: Path) -> list[str]:
    manifest = json.loads((site / "manifest.json").read_text())
    return [t["id"] for t in manifest["topics"] if t["status"] != "approved"]


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=hostile)
def test_hostile_text_in_every_field_never_runs(browser: Any, text_fields: list[Any], payload: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        content = root / "content"
        shutil.copytree(MINI, content)
        files = _files(content)
        for name, path in text_fields:
            data = files[name]
            for part in path[:-1]:
                data = data[part]
            data[path[-1]] = f"{data[path[-1]]} {payload}"
        _write(content, files)
        try:
            build_site(content, root / "served" / "handbook", pdf=False)
        except ContentError as exc:
            event("refused by validate")
            # Refused: every problem located, nothing built.
            assert all(d.line >= 1 and d.col >= 1 for d in exc.report.errors)
            assert not (root / "served" / "handbook").exists()
            return
        event("built and checked in Chromium")
        site = root / "served" / "handbook"
        context = browser.new_context(**PHONE)
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        try:
            for base in serve(root / "served"):
                for html in sorted(site.rglob("*.html")):
                    path = html.relative_to(site).as_posix().removesuffix("index.html")
                    page.goto(base + path)
                    page.mouse.move(5, 5)
                    assert page.evaluate("window.__xss") is None, (path, payload)
                for topic_id in _unapproved(site):
                    page.goto(f"{base}topics/{topic_id}/")
                    caution = page.locator("article .admonition.warning").first
                    assert "has not completed clinical review" in caution.inner_text(), (topic_id, payload)
        finally:
            context.close()
        assert dialogs == []
