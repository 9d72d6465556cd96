"""Stage 5b — the offline app: web app manifest, icons and service worker (issue 16).

Runs once MkDocs has written every file of the site (``generator/app_hooks.py``,
``on_post_build``) and reads what the build produced rather than a list of names:

1. icons (PNG 192, 512 and a maskable 512, drawn here: the favicon's white cross on
   the palette's primary colour) and ``app.webmanifest``;
2. the edition's file list: every file a page may load, with a hash of its bytes;
   the build hash is the hash of that list, so it changes exactly when the site does;
3. what a phone stores at install: the app shell (styles, scripts, calculator
   programs, home and calculators pages), then the pages with an emergency section
   while ``app.offline_budget_kb`` of content/handbook.yaml lasts, and every page when
   the whole site fits it;
4. ``service-worker.js``: theme/app/service-worker.js preceded by that data.

Absent from the ``file://`` build (browsers allow service workers only on https and
localhost) and from the preview (``handbook serve``: a cached edition would hide edits).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import struct
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .model import HandbookMeta
from .project import THEME_DIR
from .render import topic_path

__all__ = [
    "MANIFEST_NAME",
    "WORKER_NAME",
    "AppPlan",
    "enabled",
    "icon_png",
    "plan_edition",
    "search_languages",
    "set_previewing",
    "template_data",
    "theme_colour",
    "web_manifest",
    "worker_data",
    "write_app",
]

MANIFEST_NAME = "app.webmanifest"
WORKER_NAME = "service-worker.js"
WORKER_SOURCE = THEME_DIR / "app" / "service-worker.js"  # in the repository or the wheel (generator.project)
ICONS = {  # file -> (size in px, maskable)
    "assets/images/app-icon-192.png": (192, False),
    "assets/images/app-icon-512.png": (512, False),
    "assets/images/app-icon-maskable-512.png": (512, True),
}
TOUCH_ICON = "assets/images/app-icon-192.png"
HASH_CHARS = 16  # 64 bits: tells two builds apart; not a defence against forgery
# Material's indigo, the palette mkdocs.yml names, for a palette whose colour the
# installed Material does not define (a custom primary colour set in CSS).
FALLBACK_COLOUR = "#4051b5"

# Not part of an edition: source maps (debugging only), the worker itself, the PDF
# (a separate download carrying its own edition), the sitemap (for crawlers), the
# server's header file (generator/csp.py; read by the server, never by a page).
_NOT_IN_EDITION = re.compile(r"(\.map|\.pdf|^sitemap\.xml(\.gz)?|^_headers)$")
_LUNR = "assets/javascripts/lunr/"
_EMERGENCY = b'id="emergency"'
SEARCH_INDEX = "search/search_index.json"
SHELL_PAGES = ("", "calculators/")  # the home page and the calculators page (render.py's names)

_previewing = False


def set_previewing(previewing: bool) -> None:
    """``mkdocs serve``/``handbook serve`` started (generator/app_hooks.py on_startup)."""
    global _previewing
    _previewing = previewing


# --------------------------------------------------------------------------- colours and icons


def theme_colour(primary: str) -> str:
    """The palette's primary colour as Material's stylesheet defines it (#rrggbb)."""
    import material

    styles = Path(material.__file__).parent / "templates" / "assets" / "stylesheets"
    name = re.escape(primary.replace(" ", "-"))
    rule = re.compile(rf"\[data-md-color-primary={name}\]\{{--md-primary-fg-color:(#[0-9a-f]{{6}})")
    for sheet in sorted(styles.glob("palette.*.min.css")):
        found = rule.search(sheet.read_text())
        if found:
            return found.group(1)
    return FALLBACK_COLOUR


def _rgb(colour: str) -> bytes:
    return bytes.fromhex(colour.lstrip("#")) + b"\xff"


def _icon_rows(size: int, colour: str, maskable: bool) -> Iterator[bytes]:
    """The favicon (theme/assets/images/favicon.svg, a 24-unit square): rounded square,
    white cross from 5 to 19 units, arms 4 units wide. A maskable icon fills the square
    (the phone cuts its own shape); its cross stays inside the central safe circle."""
    unit = size / 24
    background, white, clear = _rgb(colour), b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"
    radius = 0.0 if maskable else 4 * unit
    for y in range(size):
        row = bytearray(background * size)
        centre_y = y + 0.5
        edge = min(centre_y, size - centre_y)
        if edge < radius:  # rounded corner: clear what lies outside its quarter circle
            inset = radius - (radius**2 - (radius - edge) ** 2) ** 0.5
            clear_px = max(0, int(inset + 0.5))
            row[: 4 * clear_px] = clear * clear_px
            row[4 * (size - clear_px) :] = clear * clear_px
        for left, right, top, bottom in ((10, 14, 5, 19), (5, 19, 10, 14)):
            if top * unit <= centre_y < bottom * unit:
                start, stop = round(left * unit), round(right * unit)
                row[4 * start : 4 * stop] = white * (stop - start)
        yield bytes(row)


def icon_png(size: int, colour: str, *, maskable: bool = False) -> bytes:
    """A square RGBA PNG, written with zlib and struct: the same bytes on every build."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + row for row in _icon_rows(size, colour, maskable))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def web_manifest(meta: HandbookMeta, colour: str) -> dict[str, Any]:
    """app.webmanifest: what "Add to home screen" installs (paths relative to the site root)."""
    icons = [
        {"src": path, "sizes": f"{size}x{size}", "type": "image/png", "purpose": "maskable" if maskable else "any"}
        for path, (size, maskable) in ICONS.items()
    ]
    return {
        "name": meta.title,
        "short_name": meta.app.short_name or meta.title,
        "lang": meta.language,
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "theme_color": colour,
        "background_color": "#ffffff",
        "icons": icons,
    }


# --------------------------------------------------------------------------- the edition


@dataclass
class AppPlan:
    """One edition as the service worker stores it."""

    files: dict[str, str] = field(default_factory=dict)
    """URL path (relative to the site root, pages as their folder) -> hash of its bytes."""
    shell: list[str] = field(default_factory=list)
    """Stored at install whatever the budget: assets, home, calculators, emergency pages."""
    precache: list[str] = field(default_factory=list)
    """Stored at install: the shell, or every file when the whole site fits the budget."""
    whole_site: bool = False
    shell_gzip_bytes: int = 0
    precache_gzip_bytes: int = 0
    budget_bytes: int = 0
    build: str = ""


def _key(relative: str) -> str:
    """The URL path a browser asks for: folder URLs for pages (use_directory_urls)."""
    if relative == "index.html" or relative.endswith("/index.html"):
        relative = relative[: -len("index.html")]
    return quote(relative)


def _in_edition(relative: str, languages: list[str]) -> bool:
    if relative == WORKER_NAME or _NOT_IN_EDITION.search(relative):
        return False
    if relative.startswith(_LUNR):  # Material's stemmers: only those the search language needs
        name = relative.rsplit("/", 1)[-1]
        wanted = {f"lunr.{lang}.min.js" for lang in languages if lang != "en"}
        if wanted:
            wanted |= {"lunr.stemmer.support.min.js", "lunr.multi.min.js"}
        return name in wanted
    return True


def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))


def _gzip_sizes(files: list[_File], pool: ThreadPoolExecutor) -> Iterator[int]:
    """The gzip size of each of ``files``, in order, compressed a few at a time on every
    core (zlib lets other threads run while it compresses), so that a loop which stops
    at the budget has compressed little more than it used."""
    for start in range(0, len(files), 16):
        yield from pool.map(_gzip_size, [f.path for f in files[start : start + 16]])


@dataclass(frozen=True)
class _File:
    key: str
    path: Path
    page: bool
    emergency: bool


def _read_edition(site_dir: Path, languages: list[str], plan: AppPlan) -> list[_File]:
    """Every file of the edition, hashed into ``plan.files`` and ``plan.build``. Bytes
    are not kept (2,000 topics are about 300 MB of HTML)."""
    listing = hashlib.sha256()
    files = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(site_dir).as_posix()
        if not _in_edition(relative, languages):
            continue
        data = path.read_bytes()
        key = _key(relative)
        plan.files[key] = hashlib.sha256(data).hexdigest()[:HASH_CHARS]
        listing.update(f"{key}\0{plan.files[key]}\n".encode())
        page = relative.endswith(".html")
        files.append(_File(key, path, page, page and _EMERGENCY in data))
    plan.build = listing.hexdigest()[:HASH_CHARS]
    return files


def plan_edition(site_dir: Path, budget_bytes: int, *, languages: list[str] | None = None) -> AppPlan:
    """Hash every file of the edition and decide what a phone stores at install: the
    shell always; pages with an emergency section while the budget lasts; everything
    when the whole site fits. Sizes are compressed only until the budget is spent, so
    a large site costs little more than hashing it."""
    plan = AppPlan(budget_bytes=budget_bytes)
    files = _read_edition(site_dir, languages or ["en"], plan)
    shell = [f for f in files if (not f.page and f.key != SEARCH_INDEX) or f.key in SHELL_PAGES]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        total = sum(_gzip_sizes(shell, pool))
        emergency = [f for f in files if f.emergency and f.key not in SHELL_PAGES]
        for candidate, size in zip(emergency, _gzip_sizes(emergency, pool), strict=False):
            if total + size > budget_bytes:
                break
            shell.append(candidate)
            total += size
        plan.shell = [f.key for f in shell]
        plan.shell_gzip_bytes = total
        stored = set(plan.shell)
        rest = [f for f in files if f.key not in stored]
        for size in _gzip_sizes(rest, pool):
            total += size
            if total > budget_bytes:
                break
    plan.whole_site = total <= budget_bytes
    plan.precache = plan.shell + [f.key for f in rest] if plan.whole_site else list(plan.shell)
    plan.precache_gzip_bytes = total if plan.whole_site else plan.shell_gzip_bytes
    return plan


def worker_data(meta: HandbookMeta, plan: AppPlan) -> dict[str, Any]:
    """What the service worker knows of its edition (self.HB_APP)."""
    topics = topic_path("x").rsplit("/", 1)[0] + "/"
    return {
        "edition": meta.edition.name,
        "date": meta.edition.date.isoformat(),
        "withdrawn": meta.edition.withdrawn,
        "build": plan.build,
        "whole_site": plan.whole_site,
        "topics": topics,
        "precache": plan.precache,
        "files": plan.files,
    }


def write_app(site_dir: Path, meta: HandbookMeta, colour: str, *, languages: list[str] | None = None) -> AppPlan:
    """Write icons, app.webmanifest and service-worker.js into a built site."""
    for relative, (size, maskable) in ICONS.items():
        target = site_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(icon_png(size, colour, maskable=maskable))
    manifest = json.dumps(web_manifest(meta, colour), indent=2, ensure_ascii=False, sort_keys=True)
    (site_dir / MANIFEST_NAME).write_text(manifest + "\n", encoding="utf-8")
    plan = plan_edition(site_dir, meta.app.offline_budget_kb * 1024, languages=languages)
    data = json.dumps(worker_data(meta, plan), ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    # ensure_ascii: U+2028 in an author's text would end a JavaScript line.
    source = WORKER_SOURCE.read_text(encoding="utf-8")
    (site_dir / WORKER_NAME).write_text(f"self.HB_APP = {data};\n{source}", encoding="utf-8")
    return plan


# --------------------------------------------------------------------------- MkDocs side


def enabled(config: Any) -> bool:
    """The app exists in a site served over http(s), not from file:// nor in the preview."""
    offline = config.plugins.get("material/offline")
    return not _previewing and not (offline is not None and offline.config.enabled)


def template_data(config: Any, meta: HandbookMeta) -> dict[str, Any]:
    """What theme/overrides/partials/app.html and withdrawn.html show."""
    primary = ""
    palette = config.theme.get("palette") or []
    for scheme in palette if isinstance(palette, list) else [palette]:
        primary = primary or str(scheme.get("primary") or "")
    return {
        "enabled": enabled(config),
        "theme_colour": theme_colour(primary or "indigo"),
        "touch_icon": TOUCH_ICON,
        "edition": meta.edition.name,
        "edition_date": meta.edition.date.isoformat(),
        "withdrawn": meta.edition.withdrawn,
    }


def search_languages(config: Any) -> list[str]:
    search = config.plugins.get("material/search")
    languages = getattr(getattr(search, "config", None), "lang", None) or ["en"]
    return [str(lang) for lang in languages]
