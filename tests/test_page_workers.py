"""MkDocs' Markdown conversion in worker processes (generator/page_workers.py): the
same site, the same messages, and nothing shared out when a plugin works on pages.

Each case runs MkDocs in a fresh interpreter (forking needs a process with no other
thread, which a pytest session does not promise)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_workers import PRELUDE

ROOT = Path(__file__).resolve().parent.parent

PAGES = {
    "index.md": "# Home\n\nSee [the second page](two.md#dosing), [a missing page](missing.md) and "
    "[a missing heading](two.md#nowhere).\n",
    "two.md": "# Two\n\n## Dosing\n\nText with a [link home](index.md).\n",
    "three.md": "# Three\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
}

HOOK = """
from generator import page_workers
def on_nav(nav, config, files):
    page_workers.convert_pages(config, files)
    return nav
def on_env(env, config, files):
    page_workers.forget(files)
    return env
"""

# test_workers' prelude: workers for any number of items, and the forks counted.
BUILD = (
    PRELUDE
    + """
import hashlib, logging
from pathlib import Path
messages = []
class Keep(logging.Handler):
    def emit(self, record):
        messages.append(f"{record.levelname}: {record.getMessage()}")
logging.getLogger("mkdocs").addHandler(Keep(logging.WARNING))
logging.getLogger("mkdocs").setLevel(logging.INFO)
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
config = load_config(sys.argv[1], strict=sys.argv[2] == "strict")
try:
    build(config)
    outcome = "built"
except Abort as exc:
    outcome = str(exc)
except Exception as exc:
    outcome = f"{type(exc).__name__}: {exc}"
site = Path(config.site_dir)
tree = {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(site.rglob("*")) if p.is_file() and p.suffix == ".html"}
print(json.dumps({"outcome": outcome, "messages": messages, "tree": tree, "forks": forks}))
"""
)


# A Markdown extension that fails on one page, as a broken extension or page would.
BOOM = """
import markdown
class Boom(markdown.preprocessors.Preprocessor):
    def run(self, lines):
        if "BOOM" in lines:
            raise ValueError("this page cannot be converted")
        return lines
class BoomExtension(markdown.extensions.Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(Boom(md), "boom", 100)
def makeExtension(**kwargs):
    return BoomExtension(**kwargs)
"""


def build(
    tmp_path: Path, name: str, *, jobs: str, strict: bool = False, extra_hook: str = "", pages: dict | None = None
) -> dict:
    project = tmp_path / name
    docs = project / "docs"
    docs.mkdir(parents=True)
    for page, text in (pages or PAGES).items():
        (docs / page).write_text(text, encoding="utf-8")
    (project / "hook.py").write_text(HOOK + extra_hook, encoding="utf-8")
    (project / "boom_extension.py").write_text(BOOM, encoding="utf-8")
    (project / "mkdocs.yml").write_text(
        "site_name: Test\nhooks: [hook.py]\nmarkdown_extensions: [tables, toc, boom_extension]\n"
        "validation: {anchors: warn}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "HANDBOOK_JOBS": jobs, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    env["SOURCE_DATE_EPOCH"] = "1790000000"  # MkDocs' theme prints the build time
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BUILD), str(project / "mkdocs.yml"), "strict" if strict else "lax"],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# The first is logged while a page is converted (in a worker), the second by MkDocs
# afterwards from what the conversion found (the links to other pages' anchors).
MISSING = [
    "WARNING: Doc file 'index.md' contains a link 'missing.md', but the target is not found among documentation files.",
    "WARNING: Doc file 'index.md' contains a link 'two.md#nowhere', but the doc 'two.md' does not contain an anchor "
    "'#nowhere'.",
]


def test_pages_converted_in_workers_are_the_same_bytes_with_the_same_messages(tmp_path):
    two = build(tmp_path, "two", jobs="2")
    one = build(tmp_path, "one", jobs="1")
    assert two["forks"] == 2 and one["forks"] == 0
    assert sorted(two["tree"]) == ["404.html", "index.html", "three/index.html", "two/index.html"]
    assert two["tree"] == one["tree"]
    assert two["messages"] == one["messages"] == MISSING


def test_strict_mode_counts_a_warning_logged_in_a_worker(tmp_path):
    two = build(tmp_path, "two", jobs="2", strict=True)
    assert two["forks"] == 2
    assert two["outcome"] == "Aborted with 2 warnings in strict mode!"
    assert two["messages"] == MISSING


@pytest.mark.parametrize("event", ["on_page_markdown", "on_page_content", "on_pre_page"])
def test_nothing_is_shared_out_when_a_plugin_works_on_pages(tmp_path, event):
    """What such a plugin did in a worker would not reach the build."""
    hook = f"\ndef {event}(value, **kwargs):\n    return value\n"
    out = build(tmp_path, "plugin", jobs="2", extra_hook=hook)
    assert out["forks"] == 0
    assert out["messages"] == MISSING


def test_a_page_that_fails_in_a_worker_fails_the_build_as_in_one_process(tmp_path):
    """The pages before it say what they logged, then MkDocs' own message for the page."""
    pages = {**PAGES, "two.md": "# Two\n\nBOOM\n"}
    two = build(tmp_path, "two", jobs="2", pages=pages)
    one = build(tmp_path, "one", jobs="1", pages=pages)
    assert two["forks"] == 2 and one["forks"] == 0
    assert two["outcome"] == one["outcome"] == "ValueError: this page cannot be converted"
    assert (
        two["messages"]
        == one["messages"]
        == [
            MISSING[0],
            "ERROR: Error reading page 'two.md': this page cannot be converted",
        ]
    )
