"""Bounds on what content may make the generator do: how a file is read (size,
symbolic links, special files), how deep and how large its YAML may grow, and
which numbers and dates mean what a person reading the file thinks they mean.

YAML 1.1, which PyYAML implements, reads ``010`` as 8, ``0x10`` as 16, ``1_0`` as
10 and ``1:30`` as 90, and ``.nan``/``.inf`` as numbers: a dose written ``010``
was published as 8 g/kg. Such plain scalars are refused here (generator.load
reports them at their line and column); a decimal written plainly is accepted.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
from pathlib import Path

from .diagnostics import Report

__all__ = [
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "MAX_MAGNITUDE",
    "SettingError",
    "check_date",
    "check_number",
    "max_file_bytes",
    "read_content_file",
    "source_date_epoch",
]

MAX_DEPTH = 64
"""Deepest nesting of lists and mappings (content needs about ten)."""
MAX_EXPANDED_NODES = 1_000_000
"""Most values a file may hold once YAML aliases are expanded."""
MAX_MAGNITUDE = 1e9
"""No number in a clinical handbook is larger (platelets per µL stay below 1e7)."""
DEFAULT_MAX_FILE_MB = 16
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)

_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(0|[1-9][0-9]*)?\.[0-9]+([eE][-+]?[0-9]+)?|[-+]?(0|[1-9][0-9]*)\.([eE][-+]?[0-9]+)?")
_QUOTE = " (write it in quotes if it is text)"


def check_number(text: str, tag: str) -> str | None:
    """Why the plain scalar ``text`` (resolved by YAML 1.1 as ``tag``) is not a
    number as a person reads it, or None."""
    pattern = _INT if tag.endswith(":int") else _FLOAT
    if pattern.fullmatch(text):
        return _magnitude(text)
    lowered = text.lower().lstrip("+-")
    if lowered in (".nan", ".inf"):
        return f"'{text}' is not a clinical number (not-a-number and infinity are refused)"
    if lowered.startswith("0x"):
        return f"'{text}' is a hexadecimal number in YAML; write the decimal number{_QUOTE}"
    if lowered.startswith("0b"):
        return f"'{text}' is a binary number in YAML; write the decimal number{_QUOTE}"
    if "_" in text:
        return f"'{text}' has underscores, which YAML drops (1_0 is read as 10); write the number without them{_QUOTE}"
    if ":" in text:
        return f"'{text}' is a base-60 number in YAML (1:30 is read as 90); write the decimal number{_QUOTE}"
    if re.fullmatch(r"[-+]?0[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?", text):
        return (
            f"'{text}' has a leading zero, which YAML may read as an octal number (010 is 8); write it without{_QUOTE}"
        )
    return f"'{text}' is not written as a plain decimal number{_QUOTE}"


def _magnitude(text: str) -> str | None:
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        return f"'{text}' is implausibly large for a clinical number (more than {MAX_MAGNITUDE:.0e})"
    return None


def check_date(value: dt.date) -> str | None:
    if not EARLIEST <= value <= LATEST:
        return f"date {value.isoformat()} is outside {EARLIEST.year}-{LATEST.year} (a typing error?)"
    return None


def max_file_bytes() -> int:
    """The largest content file read: HANDBOOK_MAX_FILE_MB megabytes (default 16)."""
    raw = os.environ.get("HANDBOOK_MAX_FILE_MB", "")
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_FILE_MB
    except ValueError:
        megabytes = DEFAULT_MAX_FILE_MB
    return int(max(megabytes, 0.001) * 1024 * 1024)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


# Files read cleanly, by (path, root, size limit): the stamp the file had (from lstat:
# a symbolic link is never cached) and its text. A preview rebuild at 2,000 topics then
# reads again only the files an editor wrote (a write changes the change time).
_READ: dict[tuple[str, str, str, int], tuple[tuple[int, int, int, int], str]] = {}
_READ_LIMIT = 50_000


def read_content_file(
    path: Path, name: str, report: Report, *, root: Path | None = None, real_root: Path | None = None
) -> str | None:
    """The text of a content file, or None with the reason reported at ``name``
    (see :func:`_read_checked`); unchanged regular files come from memory."""
    key = (os.fspath(path), os.fspath(root or ""), os.fspath(real_root or ""), max_file_bytes())
    try:
        info = os.lstat(key[0])
    except OSError:
        info = None
    stamp = None
    if info is not None and stat.S_ISREG(info.st_mode):
        stamp = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        cached = _READ.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    text = _read_checked(path, name, report, root=root, real_root=real_root)
    if text is None or stamp is None:
        _READ.pop(key, None)
    elif len(_READ) < _READ_LIMIT:
        _READ[key] = (stamp, text)
    return text


def _read_checked(path: Path, name: str, report: Report, *, root: Path | None, real_root: Path | None) -> str | None:
    """The text of a content file, or None with the reason reported at ``name``.
    A file is read only when it is a regular file of bounded size whose real
    location is inside ``root`` (the content folder; the file's own folder when
    None): a symbolic link elsewhere, a pipe, a device, a folder or a link loop
    is refused by name, without reading it. ``real_root``: ``root`` already
    resolved by the caller (once for a whole folder: a preview reads 2,000 files)."""

    def refuse(message: str) -> None:
        report.error(name, 1, 1, "<file>", message)

    try:
        real = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        what = "a symbolic link to nothing (dangling)" if os.path.islink(path) else "missing"
        refuse(f"file is {what}; refused")
        return None
    except OSError:
        refuse("file is a symbolic link loop; refused, not read")
        return None
    home = real_root or Path(os.path.realpath(root if root is not None else Path(path).parent))
    if not real.is_relative_to(home):
        refuse(f"file is a symbolic link to {real}, outside the content folder {home}; refused, not read")
        return None
    limit = max_file_bytes()
    try:
        handle = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except IsADirectoryError:
        refuse("is a folder, not a YAML file; refused")
        return None
    except OSError as exc:
        refuse(f"cannot be read ({exc.strerror})")
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            refuse(f"is {_kind(info.st_mode)}, not a YAML file; refused, not read")
            return None
        if info.st_size > limit:
            size, most = info.st_size / 1048576, limit / 1048576
            refuse(f"file is {size:.1f} MB, over the {most:.3g} MB limit (HANDBOOK_MAX_FILE_MB)")
            return None
        with os.fdopen(os.dup(handle), "rb") as stream:
            data = stream.read(limit + 1)
    finally:
        os.close(handle)
    if len(data) > limit:
        refuse(f"file grew over the {limit / 1048576:.3g} MB limit while being read (HANDBOOK_MAX_FILE_MB)")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        refuse(f"file is not UTF-8 text ({exc.reason} at byte {exc.start})")
        return None
    # As text mode would: Windows and old Mac line ends read as "\n".
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


class SettingError(ValueError):
    """An environment setting the generator reads is unusable (exit 2, one line)."""


_LATEST_EPOCH = 4_133_894_400  # 2100-12-31: MkDocs' gzip stamp ends in 2106


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH as seconds, None when unset, or :class:`SettingError`."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970 (got {raw!r})") from None
    if not 0 <= value <= _LATEST_EPOCH:
        raise SettingError(f"SOURCE_DATE_EPOCH must be a time between 1970 and 2100 (got {raw})")
    return value
