"""The Content-Security-Policy of a built site, computed from the site itself.

Material for MkDocs writes a few small inline scripts into every page (the
storage bootstrap, which embeds the page's folder depth, the palette restore,
the content-tab anchor): the policy allows exactly those, by their sha256, and
nothing else inline; ``data:`` images only when the theme's CSS uses them (its
icons). The build writes the policy into ``site/_headers`` (the format of
Netlify and Cloudflare Pages; the README gives the nginx, Apache and IIS lines).
A header does not protect a copy opened from ``file://``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

__all__ = ["HEADERS_NAME", "inline_script_hashes", "read_policy", "site_policy", "write_headers"]

HEADERS_NAME = "_headers"

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_DATA_TYPES = re.compile(r"""\btype\s*=\s*["']?(application/(ld\+)?json|text/template)""", re.IGNORECASE)


def inline_script_hashes(site_dir: Path) -> list[str]:
    """``'sha256-...'`` of every distinct inline script of every page, sorted."""
    hashes: set[str] = set()
    for page in sorted(Path(site_dir).rglob("*.html")):
        html = page.read_text(encoding="utf-8", errors="replace")
        for match in _SCRIPT.finditer(html):
            attributes, body = match.group(1), match.group(2)
            if re.search(r"\bsrc\s*=", attributes, re.IGNORECASE) or _DATA_TYPES.search(attributes):
                continue  # external scripts are 'self'; data blocks never run
            digest = hashlib.sha256(body.encode("utf-8")).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(hashes)


def _css_uses_data_urls(site_dir: Path) -> bool:
    for sheet in Path(site_dir).rglob("*.css"):
        if re.search(r"url\(\s*[\"']?data:", sheet.read_text(encoding="utf-8", errors="replace")):
            return True
    return False


def site_policy(site_dir: Path) -> str:
    """The strictest policy under which ``site_dir`` works: everything from the
    site's own origin, the inline scripts it has by hash, no plugins, no frames,
    no forms posting anywhere, no framing by another site."""
    scripts = " ".join(["'self'", *inline_script_hashes(site_dir)])
    images = "'self' data:" if _css_uses_data_urls(site_dir) else "'self'"
    directives = [
        "default-src 'none'",
        f"script-src {scripts}",
        "style-src 'self'",
        f"img-src {images}",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def write_headers(site_dir: Path) -> Path:
    """site/_headers: the policy and its companions for every path of the site."""
    policy = site_policy(site_dir)
    lines = [
        "# Response headers for this site (Netlify/Cloudflare format). For nginx, Apache",
        "# and IIS copy the Content-Security-Policy value (see the README, For hospital IT).",
        "/*",
        f"  Content-Security-Policy: {policy}",
        "  X-Content-Type-Options: nosniff",
        "  Referrer-Policy: no-referrer",
        "",
    ]
    path = Path(site_dir) / HEADERS_NAME
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def read_policy(site_dir: Path) -> str:
    """The Content-Security-Policy a build wrote into ``site_dir``."""
    for line in (Path(site_dir) / HEADERS_NAME).read_text(encoding="utf-8").splitlines():
        name, _, value = line.strip().partition(": ")
        if name == "Content-Security-Policy":
            return value
    raise ValueError(f"no Content-Security-Policy in {Path(site_dir) / HEADERS_NAME}")
