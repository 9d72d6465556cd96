"""Drafting without friction: a new skeleton is one grouped message, the unit vocabulary
is listed once, and builds without drafts (and comparisons) leave out drafts that do not
validate yet, saying so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.scaffold import init_handbook


@pytest.fixture
def drafting(tmp_path: Path) -> Path:
    """A new handbook with one unfilled skeleton, topics/new-one.yaml."""
    folder = tmp_path / "hb"
    init_handbook(folder)
    result = CliRunner().invoke(cli, ["new", "topic", "new-one", "--project", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def validate(folder: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["validate", "--project", str(folder)])
    return result.exit_code, result.stderr.splitlines()


def test_an_unfilled_skeleton_is_one_message_listing_each_placeholder_with_its_line(drafting: Path) -> None:
    code, lines = validate(drafting)
    assert code == 1
    text = (drafting / "topics" / "new-one.yaml").read_text().splitlines()
    header = [line for line in lines if not line.startswith(" ")]
    count = int(re.match(r".*new-one\.yaml:\d+:\d+: (\d+) placeholders left to fill:$", header[0]).group(1))
    assert count > 10
    assert header[1:] == [
        "unit vocabulary: g, mg, g/kg, mg/kg, g/kg/day, mg/kg/day, mg/kg/min, mL/kg/h, mL/h, mL, kg, lb, cm, in, "
        "kg/m2, %, g/dL, x10^9/L, /uL, molecules/platelet, min, h, day, week, month, year, unit, units/kg, "
        "mcg, mcg/kg, mg/m2, m2, mL/min, umol/L, mg/dL, mg/mL, mcg/mL, points",
        f"{count} error(s), 0 warning(s)",
    ]
    items = [line for line in lines if line.startswith("  line ")]
    assert len(items) == count
    assert "  line 13: title (text)" in items
    assert any(item.endswith(".dose.unit (a unit from the vocabulary below)") for item in items)
    for item in items:  # each names the line of its empty value
        number, field = re.match(r"  line (\d+): (\S+) ", item).groups()
        source = text[int(number) - 1]
        if field.endswith("]"):  # an empty list entry
            assert source.strip() == "-", item
        else:
            assert source.lstrip(" -").startswith(field.rsplit(".", 1)[-1] + ":"), item
    assert len([line for line in lines if line.startswith("  see ")]) == 1


def test_the_unit_vocabulary_is_listed_once_however_many_units_are_wrong(tmp_path: Path) -> None:
    folder = tmp_path / "hb"
    init_handbook(folder, from_sample=True)
    topic = folder / "topics" / "ivig-in-itp.yaml"
    topic.write_text(topic.read_text().replace("unit: g/kg}", "unit: g/kilo}"))
    code, lines = validate(folder)
    assert code == 1
    wrong = [line for line in lines if "g/kilo" in line]
    assert len(wrong) >= 2
    for line in wrong:
        assert "expected a unit from the vocabulary below; got 'g/kilo'" in line
        assert "mg/kg/day" not in line
    assert len([line for line in lines if line.startswith("unit vocabulary: ")]) == 1


def test_build_without_drafts_leaves_out_a_draft_that_does_not_validate_and_says_so(drafting: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--exclude-drafts", "--no-pdf", "-q", "--project", str(drafting)])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("note: draft topic 'new-one' left out: it does not validate yet, ")
    assert (drafting / "site" / "index.html").is_file()
    assert not (drafting / "site" / "topics" / "new-one").exists()
    # Without --exclude-drafts the build still refuses it.
    refused = CliRunner().invoke(cli, ["build", "--no-pdf", "-q", "--project", str(drafting)])
    assert refused.exit_code == 1
    assert "placeholders left to fill" in refused.stderr


def test_diff_leaves_out_a_draft_that_does_not_validate_and_says_so(drafting: Path, tmp_path: Path) -> None:
    before = tmp_path / "before"
    init_handbook(before)
    result = CliRunner().invoke(cli, ["diff", str(before), str(drafting)])
    assert result.exit_code == 0, result.output
    assert "note: draft topic 'new-one' left out: it does not validate yet" in result.stderr
    assert "No changes." in result.stdout
