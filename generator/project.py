"""Where things are: the handbook being worked on, and the files the tool carries.

The tool and a handbook are separate things. A handbook is a folder holding
``handbook.yaml`` and its content beside it (topics/, calculators/, references.yaml...);
the tool finds it as git finds a repository, by looking from the current folder upwards,
or is told with ``--project DIR``. A folder whose ``content/`` subfolder holds
``handbook.yaml`` is a handbook too (this repository's layout: its sample handbook is
``content/``). The tool writes only inside the handbook's folder: the build cache
(``.handbook-cache/``), the site and the PDF. When ``handbook.yaml`` sits in a folder
called ``content``, that folder's parent is the handbook's folder, so running the tool
from the repository root or from inside ``content/`` writes to the same places.

The tool's own files (theme, site configuration, authoring guide, sample handbook) live
in the repository at theme/, mkdocs.yml, docs/ and content/; a wheel carries them inside
the package (setup.py copies them), and :data:`THEME_DIR` and the others find them in
either place. Nothing here imports the rest of the generator.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CACHE_NAME",
    "CONTENT_FILES",
    "CONTENT_FOLDERS",
    "GUIDE_FILE",
    "HOOKS_FILE",
    "PACKAGE_DIR",
    "SAMPLE_DIR",
    "SITE_CONFIG",
    "THEME_DIR",
    "NoProject",
    "Project",
    "content_files",
    "find_project",
    "project_of",
    "site_config",
    "site_hooks",
]

PACKAGE_DIR = Path(__file__).resolve().parent


def _carried(in_package: str, in_repository: str) -> Path:
    """A file the tool carries: inside the installed package (a wheel), else in the
    repository the package is imported from (an editable install, PYTHONPATH)."""
    packaged = PACKAGE_DIR / in_package
    return packaged if packaged.exists() else PACKAGE_DIR.parent / in_repository


THEME_DIR = _carried("theme", "theme")
"""Templates, print styles, scripts, stylesheets, MkDocs overrides."""
SITE_CONFIG = _carried("theme/mkdocs.yml", "mkdocs.yml")
"""The site's MkDocs configuration (each build inherits it: :func:`site_config`)."""
GUIDE_FILE = _carried("guide/authoring.md", "docs/authoring.md")
"""The authoring guide that validation messages point to."""
SAMPLE_DIR = _carried("sample", "content")
"""The IVIG edition, copied by ``handbook init --from-sample``."""
HOOKS_FILE = PACKAGE_DIR / "mkdocs_hooks.py"
"""The hooks that run the generator inside MkDocs (others may follow: :func:`site_hooks`)."""

CACHE_NAME = ".handbook-cache"
META_FILE = "handbook.yaml"
CONTENT_FILES = (META_FILE, "references.yaml", "glossary.yaml", "products.yaml", "formulas.yaml")
"""The files of a handbook's root the validator reads (besides the folders below)."""
CONTENT_FOLDERS = ("topics", "calculators", "safety")
"""The folders of a handbook the validator reads (generator.validate: topics, calculators,
the hazard log)."""

NOT_FOUND = "no handbook.yaml here or above: run `handbook init`, or pass --project"


class NoProject(LookupError):
    """No handbook where one was looked for; the message says what to do."""


@dataclass(frozen=True)
class Project:
    """One handbook: where its content is and where the tool may write."""

    content_dir: Path
    """The folder holding handbook.yaml."""
    home: Path
    """The handbook's folder: its cache, site and PDF go here."""

    @property
    def cache_dir(self) -> Path:
        return self.home / CACHE_NAME

    @property
    def docs_dir(self) -> Path:
        """The generated Markdown MkDocs builds from."""
        return self.cache_dir / "docs"

    @property
    def site_dir(self) -> Path:
        return self.home / "site"

    @property
    def pdf_file(self) -> Path:
        return self.home / "build" / "pocket-guide.pdf"

    @property
    def schema_dir(self) -> Path:
        """JSON Schemas for editors (``$schema`` comments and .vscode/ point here)."""
        return self.home / "schema"


def project_of(content_dir: Path) -> Project:
    """The project whose handbook.yaml is in ``content_dir`` (which need not exist yet)."""
    content_dir = Path(content_dir).resolve()
    home = content_dir.parent if content_dir.name == "content" else content_dir
    return Project(content_dir, home)


def _handbook_at(folder: Path) -> Path | None:
    """The folder holding the handbook.yaml of ``folder``'s handbook, if it has one."""
    for candidate in (folder, folder / "content"):
        if (candidate / META_FILE).is_file():
            return candidate
    return None


def find_project(project: Path | None = None, *, start: Path | None = None) -> Project:
    """The handbook named by ``project`` (its folder, or the folder holding its
    handbook.yaml), else the nearest one from ``start`` (the current folder) upwards.
    Raises :class:`NoProject` when there is none."""
    if project is not None:
        found = _handbook_at(Path(project))
        if found is None:
            raise NoProject(f"--project {project}: no handbook.yaml in {project} (nor in {Path(project) / 'content'})")
        return project_of(found)
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        found = _handbook_at(folder)
        if found is not None:
            return project_of(found)
    raise NoProject(NOT_FOUND)


def content_files(content_dir: Path) -> Iterator[Path]:
    """Every file the validator may read, in a stable order: what a change to the
    handbook is judged by (memo stamps, the preview's watcher), never the cache or the
    built site that may sit in the same folder."""
    for name in CONTENT_FILES:
        path = content_dir / name
        if path.is_file():
            yield path
    for folder in CONTENT_FOLDERS:
        yield from sorted((content_dir / folder).glob("*.yaml"))


def site_config(project: Project) -> Path:
    """The MkDocs configuration of this handbook's builds, written into its cache: the
    tool's site configuration (inherited) with this handbook's folders and the tool's
    theme and hooks, all as absolute paths. Rewritten only when it changes."""
    project.docs_dir.mkdir(parents=True, exist_ok=True)  # MkDocs checks it exists
    watched = [project.content_dir / folder for folder in CONTENT_FOLDERS if (project.content_dir / folder).is_dir()]
    lines = [
        "# Written by the handbook tool for every build of this handbook: its site",
        "# configuration with this handbook's folders. Edits here are overwritten.",
        f"INHERIT: {_quoted(SITE_CONFIG)}",
        f"docs_dir: {_quoted(project.docs_dir)}",
        f"site_dir: {_quoted(project.site_dir)}",
        "theme:",
        f"  custom_dir: {_quoted(THEME_DIR / 'overrides')}",
        "hooks:",
        *(f"  - {_quoted(path)}" for path in site_hooks()),
        # The preview watches the content (the handbook's root itself without descending,
        # so the cache and the site beside it never trigger a rebuild) and the theme.
        "watch:",
        *(f"  - {_quoted(path)}" for path in [*watched, THEME_DIR]),
    ]
    text = "\n".join(lines) + "\n"
    path = project.cache_dir / "mkdocs.yml"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def site_hooks() -> list[Path]:
    """The hook files the site configuration lists (``generator/<name>.py``), as the
    installed package's files: in a wheel they are not where the repository has them."""
    import yaml

    class _Loader(yaml.SafeLoader):
        """Reads MkDocs' !ENV and other tags as nothing: only ``hooks`` is wanted."""

    _Loader.add_multi_constructor("!", lambda _loader, _suffix, _node: None)
    config = yaml.load(SITE_CONFIG.read_text(encoding="utf-8"), Loader=_Loader) or {}
    return [PACKAGE_DIR / Path(hook).name for hook in config.get("hooks") or [HOOKS_FILE.name]]


def _quoted(path: Path) -> str:
    """A path as a YAML single-quoted scalar (any character but the quote is literal)."""
    return "'" + str(path).replace("'", "''") + "'"
