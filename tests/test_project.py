"""A handbook is found like a git repository, and `handbook init` starts one that
validates at once."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.project import NOT_FOUND, NoProject, find_project, project_of
from generator.scaffold import init_handbook
from generator.validate import validate_content

ROOT = Path(__file__).resolve().parent.parent


def test_the_nearest_handbook_yaml_upwards_is_the_handbook(tmp_path: Path) -> None:
    init_handbook(tmp_path / "hb")
    found = find_project(start=tmp_path / "hb" / "topics")
    assert found.content_dir == found.home == (tmp_path / "hb").resolve()
    assert found.cache_dir == found.home / ".handbook-cache"
    assert found.site_dir == found.home / "site"


def test_this_repository_is_a_handbook_whose_content_is_content(tmp_path: Path) -> None:
    for start in (ROOT, ROOT / "content", ROOT / "content" / "topics", ROOT / "generator"):
        found = find_project(start=start)
        assert (found.content_dir, found.home) == (ROOT / "content", ROOT), start
    assert find_project(ROOT) == find_project(ROOT / "content") == project_of(ROOT / "content")


def test_outside_any_handbook_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NoProject) as caught:
        find_project(start=tmp_path)
    assert str(caught.value) == NOT_FOUND
    with pytest.raises(NoProject, match=r"--project .*: no handbook.yaml in"):
        find_project(tmp_path)


def test_the_command_outside_a_handbook_exits_2_with_the_hint(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "validate"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr == "error: no handbook.yaml here or above: run `handbook init`, or pass --project\n"


def test_init_writes_a_handbook_that_validates_with_its_editor_wiring(tmp_path: Path) -> None:
    folder = tmp_path / "antimicrobials"
    written = init_handbook(folder)
    names = sorted(p.relative_to(folder).as_posix() for p in written)
    assert names == [
        ".gitignore",
        ".vscode/extensions.json",
        ".vscode/settings.json",
        "README.md",
        "glossary.yaml",
        "handbook.yaml",
        "products.yaml",
        "references.yaml",
        "schema/calculator.schema.json",
        "schema/formulas.schema.json",
        "schema/glossary.schema.json",
        "schema/handbook.schema.json",
        "schema/hazards.schema.json",
        "schema/products.schema.json",
        "schema/references.schema.json",
        "schema/topic.schema.json",
        "topics/example-topic.yaml",
    ]
    handbook, report = validate_content(folder)
    assert handbook is not None, [str(d) for d in report.sorted()]
    assert report.errors == []
    assert list(handbook.topics) == ["example-topic"]
    assert handbook.references == {} and handbook.products == {} and handbook.glossary.terms == []
    assert "(placeholder)" in (folder / "handbook.yaml").read_text()
    # Every $schema comment and every VS Code mapping names a schema that exists.
    for path in folder.rglob("*.yaml"):
        first = path.read_text().splitlines()[0]
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        assert match, path
        assert (path.parent / match.group(1)).resolve().is_file(), path
    settings = json.loads((folder / ".vscode" / "settings.json").read_text())
    for schema in settings["yaml.schemas"]:
        assert (folder / schema).is_file()
    assert ".handbook-cache/" in (folder / ".gitignore").read_text()


def test_init_from_sample_copies_the_ivig_edition(tmp_path: Path) -> None:
    init_handbook(tmp_path / "copy", from_sample=True)
    copy, _ = validate_content(tmp_path / "copy")
    sample, _ = validate_content(ROOT / "content")
    assert copy is not None and sample is not None
    assert list(copy.topics) == list(sample.topics)
    assert list(copy.calculators) == list(sample.calculators)
    first = (tmp_path / "copy" / "topics" / "ivig-in-itp.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/topic.schema.json"


def test_init_never_writes_into_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not an empty folder; `handbook init` writes only into a new or empty one" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_diff_against_git_finds_a_handbook_at_the_root_of_its_own_repository(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "hb"
    init_handbook(folder)
    git = ["git", "-c", "user.name=Editor", "-c", "user.email=editor@example.org"]
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    subprocess.run([*git, "-C", str(folder), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(folder), "commit", "-q", "-m", "first edition"], check=True)
    topic = folder / "topics" / "example-topic.yaml"
    topic.write_text(topic.read_text().replace("title: Example topic (placeholder)", "title: Renamed topic"))
    monkeypatch.chdir(folder / "topics")
    result = CliRunner().invoke(cli, ["diff", "git:HEAD", ".."])
    assert result.exit_code == 0, result.output
    assert "Renamed topic" in result.stdout


def test_each_build_config_runs_every_hook_of_the_site_configuration(tmp_path: Path) -> None:
    from generator.project import PACKAGE_DIR, site_config

    init_handbook(tmp_path / "hb")
    text = site_config(find_project(tmp_path / "hb")).read_text()
    listed = re.findall(r"^  - (generator/\S+\.py)$", (ROOT / "mkdocs.yml").read_text(), re.M)
    assert "generator/mkdocs_hooks.py" in listed
    for hook in listed:
        assert f"  - '{PACKAGE_DIR / Path(hook).name}'" in text


def test_a_new_handbook_is_refused_for_release_until_its_placeholders_are_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "hb"
    init_handbook(folder)
    result = CliRunner().invoke(cli, ["build", "--release", "--project", str(folder)])
    assert result.exit_code == 1
    assert "organisation: is a placeholder ('Your organisation (placeholder)')" in result.stderr
    assert "report_problem: is a placeholder" in result.stderr
    assert "topic 'example-topic' is draft, not approved" in result.stderr
    assert not (folder / "site").exists()
