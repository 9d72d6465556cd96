"""The ``handbook`` command. Domain errors become exit codes only here:
0 ok, 1 content errors (or refused input), 2 usage."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .cli_errors import DEBUG_KEY, HandbookGroup
from .diagnostics import Report

__all__ = ["cli", "main"]


def _find_handbook(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path:
    """The folder holding handbook.yaml: --project DIR, else the nearest handbook from
    the current folder upwards (generator.project). None found: exit 2, saying what to do."""
    from .project import NoProject, find_project

    try:
        return find_project(value).content_dir
    except NoProject as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


CONTENT_OPTION = click.option(
    "--project",
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    callback=_find_handbook,
    help="The handbook's folder (default: the nearest folder from here upwards holding handbook.yaml"
    " or content/handbook.yaml).",
)


def print_report(report: Report, *, strict: bool = False) -> None:
    """Every diagnostic, each followed by the authoring-guide section that explains it."""
    from .guide import guide_link, guide_location
    from .messages import report_lines

    guide = guide_location()
    for line in report_lines(report.diagnostics, lambda diagnostic: guide_link(diagnostic, guide=guide)):
        click.echo(line, err=True)
    if report.diagnostics:
        errors = len(report.errors) + (len(report.warnings) if strict else 0)
        click.echo(f"{errors} error(s), {len(report.warnings)} warning(s)", err=True)


@click.group(cls=HandbookGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="handbook")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an unexpected failure.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Build a clinical handbook (site and pocket PDF) from a YAML knowledge base."""
    ctx.meta[DEBUG_KEY] = debug


@cli.command()
@CONTENT_OPTION
@click.option("--strict", is_flag=True, help="Treat warnings (review due, unused reference) as errors.")
def validate(content_dir: Path, strict: bool) -> None:
    """Check every content file; print all errors as file:line:col: field: message."""
    from .validate import validate_content

    handbook, report = validate_content(content_dir)
    print_report(report, strict=strict)
    if handbook is None or report.failed(strict=strict):
        sys.exit(1)
    click.echo(
        f"ok: {len(handbook.topics)} topics, {len(handbook.references)} references, "
        f"{len(handbook.calculators)} calculators, {len(handbook.products)} products, "
        f"{len(handbook.glossary.terms)} glossary terms"
    )


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write the JSON Schema files into (default: schema/ in the handbook's folder).",
)
@CONTENT_OPTION
def schema(output: Path | None, content_dir: Path) -> None:
    """Write the JSON Schema of every content file type (for editor autocompletion)."""
    from .project import project_of
    from .schema import write_schemas

    output = output or project_of(content_dir).schema_dir
    for path in write_schemas(output):
        click.echo(str(path))


@cli.command()
def guide() -> None:
    """Print where the authoring guide is (every validation message names a section of it)."""
    from .guide import guide_location

    click.echo(guide_location())


@cli.command()
@click.argument("folder", type=click.Path(file_okay=True, path_type=Path))
@click.option("--from-sample", is_flag=True, help="Copy the sample handbook (the IVIG edition) instead of the starter.")
def init(folder: Path, from_sample: bool) -> None:
    """Start a handbook in FOLDER (new or empty): handbook.yaml with placeholders, empty
    references, glossary and products, an example topic, editor schemas and settings."""
    from .scaffold import InitRefused, init_handbook

    try:
        init_handbook(folder, from_sample=from_sample)
    except InitRefused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(
        f'wrote a new handbook in {folder}: replace each "(placeholder)" in handbook.yaml, then\n'
        f"  cd {folder} && handbook validate && handbook serve"
    )


@cli.command()
@CONTENT_OPTION
@click.argument("kind", type=click.Choice(["topic", "calculator"]))
@click.argument("content_id", metavar="ID")
def new(content_dir: Path, kind: str, content_id: str) -> None:
    """Write a skeleton content/<kind>s/<ID>.yaml with every field present and commented.

    Its empty placeholders are refused by `handbook validate` until they are filled.
    An existing file is never overwritten (exit 1).
    """
    from .editorial import ID_PATTERN, SkeletonExists, write_skeleton
    from .model.common import WINDOWS_RESERVED

    if not ID_PATTERN.match(content_id):
        raise click.BadParameter(
            f"'{content_id}' is not a valid id (expected lowercase a-z, 0-9 and single hyphens, e.g. ivig-in-itp)",
            param_hint="ID",
        )
    if content_id in WINDOWS_RESERVED:
        raise click.BadParameter(
            f"'{content_id}' is a reserved file name on Windows; choose another id", param_hint="ID"
        )
    try:
        path = write_skeleton(content_dir, kind, content_id)
    except SkeletonExists as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {path}: fill every empty value, then run `handbook validate`")


@cli.command()
@CONTENT_OPTION
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the PDF (default: build/pocket-guide.pdf in the handbook's folder).",
)
@click.option("--size", type=click.Choice(["a6", "a5"]), default="a6", show_default=True, help="Page size.")
@click.option("--topic", "topic_id", metavar="ID", help="Print only this topic.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line.")
@click.option("--marks", is_flag=True, help="For a print shop: 3 mm bleed and crop marks around each page.")
@click.option(
    "--booklet",
    is_flag=True,
    help="Imposed for folding: two pages a side (A6 on A5, A5 on A4), padded to a multiple of 4; "
    "print double-sided, flip on the short edge, fold the stack.",
)
def pdf(
    content_dir: Path, output: Path, size: str, topic_id: str | None, quiet: bool, marks: bool, booklet: bool
) -> None:
    """Print the pocket guide (PDF/UA, A6 or A5) from validated content.

    Nothing is written when the content has errors (exit 1) or the render fails.
    """
    if marks and booklet:
        raise click.UsageError("--marks and --booklet do not combine: a booklet is folded, not trimmed")
    import time

    from .pdf import PrintError, write_pdf
    from .project import project_of
    from .validate import validate_content

    output = output or project_of(content_dir).pdf_file
    handbook, report = validate_content(content_dir)
    print_report(report)
    if handbook is None or report.failed():
        sys.exit(1)
    if topic_id is not None and topic_id not in handbook.topics:
        raise click.BadParameter(
            f"no topic '{topic_id}' (expected one of {', '.join(handbook.topics)})", param_hint="--topic"
        )
    output = _pdf_target(output, content_dir)
    started = time.perf_counter()
    try:
        pages = write_pdf(handbook, output, size=size, topic_id=topic_id, quiet=quiet, marks=marks, booklet=booklet)
    except PrintError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(f"wrote {output} ({pages} pages, {size.upper()}, {time.perf_counter() - started:.1f} s)")


def _pdf_target(output: Path, content_dir: Path) -> Path:
    """The PDF path, refused (exit 2) when it would replace a file handbook did not print."""
    from .safe_output import OutputRefused, check_pdf_target

    try:
        return check_pdf_target(output, content_dir=content_dir, project_dirs=(content_dir.resolve().parent,))
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option(
    "--markdown", "as_markdown", is_flag=True, help='Print the Markdown of the "Changes in this edition" page.'
)
@click.option(
    "--content",
    "content_path",
    default=None,
    help="Path of the content folder inside the repository, for git revisions (default: that of the handbook"
    " found from here, else content).",
)
def diff(old: str, new: str, as_json: bool, as_markdown: bool, content_path: str | None) -> None:
    """Compare two editions: added, removed and changed topics, and every changed dose,
    threshold, infusion rate and decision-table cell, old and new side by side.

    OLD and NEW are each a content folder, a built site folder (manifest.json), or a git
    revision (git:<rev>, or anything `git rev-parse` accepts). Git revisions are exported
    to a temporary folder; the working tree is never touched.
    """
    from .diff import DiffError, compare, load_edition, render_json, render_markdown, render_text

    if as_json and as_markdown:
        raise click.UsageError("choose one of --json and --markdown")
    try:
        repo, content_path = _edition_layout(content_path)
        editions = (
            load_edition(old, repo=repo, content=content_path),
            load_edition(new, repo=repo, content=content_path),
        )
        comparison = compare(*editions)
    except DiffError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for edition in editions:
        if edition.handbook is not None:
            _say_unfinished(edition.handbook.unfinished_drafts)
    if as_json:
        click.echo(render_json(comparison), nl=False)
    elif as_markdown:
        click.echo(render_markdown(comparison), nl=False)
    else:
        click.echo(render_text(comparison), nl=False)


@cli.command(
    epilog="Example:\n\n\b\n  handbook calc ivig-dose --input "
    '\'{"weight_kg": 70, "regimen": "itp-1g-once", "product": "privigen", "renal_or_thrombotic_risk": false}\''
)
@click.argument("calculator_id", metavar="ID")
@CONTENT_OPTION
@click.option("--input", "input_json", metavar="JSON", help="Inputs as a JSON object of input names and values.")
@click.option("--describe", is_flag=True, help="List the inputs, units, choices and regimens.")
@click.option(
    "--validate", "run_vectors", is_flag=True, help="Run tests/vectors/ID.json through both engines (needs node)."
)
@click.option("--spec", "show_spec", is_flag=True, help="Print the compiled program the page embeds.")
def calc(
    calculator_id: str, content_dir: Path, input_json: str | None, describe: bool, run_vectors: bool, show_spec: bool
) -> None:
    """Run calculator ID on --input and print the result as JSON: exit 0 when ok, 1 when
    the inputs are refused (or --validate finds a mismatch), 2 for an unknown calculator."""
    import json

    from .calc.cli_calc import describe_program, unknown_key_hints
    from .calc.engine import compute
    from .validate import validate_content

    if sum((input_json is not None, describe, run_vectors, show_spec)) != 1:
        raise click.UsageError("give exactly one of --input JSON, --describe, --validate and --spec")
    handbook, report = validate_content(content_dir)
    if handbook is None:
        print_report(report)
        sys.exit(1)
    program = handbook.programs.get(calculator_id)
    if program is None:
        known = ", ".join(handbook.programs) or "none"
        click.echo(f"error: no calculator '{calculator_id}' (known: {known})", err=True)
        sys.exit(2)
    if show_spec:
        click.echo(json.dumps(program.to_json(), indent=2, ensure_ascii=False))
        return
    if describe:
        click.echo(describe_program(program), nl=False)
        return
    if run_vectors:
        from .calc.validation import validate_vectors, vectors_dir

        outcome = validate_vectors(program, vectors_dir(content_dir) / f"{calculator_id}.json")
        click.echo(outcome.report(), nl=False)
        sys.exit(0 if outcome.passed else 1)
    try:
        inputs = json.loads(input_json or "")
    except json.JSONDecodeError as exc:
        raise click.UsageError(f"--input is not valid JSON: {exc}") from exc
    if not isinstance(inputs, dict):
        raise click.UsageError("--input must be a JSON object of input names and values")
    result = compute(program, inputs)
    unknown_key_hints(program, result)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    if not result["ok"]:
        sys.exit(1)


@cli.command()
@CONTENT_OPTION
@click.option(
    "-o",
    "--output",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the built site (default: site/ in the handbook's folder), replaced whole, only "
    "when the build succeeds, and only when it is new, empty or a site handbook built.",
)
@click.option("--strict", is_flag=True, help="Warnings (content and MkDocs) are errors.")
@click.option("--offline", is_flag=True, help="A site that works from file://, search included.")
@click.option("--no-pdf", is_flag=True, help="Do not print the pocket-guide PDF.")
@click.option("--site-url", metavar="URL", help="Public address, e.g. https://intranet/handbook/ (sub-path hosting).")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@click.option(
    "--release",
    is_flag=True,
    help="Refuse (exit 1) unless every topic is approved, no review is overdue and no warning remains.",
)
@click.option("--exclude-drafts", is_flag=True, help="Leave draft topics (and links to them) out of the build.")
@click.option("--since", metavar="GIT-REV", help='Add a "Changes in this edition" page against this git revision.')
def build(
    content_dir: Path,
    site_dir: Path,
    strict: bool,
    offline: bool,
    no_pdf: bool,
    site_url: str | None,
    quiet: bool,
    release: bool,
    exclude_drafts: bool,
    since: str | None,
) -> None:
    """Validate, render and build the site (and the PDF) into SITE atomically."""
    import logging
    import os
    import time

    from .build import BuildError, build_site
    from .diagnostics import ContentError
    from .diff import DiffError
    from .pdf import PrintError
    from .project import project_of
    from .safe_output import OutputRefused

    site_dir = site_dir or project_of(content_dir).site_dir
    if release:
        _refuse_unreleasable(content_dir, strict=strict, exclude_drafts=exclude_drafts)

    # Progress for a person at a terminal; CI logs and pipes stay quiet.
    show = not quiet and sys.stderr.isatty() and os.environ.get("CI", "").lower() != "true"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    mkdocs_log.setLevel(logging.WARNING)
    started = time.perf_counter()
    try:
        result = build_site(
            content_dir,
            site_dir,
            strict=strict,
            offline=offline,
            pdf=not no_pdf,
            site_url=site_url,
            progress=(lambda message: click.echo(message, err=True)) if show else None,
            live=(lambda text: click.echo(text, err=True, nl=False)) if show else None,
            exclude_drafts=exclude_drafts,
            since=since,
        )
    except ContentError as exc:
        print_report(exc.report, strict=strict)
        sys.exit(1)
    except DiffError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (BuildError, PrintError) as exc:
        click.echo(f"error: {exc}; the previous site was left in place", err=True)
        sys.exit(1)
    except OutputRefused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    finally:
        mkdocs_log.removeHandler(handler)
    _say_unfinished(result.unfinished_drafts)
    if show:
        timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.seconds.items())
        click.echo(f"built {result.site_dir} in {time.perf_counter() - started:.1f} s ({timings})", err=True)


def _edition_layout(content_path: str | None) -> tuple[Path, str]:
    """(git repository, content path inside it) for `handbook diff git:REV`: the handbook
    found from here and its repository, so a handbook at the root of its own repository
    works from any of its folders; else the current folder and content/."""
    import os
    import subprocess

    from .project import NoProject, find_project

    if content_path is not None:
        return Path("."), content_path
    try:
        content_dir = find_project().content_dir
    except NoProject:
        return Path("."), "content"
    top = subprocess.run(
        ["git", "-C", str(content_dir), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
    )
    if top.returncode != 0:
        return Path("."), "content"
    repo = Path(top.stdout.strip()).resolve()
    return Path(os.path.relpath(repo)), content_dir.relative_to(repo).as_posix()


def _say_unfinished(unfinished: dict[str, str]) -> None:
    """Drafts a build or a comparison left out because they do not validate yet."""
    for topic_id, where in unfinished.items():
        click.echo(f"note: draft topic '{topic_id}' left out: it does not validate yet, {where}", err=True)


def _refuse_unreleasable(content_dir: Path, *, strict: bool, exclude_drafts: bool) -> None:
    """`build --release`: exit 1 listing every reason the edition must not be published."""
    from .diagnostics import ContentError
    from .editorial import exclude_drafts as drop_drafts
    from .editorial import release_problems
    from .validate import load_handbook, today

    try:
        handbook = load_handbook(content_dir, strict=strict, skip_unfinished_drafts=exclude_drafts)
    except ContentError as exc:
        print_report(exc.report, strict=strict)
        sys.exit(1)
    if exclude_drafts:
        handbook = drop_drafts(handbook)
    problems = release_problems(handbook, on=today())
    if problems:
        for line in problems:
            click.echo(line, err=True)
        click.echo(f"release refused: {len(problems)} problem(s); nothing was built", err=True)
        sys.exit(1)


@cli.command()
@CONTENT_OPTION
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option(
    "--docs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the generated Markdown (default: docs_dir of mkdocs.yml).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild every page on each change (default: only pages whose Markdown changed).",
)
def serve(content_dir: Path, dev_addr: str, docs_dir: Path | None, full: bool) -> None:
    """Preview the site: re-render and reload the browser when content/ or theme/ change."""
    import logging
    import os

    from mkdocs.exceptions import MkDocsException

    from .build import config_file as find_config_file
    from .preview import serve as preview

    # mkdocs' own command sets up its log; called as a function it needs one.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    logging.getLogger("mkdocs").addHandler(handler)
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    os.environ["HANDBOOK_CONTENT"] = str(content_dir.resolve())
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    extra = {}
    if docs_dir:
        docs_dir.mkdir(parents=True, exist_ok=True)  # MkDocs checks it exists before the hook renders
        extra["docs_dir"] = str(docs_dir.resolve())
    try:
        # Not MkDocs' serve: a broken build must not stall the preview (generator.preview).
        # "dirty": MkDocs rebuilds only pages whose Markdown is newer than their
        # HTML; the render stage rewrites only files whose bytes changed, so one
        # edited topic rebuilds one page (issue 7; about 1 s instead of 20 s at 2,000).
        preview(find_config_file(content_dir), content_dir, dev_addr=dev_addr, dirty=not full, **extra)
    except MkDocsException as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def main() -> None:
    from .workers import WorkerError

    try:
        cli(prog_name="handbook")
    except WorkerError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":  # `python3 -m generator.cli ...` runs the CLI too (the issue briefs use it)
    main()
