"""Smoke test of the benchmark (issue 7): `python -m benchmarks --quick` runs end to
end and prints every figure. Timings are not asserted (CI machines vary); the
things that do not depend on the machine are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

FIELDS = {
    "topics",
    "generate_s",
    "mkdocs_s",
    "total_s",
    "ratio_to_plain",
    "plain_mkdocs_s",
    "peak_rss_mb",
    "site_bytes",
    "topic_html_bytes",
    "topic_html_gzip_bytes",
    "first_visit_gzip_bytes",
    "app_precache_gzip_bytes",
    "app_install_gzip_bytes",
    "search_index_bytes",
    "edit_to_refresh_s",
    "pdf_s_per_page",
    "lighthouse",
}


CALCULATORS = len(list((ROOT / "content" / "calculators").glob("*.yaml")))


def test_quick_benchmark_prints_one_json_object_per_size(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--no-lighthouse", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=1500,  # two corpora at two sizes; a loaded CI machine is slow
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    sample, results = lines[0], [line for line in lines[1:] if "budgets" not in line]
    budgets = {line["corpus"]: line["budgets"] for line in lines[1:] if "budgets" in line}
    # Issue 20: the quick run builds the mixed corpus and the one with a single large specialty.
    assert sorted(budgets) == ["mixed", "one-specialty"]
    for figures in budgets.values():
        assert {"ratio_to_plain_ok", "growth", "growth_ok", "topic_chrome_gzip_bytes", "topic_chrome_ok"} <= set(
            figures
        )
    # The sample handbook's offline app: small enough to be stored whole.
    assert sample["sample"] == "content/" and sample["app_whole_site"] is True
    assert 0 < sample["app_shell_gzip_bytes"] < sample["app_precache_gzip_bytes"] <= sample["app_budget_kb"] * 1024
    assert [(r["corpus"], r["topics"]) for r in results] == [
        ("mixed", 20),
        ("mixed", 60),
        ("one-specialty", 20),
        ("one-specialty", 60),
    ]
    for result in results:
        assert set(result) >= FIELDS, FIELDS - set(result)
        # 8 index pages and 404, About and the authoring guide, a validation page per
        # calculator, and the index page of a specialty too large to list flat.
        grouped = result["corpus"] == "one-specialty" and result["topics"] > 40
        assert result["html_pages"] == result["topics"] + 11 + CALCULATORS + grouped
        assert result["total_s"] >= result["generate_s"] > 0
        assert result["lighthouse"] is None and result["lighthouse_reason"]
        # The first view of a topic page must not download the search index.
        if result["first_visit_gzip_bytes"] is not None:
            assert result["first_visit_fetched_search_index"] is False
        if result["corpus"] != "mixed":
            assert result["edit_to_refresh_s"] is None  # measured on the mixed corpus only
            continue
        # One edited summary: its page and the topics showing it under "Related
        # topics"; the indexes list titles only, so none of them is rewritten.
        assert result["edit_to_refresh_s"] is not None, result.get("edit_reason")
        rewrote = result["edit_rewrote_markdown"]
        assert rewrote, "the edited topic page was not rewritten"
        assert all(rel.startswith("topics/") for rel in rewrote), rewrote
    assert results[0]["pdf_s_per_page"] is not None
    assert results[1]["pdf_s_per_page"] is None and "skipped" in results[1]["pdf_reason"]


def test_lighthouse_is_found_from_the_environment_variable_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.run import lighthouse_command

    monkeypatch.setenv("LIGHTHOUSE", "/opt/lh/bin/lighthouse")
    assert lighthouse_command() == ["/opt/lh/bin/lighthouse"]
    monkeypatch.delenv("LIGHTHOUSE")
    monkeypatch.setenv("PATH", "/nonexistent")  # no lighthouse, no npx on PATH
    monkeypatch.setattr("benchmarks.run.LOCAL_LIGHTHOUSE", Path("/nonexistent/lighthouse"))
    monkeypatch.setattr("benchmarks.run.PROJECT_LIGHTHOUSE", Path("/nonexistent/project/lighthouse"))
    assert lighthouse_command() is None


def test_the_projects_pinned_lighthouse_comes_before_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`npm ci --prefix benchmarks/lighthouse` installs the pinned copy the benchmark runs."""
    import json

    from benchmarks.run import PROJECT_LIGHTHOUSE, ROOT, lighthouse_command

    assert PROJECT_LIGHTHOUSE.is_relative_to(ROOT / "benchmarks" / "lighthouse")
    pinned = json.loads((ROOT / "benchmarks" / "lighthouse" / "package.json").read_text(encoding="utf-8"))
    assert pinned["dependencies"]["lighthouse"].startswith("12.")
    executable = tmp_path / "lighthouse"
    executable.write_text("#!/bin/sh\n", encoding="utf-8")
    executable.chmod(0o755)
    monkeypatch.delenv("LIGHTHOUSE", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("benchmarks.run.PROJECT_LIGHTHOUSE", executable)
    monkeypatch.setattr("benchmarks.run.LOCAL_LIGHTHOUSE", Path("/nonexistent/lighthouse"))
    assert lighthouse_command() == [str(executable)]
