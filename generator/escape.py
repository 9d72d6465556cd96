"""Escaping, one function per boundary, in one place. Author text reaches:

* Markdown as plain text (:func:`md_text`: shown exactly as written) or as prose
  (:func:`md_prose`: emphasis, code and safe links; see :func:`safe_link_target`);
* an HTML attribute or element written into the Markdown (:func:`attr`): Markdown
  runs before the inline-HTML pattern, so its link, image, code and escape
  characters are written as character references and cannot act inside the tag;
* MkDocs' configuration (:func:`config_text`): Material prints ``site_name`` raw;
* an abbreviation definition (:func:`abbreviation`).

Text that no boundary can carry safely (control characters, Python-Markdown's
placeholder markers) is refused when content is read (:func:`forbidden_text`,
used by generator.load), so these functions never see it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from markupsafe import Markup, escape

__all__ = [
    "abbreviation",
    "abbreviation_problem",
    "attr",
    "config_text",
    "describe_forbidden",
    "forbidden_text",
    "link_problems",
    "md_prose",
    "md_text",
    "one_line",
    "safe_link_target",
]

# Characters with inline meaning in Python-Markdown and the enabled extensions
# (tables use "|", attr_list uses "{}"). "<" and "&" become entities.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|!#])")
# Only what could start a list or a quote at the start of a line; each is
# escaped with a backslash Python-Markdown understands ("\2" would stay visible).
_LEADING_BLOCK = re.compile(r"^(\s*)(?:([+\->])|(\d+)([.)]))")
_SPACE = re.compile(r"\s+")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\(([^()\s]+)\)")
# Web and mail links, in-page anchors, and relative pages inside the site. Not
# "//host" or "/\\host" (another host, and a UNC path from file://), nor any backslash.
_SAFE_URL = re.compile(r"^(https?://(?![/\\])|mailto:|#|\.{0,2}/(?![/\\])|[\w-]+\.md(#[\w-]*)?$)", re.IGNORECASE)


_PROSE_SPECIAL = re.compile(r"([\[\]{}|!\\])")


def _backslash(match: re.Match[str]) -> str:
    # A function, not the template r"\\\1": re expands a template on every match.
    return "\\" + match.group(1)


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _one_line(text: str) -> str:
    # Author text is inline: collapsing newlines rules out block syntax (headings,
    # lists, abbreviation or link definitions, raw HTML blocks).
    return _SPACE.sub(" ", str(text)).strip()


def _escape_leading(text: str) -> str:
    def fix(match: re.Match[str]) -> str:
        if match.group(2):
            return f"{match.group(1)}\\{match.group(2)}"
        return f"{match.group(1)}{match.group(3)}\\{match.group(4)}"

    return _LEADING_BLOCK.sub(fix, text, count=1)


def md_text(value: Any) -> Markup:
    """Author text shown exactly as written: Markdown and HTML are inert."""
    return _md_text(str(value))


# Memoised: index pages repeat every title and summary, and a preview rebuild
# formats the same strings again (strings in, immutable Markup out).
@functools.lru_cache(maxsize=65536)
def _md_text(value: str) -> Markup:
    text = _entities(_one_line(value))
    return Markup(_escape_leading(_MD_SPECIAL.sub(r"\\\1", text)))


def _prose_plain(text: str) -> str:
    # Inside prose, emphasis (* _) and code (`) keep their meaning; everything
    # that could open a link, an image, an attribute list or a table cell does not.
    return _PROSE_SPECIAL.sub(_backslash, _entities(text))


def md_prose(value: Any) -> Markup:
    """Author prose as a Markdown subset: emphasis, code, and links to
    http(s), mailto, in-page anchors or relative pages. Anything else is text."""
    return _md_prose(str(value))


@functools.lru_cache(maxsize=65536)
def _md_prose(value: str) -> Markup:
    text = _one_line(value)
    out: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        out.append(_prose_plain(text[last : match.start()]))
        label, url = match.group(1), match.group(2)
        if safe_link_target(url):
            out.append(f"[{_prose_plain(label)}]({_entities(url)})")
        else:
            out.append(_prose_plain(match.group(0)))
        last = match.end()
    out.append(_prose_plain(text[last:]))
    return Markup(_escape_leading("".join(out)))


def one_line(text: Any) -> str:
    """Author text as one line (see :func:`md_text`)."""
    return _one_line(str(text))


def safe_link_target(url: str) -> bool:
    """True for the link targets prose may use: http(s), mailto, an in-page anchor
    or a relative page inside the site."""
    return "\\" not in url and _SAFE_URL.match(url) is not None


def link_problems(text: str) -> list[str]:
    """One message per Markdown link in ``text`` whose target prose refuses."""
    if "](" not in text:
        return []
    return [
        f"link target '{match.group(2)}' is not allowed (links go to https://, http://, mailto: "
        "or a relative page inside the handbook; not '//host', backslashes or other schemes)"
        for match in _LINK.finditer(_one_line(text))
        if not safe_link_target(match.group(2))
    ]


# What Markdown acts on inside an HTML tag before its inline-HTML pattern takes
# the tag whole: "`" (code), "\\" (escapes), "[" "]" "!" (links, images); and "|",
# which splits table cells before any inline pattern runs. (Emphasis runs after
# the tag is taken.) As character references they read the same in the browser.
_ATTR_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "`\\[]!|"})


def attr(value: Any) -> Markup:
    """A value for an HTML attribute or element we write into the Markdown
    (citation titles, aria-labels, tags, front-matter titles)."""
    return _attr_text(str(value))


@functools.lru_cache(maxsize=65536)
def _attr_text(value: str) -> Markup:
    return Markup(str(escape(_one_line(value))).translate(_ATTR_MARKDOWN))


def config_text(value: Any) -> Markup:
    """Text for MkDocs' configuration (``site_name``): Material's templates print it
    without escaping, so it is given already escaped (as Markup, which Jinja's
    ``|e`` leaves as it is)."""
    return escape(_one_line(str(value)))


def abbreviation(abbr: str, term: str) -> str | None:
    """The abbr extension's definition line ``*[ITP]: immune thrombocytopenia``, or
    None when ``abbr`` cannot be written as one."""
    abbr = _one_line(abbr)
    if abbreviation_problem(abbr):
        return None
    return f"*[{abbr}]: {_one_line(term)}"


def abbreviation_problem(abbr: str) -> str | None:
    """Why ``abbr`` cannot be a glossary abbreviation, or None. Python-Markdown marks
    stashed HTML with placeholders such as ``wzxhzdk:12``: an abbreviation of digits
    or punctuation alone matches inside them and breaks the page (the review caution
    and every citation disappear)."""
    text = _one_line(abbr)
    if "]" in text or "[" in text:
        return f"an abbreviation cannot contain '[' or ']' (got {abbr!r})"
    if not re.search(r"[^\W\d_]", text) or not (text[0].isalnum() and text[-1].isalnum()):
        return f"an abbreviation starts and ends with a letter or digit and contains a letter (got {abbr!r})"
    return None


# Control characters (C0 but tab, newline and carriage return; DEL; C1), the
# non-characters U+FFFE/U+FFFF, lone surrogates, and Python-Markdown's placeholder
# markers (STX/ETX are C0): none belongs in a clinical text, and each breaks a
# page (a hidden review caution, a page's metadata shown as its text).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]|wzxhzdk|klzzwxh", re.I)


def forbidden_text(text: str, start: int = 0) -> re.Match[str] | None:
    """The first character or marker content must not contain (from ``start``), or None."""
    return _FORBIDDEN.search(text, start)


def describe_forbidden(match: re.Match[str]) -> str:
    found = match.group(0)
    if len(found) > 1:
        return f"'{found}' is reserved by the Markdown processor and cannot appear in content"
    return f"control character U+{ord(found):04X} is not allowed in content (retype the text without it)"
