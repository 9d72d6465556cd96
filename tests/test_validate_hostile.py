"""Content that used to validate and then mislead readers, crash or hang the build
(security review 2026-11: D3, D5, D6, D7, D8, D9, D12) is refused by `handbook
validate` with a located error, quickly, and without a traceback."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"


def validate(content: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", "--content", str(content)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def edit(content: Path, name: str, old: str, new: str) -> None:
    path = content / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


ALPHA = "topics/alpha.yaml"
DOSE = "dose: {amount: 1, unit: g/kg}"


@pytest.mark.parametrize(
    "name, old, new, expected",
    [
        # D9: YAML 1.1 numbers that mean something else than they say
        (
            ALPHA,
            DOSE,
            "dose: {amount: 010, unit: g/kg}",
            "alpha.yaml:30:20: regimens[0].dose.amount: '010' has a leading zero",
        ),
        (
            ALPHA,
            DOSE,
            "dose: {amount: 0x10, unit: g/kg}",
            ":30:20: regimens[0].dose.amount: '0x10' is a hexadecimal number",
        ),
        (ALPHA, DOSE, "dose: {amount: 1_0, unit: g/kg}", ":30:20: regimens[0].dose.amount: '1_0' has underscores"),
        (
            ALPHA,
            DOSE,
            "dose: {amount: 1:30, unit: g/kg}",
            ":30:20: regimens[0].dose.amount: '1:30' is a base-60 number",
        ),
        (ALPHA, "days: 1", "days: 0x1", ":32:11: regimens[0].days: '0x1' is a hexadecimal number"),
        (
            ALPHA,
            "days: 1",
            "days: 99999999999999999999",
            ":32:11: regimens[0].days: '99999999999999999999' is implausibly large",
        ),
        (ALPHA, "days: 1", "days: 400", ":32:11: regimens[0].days: must be at most 365 (got 400)"),
        # D7: values that crashed or hung the build
        (
            ALPHA,
            DOSE,
            "dose: {amount: .inf, unit: g/kg}",
            ":30:20: regimens[0].dose.amount: '.inf' is not a clinical number",
        ),
        (
            ALPHA,
            DOSE,
            'dose: {amount: "inf", unit: g/kg}',
            ":30:20: regimens[0].dose.amount: expected a finite number, got 'inf'",
        ),
        (ALPHA, DOSE, "dose: {amount: 1.0e+308, unit: g/kg}", "'1.0e+308' is implausibly large"),
        (
            ALPHA,
            DOSE,
            "dose: {amount: 100000, unit: g/kg}",
            ":30:11: regimens[0].dose: dose 100000 g/kg is implausibly large (above 10 g/kg)",
        ),
        (
            "products.yaml",
            "vial_sizes_g: [5, 10, 20]",
            "vial_sizes_g: [1.0e-12]",
            "products[0]: vial sizes are between 0.1 g and 1000 g",
        ),
        # D8, D9: dates
        (
            ALPHA,
            "last_updated: 2026-11-01",
            "last_updated: 2026-02-30",
            ":12:17: review.last_updated: '2026-02-30' is not a real calendar date",
        ),
        (
            ALPHA,
            "last_updated: 2026-11-01",
            "last_updated: 2026-13-01",
            ":12:17: review.last_updated: '2026-13-01' is not a real calendar date",
        ),
        (
            ALPHA,
            "last_updated: 2026-11-01",
            "last_updated: 0",
            ":12:17: review.last_updated: expected a date as YYYY-MM-DD, got 0",
        ),
        (
            ALPHA,
            "last_updated: 2026-11-01",
            "last_updated: 9999-12-31",
            ":12:17: review.last_updated: date 9999-12-31 is outside 1900-2100",
        ),
        # D9: figures that printed "nan h", "-24 h"
        (
            ALPHA,
            "summary: How to give alpha to adults with ITP.",
            'summary: "How to give\\x7f alpha to adults with ITP."',
            "alpha.yaml:4:10: summary: control character U+007F",
        ),
        (
            ALPHA,
            "summary: How to give alpha to adults with ITP.",
            'summary: "How to give\\x01 alpha to adults with ITP."',
            "control character U+0001",
        ),
        (
            ALPHA,
            "summary: How to give alpha to adults with ITP.",
            'summary: "How to give\\x9f alpha to adults with ITP."',
            "control character U+009F",
        ),
        (
            ALPHA,
            "summary: How to give alpha to adults with ITP.",
            'summary: "How to give\\ufffe alpha to adults with ITP."',
            "control character U+FFFE",
        ),
        (
            ALPHA,
            "summary: How to give alpha to adults with ITP.",
            "summary: How to give \x00 alpha",
            "alpha.yaml:4:22: <text>: control character U+0000",
        ),
        # D6: the Markdown placeholder marker
        (
            "glossary.yaml",
            "abbr: IV\n",
            "abbr: wzxhzdk\n",
            "glossary.yaml:5:11: <text>: 'wzxhzdk' is reserved by the Markdown processor",
        ),
        (
            "glossary.yaml",
            "abbr: IV\n",
            'abbr: "wzx\\x68zdk"\n',
            "glossary.yaml:5:11: terms[1].abbr: 'wzxhzdk' is reserved",
        ),
        (
            "glossary.yaml",
            "abbr: IV\n",
            "abbr: '12'\n",
            "glossary.yaml:5:11: terms[1].abbr: an abbreviation starts and ends with a letter",
        ),
        # D9: Windows-reserved ids
        (ALPHA, "  - id: alpha-once", "  - id: con", ":25:9: regimens[0].id: 'con' is a reserved file name on Windows"),
        # D12: prose links to another host
        (
            ALPHA,
            "Give alpha 1 g/kg once",
            "See [x](//evil.example/p). Give alpha 1 g/kg once",
            ":15:9: bottom_line.text: link target '//evil.example/p' is not allowed",
        ),
        (
            ALPHA,
            "Give alpha 1 g/kg once",
            "See [x](/\\evil.example/p). Give alpha 1 g/kg once",
            "link target '/\\evil.example/p' is not allowed",
        ),
        (
            ALPHA,
            "Give alpha 1 g/kg once",
            "See [x](https:\\\\evil.example). Give alpha 1 g/kg once",
            "link target 'https:\\\\evil.example' is not allowed",
        ),
    ],
)
def test_misleading_content_is_refused_where_it_is_written(mini, name, old, new, expected):
    edit(mini, name, old, new)
    code, output = validate(mini)
    assert code == 1, output
    assert expected in output, output


def test_figures_are_not_negative(mini):
    edit(
        mini,
        ALPHA,
        "regimens:",
        "response:\n  - text: Counts rise.\n    figures: [{label: time to response, value: -24, unit: h}]\n    cite: [guide-2020]\nregimens:",
    )
    code, output = validate(mini)
    assert code == 1
    assert "must be at least 0 (got -24)" in output, output


def test_decimal_numbers_and_dates_written_plainly_still_validate(mini):
    edit(mini, ALPHA, DOSE, "dose: {amount: 0.4, unit: g/kg}")
    code, output = validate(mini)
    assert code == 0, output


def test_new_refuses_a_windows_reserved_id(mini):
    result = CliRunner().invoke(cli, ["new", "--content", str(mini), "topic", "con"])
    assert result.exit_code == 2
    assert "'con' is a reserved file name on Windows" in result.output
    assert not (mini / "topics" / "con.yaml").exists()


BOMB = "".join(
    [f"x-{chr(97)}: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    + [f"x-{chr(97 + i)}: &{chr(97 + i)} [{', '.join([f'*{chr(96 + i)}'] * 9)}]\n" for i in range(1, 10)]
)


def test_billion_laughs_is_refused_in_under_a_second_with_bounded_memory(mini):
    """D3: a 1 KB file of ten alias levels held validate for minutes at 3 GB."""
    topic = mini / "topics" / "alpha.yaml"
    topic.write_text(topic.read_text() + BOMB)
    script = (
        "import sys, time; from click.testing import CliRunner; from generator.cli import cli\n"
        "import generator.validate\n"
        f"CliRunner().invoke(cli, ['validate', '--content', {str(MINI)!r}])  # imports and first-use set-up\n"
        "start = time.perf_counter()\n"
        f"result = CliRunner().invoke(cli, ['validate', '--content', {str(mini)!r}])\n"
        "peak = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]\n"
        "print(result.exit_code, round(time.perf_counter() - start, 2), peak)\n"
        "print(result.output)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HANDBOOK_JOBS": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - started < 30
    first, _, output = done.stdout.partition("\n")
    code, seconds, max_kb = first.split()
    assert code == "1", done.stdout + done.stderr
    assert float(seconds) < 1.0
    # VmHWM: this process's peak resident size. (ru_maxrss would carry over the size
    # of the pytest process it was forked from: 640 MB in a full run.)
    assert int(max_kb) < 400_000  # the interpreter with pydantic and click: about 100 MB
    assert "YAML aliases expand this file to more than 1,000,000 values" in output


def test_recursive_alias_and_deep_nesting_are_located(mini):
    topic = mini / "topics" / "alpha.yaml"
    base = topic.read_text()
    topic.write_text(base.replace("tags: [ITP]", "tags: &t [ITP, *t]"))
    code, output = validate(mini)
    assert code == 1 and "alpha.yaml:7:7: <yaml>: a YAML alias refers to the value that contains it" in output, output
    topic.write_text(base.replace("tags: [ITP]", "tags: " + "[" * 900 + "]" * 900))
    code, output = validate(mini)
    assert code == 1 and "values are nested more than 64 levels deep" in output, output


def test_oversized_file_is_refused_without_parsing(mini, monkeypatch):
    monkeypatch.setenv("HANDBOOK_MAX_FILE_MB", "0.01")
    topic = mini / "topics" / "alpha.yaml"
    topic.write_text(topic.read_text() + "# padding\n" * 2000)
    code, output = validate(mini)
    assert code == 1
    assert "alpha.yaml:1:1: <file>: file is 0.0 MB, over the 0.01 MB limit (HANDBOOK_MAX_FILE_MB)" in output, output


# --------------------------------------------------------------------------- D5: symbolic links and special files


def test_a_symlink_to_a_topic_outside_the_handbook_is_refused_by_name(mini, tmp_path):
    outside = tmp_path / "elsewhere" / "secret-topic.yaml"
    outside.parent.mkdir()
    outside.write_text((mini / "topics" / "beta.yaml").read_text().replace("id: beta", "id: secret-topic"))
    (mini / "topics" / "secret-topic.yaml").symlink_to(outside)
    code, output = validate(mini)
    assert code == 1
    assert (
        f"topics/secret-topic.yaml:1:1: <file>: file is a symbolic link to {outside}, outside the content folder"
        in output
    ), output


def test_a_symlink_inside_the_handbook_is_followed(mini):
    (mini / "shared").mkdir()
    (mini / "topics" / "beta.yaml").rename(mini / "shared" / "beta.yaml")
    (mini / "topics" / "beta.yaml").symlink_to(mini / "shared" / "beta.yaml")
    code, output = validate(mini)
    assert code == 0, output


@pytest.mark.parametrize(
    "make, expected",
    [
        (
            lambda p, c: p.symlink_to("/etc/shadow"),
            "file is a symbolic link to /etc/shadow, outside the content folder",
        ),
        (lambda p, c: p.symlink_to("/dev/zero"), "file is a symbolic link to /dev/zero, outside the content folder"),
        (lambda p, c: p.symlink_to(c / "nowhere.yaml"), "file is a symbolic link to nothing (dangling); refused"),
        (lambda p, c: p.symlink_to(p), "file is a symbolic link loop; refused, not read"),
        (lambda p, c: p.mkdir(), "is a folder, not a YAML file; refused"),
        (lambda p, c: os.mkfifo(p), "is a named pipe, not a YAML file; refused, not read"),
        (lambda p, c: p.symlink_to(c / "topics"), "is a folder, not a YAML file; refused"),
    ],
    ids=["shadow", "dev-zero", "dangling", "loop", "folder", "fifo", "link-to-folder"],
)
def test_special_files_are_refused_by_name_without_reading(mini, make, expected):
    target = mini / "topics" / "odd.yaml"
    make(target, mini)
    resource.setrlimit(resource.RLIMIT_CPU, resource.getrlimit(resource.RLIMIT_CPU))
    started = time.perf_counter()
    code, output = validate(mini)
    assert time.perf_counter() - started < 20
    assert code == 1
    assert f"topics/odd.yaml:1:1: <file>: {expected}" in output, output
    assert "root:" not in output


def test_report_problem_and_reference_urls_are_web_addresses_located(mini):
    edit(mini, "handbook.yaml", "report_problem: mailto:handbook@example.org", 'report_problem: "javascript:alert(1)"')
    edit(mini, "references.yaml", "    doi: 10.1000/test.2020", '    url: "file:///etc/passwd"')
    code, output = validate(mini)
    assert code == 1
    assert "handbook.yaml:12:17: report_problem: report_problem must be a mailto:, https:// or http://" in output
    assert "references.yaml:12:10: references[0].url: expected a web address, got 'file:///etc/passwd'" in output


def test_a_preview_rereads_a_file_once_written_and_checks_it_again(mini, tmp_path):
    """The read cache of a preview (generator.limits) serves unchanged files from memory;
    a same-size rewrite is read again, and a file replaced by a link outside is refused."""
    from generator import limits
    from generator.diagnostics import Report

    topic = mini / "topics" / "alpha.yaml"
    first = topic.read_text()
    assert limits.read_content_file(topic, "alpha.yaml", Report(), root=mini) == first
    reads = []
    checked = limits._read_checked
    limits._read_checked = lambda *a, **k: reads.append(a[0]) or checked(*a, **k)
    try:
        assert limits.read_content_file(topic, "alpha.yaml", Report(), root=mini) == first
        assert reads == []  # unchanged: not opened again
        topic.write_text(first.replace("alpha", "alpHa", 1))  # same size
        assert limits.read_content_file(topic, "alpha.yaml", Report(), root=mini) == first.replace("alpha", "alpHa", 1)
        assert reads == [topic]
        outside = tmp_path / "elsewhere.yaml"
        outside.write_text(first)
        topic.unlink()
        topic.symlink_to(outside)
        report = Report()
        assert limits.read_content_file(topic, "alpha.yaml", report, root=mini) is None
        assert "outside the content folder" in report.diagnostics[0].message
    finally:
        limits._read_checked = checked
