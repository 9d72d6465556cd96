"""No traceback at the command line: every failure a command meets becomes one
clear line (or a located list) and an exit code; ``handbook --debug ...`` (or
``HANDBOOK_DEBUG=1``) lets the traceback through for developers.

Exit codes: 1 content errors, refused input or a failed operation (disk full,
read-only folder); 2 usage errors, including an output path that is not ours to
replace (generator.safe_output).
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

import click

__all__ = ["DEBUG_KEY", "HandbookGroup", "debug_requested", "describe_os_error"]

DEBUG_KEY = "handbook.debug"

_WHAT = {
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "is a folder",
    errno.EEXIST: "a file is in the way of a folder",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EXDEV: "the folders are on different file systems",
}


def describe_os_error(exc: OSError) -> str:
    """``cannot write /srv/site: the file system is read-only`` from an OSError."""
    what = _WHAT.get(exc.errno or 0) or (exc.strerror or str(exc)).rstrip(".")
    where = exc.filename2 or exc.filename
    return f"{where}: {what}" if where else what


def debug_requested(ctx: click.Context | None = None) -> bool:
    if os.environ.get("HANDBOOK_DEBUG", "").lower() in ("1", "true", "yes"):
        return True
    root = ctx.find_root() if ctx is not None else None
    return bool(root is not None and root.meta.get(DEBUG_KEY))


class HandbookGroup(click.Group):
    """The ``handbook`` command group: turns every escaping exception into a line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Abort() from None
        except Exception as exc:
            if debug_requested(ctx):
                raise
            code, line = _one_line(exc, ctx)
            click.echo(f"error: {line}", err=True)
            sys.exit(code)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # --debug is accepted anywhere on the line, not only before the command.
        if "--debug" in args[1:]:
            args = ["--debug", *[a for a in args if a != "--debug"]]
        return super().parse_args(ctx, args)


def _one_line(exc: Exception, ctx: click.Context) -> tuple[int, str]:
    from .diagnostics import ContentError
    from .limits import SettingError
    from .safe_output import OutputRefused

    command = ctx.invoked_subcommand or ""
    kept = "; the previous site was left in place" if command == "build" else ""
    if isinstance(exc, OutputRefused | SettingError):
        return 2, str(exc)
    if isinstance(exc, ContentError):
        lines = [str(d) for d in exc.report.sorted()]
        return 1, "invalid content:\n" + "\n".join(lines)
    if isinstance(exc, OSError):
        return 1, f"cannot {_verb(command)} {describe_os_error(exc)}{kept}"
    if isinstance(exc, RecursionError | MemoryError):
        return 1, f"the content is too large or too deeply nested to process ({type(exc).__name__}){kept}"
    name = type(exc).__name__
    return 1, (
        f"{command or 'handbook'} failed: {name}: {exc}{kept} "
        "(a bug: please report it with the output of `handbook --debug ...`)"
    )


def _verb(command: str) -> str:
    return {"build": "build the site:", "pdf": "write the PDF:", "schema": "write the schema:"}.get(
        command, "complete:"
    )
