"""``handbook init``: a new handbook folder that validates and builds at once.

What it writes is the smallest handbook the validator accepts, every value an editor
must change marked "(placeholder)", plus what an editor's tools need: the JSON Schemas
(``schema/``, written from the models, so they match this version of the tool), VS Code
settings that map them onto the content files, ``$schema`` comments, a .gitignore and a
short README. ``--from-sample`` copies the tool's sample handbook (the IVIG edition)
instead of the starter files. Nothing is written into a folder that is not empty.

No example calculator is written: the calculator language is being replaced, and a
copied calculator would need the sample's topics, regimens and references with it.
``handbook new calculator ID`` writes a calculator skeleton of the current language.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from .project import CONTENT_FILES, CONTENT_FOLDERS, SAMPLE_DIR, Project, project_of

__all__ = ["InitRefused", "init_handbook", "schema_comment"]

# Which schema describes which content file (names from generator.schema.SCHEMAS).
ROOT_SCHEMAS = {
    "handbook.yaml": "handbook.schema.json",
    "references.yaml": "references.schema.json",
    "glossary.yaml": "glossary.schema.json",
    "products.yaml": "products.schema.json",
    "formulas.yaml": "formulas.schema.json",
}
FOLDER_SCHEMAS = {
    "topics": "topic.schema.json",
    "calculators": "calculator.schema.json",
    "safety": "hazards.schema.json",
}
_SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=\S*\n")

EXAMPLE_TOPIC = "example-topic"


class InitRefused(FileExistsError):
    """The target folder is not empty: ``handbook init`` never overwrites."""


def schema_comment(project: Project, path: Path, schema_file: str) -> str:
    """The first line of a content file: where VS Code's YAML extension finds its schema."""
    relative = os.path.relpath(project.schema_dir / schema_file, Path(path).parent)
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"


def init_handbook(folder: Path, *, from_sample: bool = False, on: dt.date | None = None) -> list[Path]:
    """Create a handbook in ``folder`` (new or empty); returns the files written."""
    from .schema import write_schemas

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InitRefused(f"{folder} is not an empty folder; `handbook init` writes only into a new or empty one")
    folder.mkdir(parents=True, exist_ok=True)
    project = project_of(folder)
    if project.home != project.content_dir:
        raise InitRefused(f"{folder}: a handbook's folder must not be called 'content' (its site would go beside it)")
    on = on or dt.date.today()
    content = _sample(project) if from_sample else _starter(on)
    written = []
    for name, text in content.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        schema = ROOT_SCHEMAS.get(name) or FOLDER_SCHEMAS.get(path.parent.name)
        if schema and name.endswith(".yaml"):
            text = schema_comment(project, path, schema) + _SCHEMA_LINE.sub("", text, count=1)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    written += write_schemas(project.schema_dir)
    written += _editor_files(folder)
    return written


def _sample(project: Project) -> dict[str, str]:
    """The sample handbook's content files, by path relative to the handbook's folder."""
    files = {
        name: (SAMPLE_DIR / name).read_text(encoding="utf-8") for name in CONTENT_FILES if (SAMPLE_DIR / name).is_file()
    }
    for folder in CONTENT_FOLDERS:
        for path in sorted((SAMPLE_DIR / folder).glob("*.yaml")):
            files[f"{folder}/{path.name}"] = path.read_text(encoding="utf-8")
    files["README.md"] = _readme()
    return files


def _starter(on: dt.date) -> dict[str, str]:
    review_due = on.replace(year=on.year + 1) if not (on.month == 2 and on.day == 29) else on + dt.timedelta(days=365)
    return {
        "handbook.yaml": HANDBOOK_YAML.format(date=on.isoformat()),
        "references.yaml": REFERENCES_YAML,
        "glossary.yaml": GLOSSARY_YAML,
        "products.yaml": PRODUCTS_YAML,
        f"topics/{EXAMPLE_TOPIC}.yaml": TOPIC_YAML.format(today=on.isoformat(), due=review_due.isoformat()),
        "README.md": _readme(),
    }


def _editor_files(folder: Path) -> list[Path]:
    schemas = {f"./schema/{schema}": [name] for name, schema in ROOT_SCHEMAS.items()}
    schemas.update({f"./schema/{schema}": [f"{name}/*.yaml"] for name, schema in FOLDER_SCHEMAS.items()})
    settings = {
        "yaml.schemas": schemas,
        "yaml.validate": True,
        "yaml.completion": True,
        "yaml.format.enable": False,
        "[yaml]": {"editor.tabSize": 2, "editor.insertSpaces": True, "editor.detectIndentation": False},
    }
    files = {
        ".vscode/settings.json": json.dumps(settings, indent=2) + "\n",
        ".vscode/extensions.json": json.dumps({"recommendations": ["redhat.vscode-yaml"]}, indent=2) + "\n",
        ".gitignore": GITIGNORE,
    }
    written = []
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _readme() -> str:
    return README


# --------------------------------------------------------------------------- starter files

HANDBOOK_YAML = """\
# The handbook's settings. Every "(placeholder)" must be replaced before a release.
title: "Clinical handbook (placeholder)"
organisation: "Your organisation (placeholder)"
edition:
  name: "0.1"
  date: {date}
language: en-GB
disclaimer: >-
  (placeholder) This handbook supports, and does not replace, the judgement of the
  clinician caring for the patient. Confirm every dose and threshold against the cited
  source, the product label and local policy before acting on it.
review_policy:
  interval_months: 12
  warn_days: 30
# Where "report a problem with this page" goes: your team's real mailbox or form.
report_problem: "mailto:handbook-feedback@example.org"
# Fields still holding stand-in values: `handbook build --release` refuses them. Replace
# each value, then take its name off this list.
placeholders: [organisation, report_problem]
# Display order of specialties in the navigation; others follow alphabetically.
specialties: []
"""

REFERENCES_YAML = """\
# The bibliography: every source cited anywhere, one entry each. Statements cite an
# entry by its id. Example entry (remove the "# " of each line to use it):
#  - id: author-2024
#    type: guideline
#    authors: [Surname AB]
#    title: Title of the work
#    journal: Journal name
#    year: 2024
#    doi: 10.1000/example
references: []
"""

GLOSSARY_YAML = """\
# Abbreviations and terms, explained wherever they appear. Example entry:
#  - abbr: IV
#    term: intravenous
terms: []
"""

PRODUCTS_YAML = """\
# Medicinal products your pharmacy supplies (concentration, vial sizes, infusion rates).
# `handbook new topic` and the sample handbook (`handbook init DIR --from-sample`) show
# the fields.
products: []
"""

TOPIC_YAML = """\
# An example topic, to show the shape of a file: replace it with your first real topic
# (`handbook new topic my-topic` writes a skeleton with every section), then delete it.
# A statement that carries a number (a dose, a threshold, a rate) must cite a reference
# from references.yaml.
id: example-topic
title: Example topic (placeholder)
summary: What this topic is about, in one sentence (placeholder).
specialty: General
review:
  status: draft
  authors: [Your name (placeholder)]
  last_updated: {today}
  next_review_due: {due}
bottom_line:
  text: The one thing a reader must know, first (placeholder).
plain_language:
  summary: A short explanation for patients and families, without jargon (placeholder).
"""

GITIGNORE = """\
# Written by the handbook tool: its build cache, the site and the PDF.
.handbook-cache/
/site/
/site.*/
/build/
"""

README = """\
# Our clinical handbook

Content for the handbook tool (`handbook --help`). Every file is YAML; VS Code with the
YAML extension (recommended in .vscode/) completes and checks the fields from `schema/`.

| file | what it holds |
|---|---|
| `handbook.yaml` | title, organisation, edition, disclaimer, review policy, where "report a problem" goes |
| `topics/<id>.yaml` | one clinical topic per file; the file name is the topic id |
| `calculators/<id>.yaml` | dose calculators (`handbook new calculator ID`) |
| `references.yaml` | the bibliography: every source cited anywhere |
| `glossary.yaml` | abbreviations and terms |
| `products.yaml` | medicinal products: concentration, vial sizes, infusion-rate limits |

Commands, run anywhere inside this folder:

```sh
handbook new topic my-topic     # a skeleton with every section, each explained
handbook validate               # every error at once: file:line:col: field: message
handbook serve                  # preview at http://127.0.0.1:8000, reloads on save
handbook build                  # the site in site/, the pocket guide in site/pocket-guide.pdf
handbook build --release        # refuses while anything is a draft, unreviewed or a placeholder
handbook schema                 # refresh schema/ after upgrading the tool
```

Replace every "(placeholder)" in `handbook.yaml`, then replace `topics/example-topic.yaml`
with real topics. The authoring guide (`handbook guide` prints where it is) explains every
field, the unit vocabulary, citing and review.
"""
