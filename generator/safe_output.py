"""Where a build may write, and how it replaces what is there without losing data.

``handbook build -o DIR`` replaces DIR whole. It does so only when DIR is missing,
empty, or a site this tool built (its ``manifest.json``); anything else is refused
with one line (:class:`OutputRefused`, exit 2): a colleague's documents, the
handbook's own folder, a folder holding the handbook or the current folder, the
home folder and ``/``.

Each build works in its own private folder beside the output,
``<parent>/<DIR>.build-XXXXXXXX/`` (Markdown in ``docs/``, the new site in
``site/``, the PDF in ``pdf/``), so concurrent builds never share a file. The folder
holds a lock file (``.handbook-build``, locked while the build runs): the next build
removes any such folder whose lock is free (a build killed with ``kill -9``), and
never a folder whose owner is still running or which is not marked as ours.

The swap is one atomic exchange of ``site/`` with the new site (Linux
``renameat2(RENAME_EXCHANGE)``, macOS ``renamex_np(RENAME_SWAP)``): a reader or a
web server sees the old site or the new one, never neither. Where the file system
offers no exchange, two renames are used; the old site then waits in the build
folder and the next build puts it back if the process died between the renames.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from .project import CONTENT_FILES, CONTENT_FOLDERS, project_of

__all__ = [
    "LOCK_NAME",
    "OutputRefused",
    "check_pdf_target",
    "check_site_target",
    "is_our_site",
    "swap_in",
    "sweep",
    "work_folder",
]

LOCK_NAME = ".handbook-build"
_LOCK_TEXT = "handbook build in progress: this folder is removed by the next build once its owner has ended.\n"
PDF_CREATOR = b"clinical-handbook generator"


class OutputRefused(Exception):
    """The output path must not be written (one line: why, and what to do)."""


# --------------------------------------------------------------------------- what may be replaced


def is_our_site(folder: Path) -> bool:
    """True when ``folder`` holds a site this tool built: its manifest.json names an
    edition, a build time and the topics (written last, so a partial copy lacks it)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and {"edition", "build_time", "topics"} <= set(manifest)


def _protected(content_dir: Path, project_dirs: Iterable[Path]) -> list[tuple[Path, str]]:
    """Folders an output may never be, nor contain: (folder, what it is)."""
    places = [(Path(content_dir).resolve(), "the handbook's content folder")]
    places += [(Path(p).resolve(), "the handbook's own folder") for p in project_dirs]
    places.append((Path.cwd().resolve(), "the current folder"))
    return places


def _refuse_place(target: Path, content_dir: Path, project_dirs: Iterable[Path], what: str) -> None:
    fix = "choose a new folder such as ./site"
    if target == Path(target.anchor):
        raise OutputRefused(f"refusing to write {what} to the root folder {target}; {fix}")
    if target == Path.home().resolve():
        raise OutputRefused(f"refusing to write {what} to your home folder {target}; {fix}")
    places = _protected(content_dir, project_dirs)
    for place, name in sorted(places, key=lambda item: item[0] != target):  # "is" before "contains"
        if target == place or place.is_relative_to(target):
            where = "is" if target == place else "contains"
            raise OutputRefused(f"refusing to write {what} to {target}: it {where} {name} ({place}); {fix}")
    content = Path(content_dir).resolve()
    if project_of(content).home == content:
        # A handbook whose content sits at its root (`handbook init`): site/ and build/
        # beside topics/ are its outputs; only the content itself is out of bounds.
        entries = [content / name for name in (*CONTENT_FILES, *CONTENT_FOLDERS)]
        for entry in entries:
            if target == entry or target.is_relative_to(entry) or entry.is_relative_to(target):
                raise OutputRefused(
                    f"refusing to write {what} to {target}: it would overlap the content {entry}; {fix}"
                )
    elif target.is_relative_to(content):
        raise OutputRefused(
            f"refusing to write {what} to {target}: it is inside the content folder {content}; "
            "choose a folder outside it"
        )


def check_site_target(target: Path, *, content_dir: Path, project_dirs: Iterable[Path] = ()) -> Path:
    """The resolved output folder, or :class:`OutputRefused`: a site replaces only a
    missing or empty folder or a site this tool built."""
    target = Path(target).expanduser().resolve()
    _refuse_place(target, content_dir, project_dirs, "the site")
    if not target.exists() and not target.is_symlink():
        return target
    if not target.is_dir():
        raise OutputRefused(f"refusing to replace {target}: it is not a folder; choose a new folder such as ./site")
    try:
        with os.scandir(target) as entries:
            empty = next(entries, None) is None
    except OSError as exc:
        raise OutputRefused(f"cannot read the output folder {target}: {exc.strerror}") from exc
    if not empty and not is_our_site(target):
        raise OutputRefused(
            f"refusing to replace {target}: it is not empty and was not built by handbook (no manifest.json); "
            "choose an empty or new folder"
        )
    return target


def check_pdf_target(target: Path, *, content_dir: Path, project_dirs: Iterable[Path] = ()) -> Path:
    """The resolved PDF path, or :class:`OutputRefused`: an existing file is replaced
    only when it is a pocket guide this tool printed."""
    target = Path(target).expanduser().resolve()
    _refuse_place(target, content_dir, project_dirs, "the pocket guide")
    if not target.exists() and not target.is_symlink():
        return target
    if not target.is_file():
        raise OutputRefused(f"refusing to replace {target}: it is not a regular file; choose another name")
    if not _is_our_pdf(target):
        raise OutputRefused(
            f"refusing to replace {target}: it is not a pocket guide printed by handbook; choose another name"
        )
    return target


def _is_our_pdf(path: Path, limit: int = 512 * 1024 * 1024) -> bool:
    """True when ``path`` is a PDF whose document information names this tool as its
    creator (the print template's <meta name="generator">; WeasyPrint keeps it in a
    compressed object stream, so streams are inflated until it is found)."""
    try:
        if path.stat().st_size > limit:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    if not data.startswith(b"%PDF-"):
        return False
    if PDF_CREATOR in data:
        return True
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            inflated = zlib.decompressobj().decompress(data[match.end() : end], 1 << 20)
        except zlib.error:
            continue
        if PDF_CREATOR in inflated:
            return True
    return False


# --------------------------------------------------------------------------- private build folders


def _lock(handle: int) -> bool:
    """Take the build lock on an open file; False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the folder's age decides (see sweep)
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def work_folder(target: Path) -> Iterator[Path]:
    """A private, locked folder beside ``target`` for one build; removed at the end
    (with the old site, after a swap), whatever happens."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f"{target.name}.build-"))
    handle = os.open(work / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock(handle)
        os.write(handle, _LOCK_TEXT.encode())
        yield work
    finally:
        _restore_if_missing(work / "previous", target)
        shutil.rmtree(work, ignore_errors=True)
        os.close(handle)


_LEGACY = re.compile(r"\.(tmp|pdf|old)-[A-Za-z0-9_]+$")


def sweep(target: Path) -> list[Path]:
    """Remove what interrupted builds left beside ``target``: build folders whose
    lock is free, and the ``.tmp-``/``.pdf-``/``.old-`` folders of earlier versions
    when they hold only what a build makes. Returns what was removed."""
    removed: list[Path] = []
    try:
        with os.scandir(target.parent) as scan:
            entries = list(scan)
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(target.name + ".") or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        rest = name[len(target.name) :]
        if re.fullmatch(r"\.build-[A-Za-z0-9_]+", rest):
            if _sweep_build_folder(path, target):
                removed.append(path)
        elif _LEGACY.fullmatch(rest) and _is_legacy_leftover(path, rest):
            if rest.startswith(".old-"):
                _restore_if_missing(path, target)
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _sweep_build_folder(path: Path, target: Path) -> bool:
    try:
        handle = os.open(path / LOCK_NAME, os.O_RDWR)
    except OSError:
        return False  # not (yet) marked as a build folder: never ours to remove
    try:
        if not _lock(handle):
            return False  # its build is running
        if "fcntl" not in sys.modules and _age_seconds(path) < 86_400:
            return False
        _restore_if_missing(path / "previous", target)
        shutil.rmtree(path, ignore_errors=True)
        return True
    finally:
        os.close(handle)


def _age_seconds(path: Path) -> float:
    import time

    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def _is_legacy_leftover(path: Path, rest: str) -> bool:
    try:
        names = {p.name for p in path.iterdir()}
    except OSError:
        return False
    if not names:
        return True
    if rest.startswith(".pdf-"):
        return names <= {"pocket-guide.pdf"}
    return is_our_site(path)


def _restore_if_missing(previous: Path, target: Path) -> None:
    """Put an old site back when a two-rename swap was interrupted between its renames."""
    if previous.is_dir() and not target.exists() and not target.is_symlink():
        with contextlib.suppress(OSError):
            previous.rename(target)


# --------------------------------------------------------------------------- the swap


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; False when the platform or the file
    system cannot (the caller falls back to two renames)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):  # Windows: no C library by that name, no exchange
        return False
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        result = libc.renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    elif sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        rename_swap = 2
        result = libc.renamex_np(os.fsencode(first), os.fsencode(second), rename_swap)
    else:
        return False
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_in(new: Path, target: Path, work: Path) -> None:
    """Put the folder ``new`` (inside the build folder ``work``) at ``target``. The
    old site, if any, ends up inside ``work``, which the caller removes."""
    if not target.exists() and not target.is_symlink():
        new.rename(target)
        return
    if _exchange(new, target):
        return
    previous = work / "previous"
    target.rename(previous)
    new.rename(target)
