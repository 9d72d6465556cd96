"""Calculator programs are files of their own, shared by every page that shows them
(issue 20): a phone fetches the IVIG program once, not once per topic page."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from benchmarks.synth import make_synthetic_content
from generator.build import build_site
from generator.calc import program_json
from generator.render import PROGRAM_DIR, program_asset
from generator.validate import load_handbook

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
# The page lists its programs' addresses; calculator.js fetches one when it is needed.
LISTED = re.compile(r'<script type="application/json" id="hb-programs">(.*?)</script>')
PROGRAM = re.compile(r"(?:\.\./)*assets/calculators/[a-z0-9-]+\.[0-9a-f]{16}\.js")


def listed_programs(html: str) -> list[str]:
    found = LISTED.findall(html)
    assert len(found) <= 1
    programs = json.loads(found[0]) if found else []
    assert all(PROGRAM.fullmatch(src) for src in programs), programs
    assert "assets/calculators/" not in LISTED.sub("", html)  # no other reference to a program
    return programs


def test_program_script_is_named_by_its_hash_and_ascii_only() -> None:
    spec = {"id": "x", "text": {"note": "dose\u2028next line"}}
    path, script = program_asset("x", spec)
    text = json.dumps(spec, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    assert path == f"{PROGRAM_DIR}/x.{hashlib.sha256(text.encode()).hexdigest()[:16]}.js"
    assert script == f'(self.HB_CALCULATORS = self.HB_CALCULATORS || {{}})["x"] = {text};\n'
    assert script.isascii() and "\\u2028" in script
    edited = program_asset("x", {**spec, "id": "x "})[0]
    assert edited != path  # an edited program is a new file: no page meets a stale one


def test_pages_link_the_shared_program_files_and_inline_none(tmp_path: Path) -> None:
    """The varied corpus: every copy of a topic keeps its calculators."""
    content = make_synthetic_content(30, tmp_path / "content", corpus="varied")
    build_site(content, tmp_path / "site", docs_dir=tmp_path / "docs", pdf=False)
    site = tmp_path / "site"
    handbook = load_handbook(content)
    files = {p.relative_to(site).as_posix() for p in (site / PROGRAM_DIR).iterdir()}
    assert files == {program_asset(i, program_json(handbook, i))[0] for i in handbook.programs}
    # A piece of each program as compact JSON: found in no page.
    marks = [
        json.dumps(p.to_json()["inputs"][0], sort_keys=True, separators=(",", ":"))[:60]
        for p in handbook.programs.values()
    ]
    linking = 0
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "data-calculator-spec" not in html and "HB_CALCULATORS" not in html, page
        assert not any(mark in html for mark in marks), page
        scripts = listed_programs(html)
        shown = re.findall(r'\bdata-calculator="([a-z0-9-]+)"', html)
        shown += re.findall(r'data-calc-validation="([a-z0-9-]+)"', html)  # validation pages
        # Exactly the programs of the calculators the page shows, each once, and they resolve.
        assert sorted(Path(s).name.split(".")[0] for s in scripts) == sorted(shown), page
        for src in scripts:
            assert (page.parent / src).resolve().is_file(), (page, src)
        linking += bool(scripts)
    copies = [t for t in handbook.topics.values() if t.calculators]
    # Topic pages, and validation pages with vectors to re-run (none in this content).
    assert linking == len(copies)
    assert len(copies) > 10
