"""The ``handbook`` command. Domain errors become exit codes only here:
0 ok, 1 content errors (or refused input), 2 usage."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .diagnostics import Report

__all__ = ["cli", "main"]

CONTENT_OPTION = click.option(
    "--content",
    "content_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("content"),
    show_default=True,
    help="Folder holding handbook.yaml, topics/, calculators/...",
)


def print_report(report: Report, *, strict: bool = False) -> None:
    for diagnostic in report.sorted():
        click.echo(str(diagnostic), err=True)
    if report.diagnostics:
        errors = len(report.errors) + (len(report.warnings) if strict else 0)
        click.echo(f"{errors} error(s), {len(report.warnings)} warning(s)", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="handbook")
def cli() -> None:
    """Build a clinical handbook (site and pocket PDF) from a YAML knowledge base."""


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
    default=Path("schema"),
    show_default=True,
    help="Folder to write the JSON Schema files into.",
)
def schema(output: Path) -> None:
    """Write the JSON Schema of every content file type (for editor autocompletion)."""
    from .schema import write_schemas

    for path in write_schemas(output):
        click.echo(str(path))


def main() -> None:
    cli(prog_name="handbook")
