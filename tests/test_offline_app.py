"""The offline app's build stage (generator/offline_app.py): icons, web app manifest,
the edition's file list and build hash, and its absence from the file:// build.
What a phone does with them is tested in Chromium (tests/test_app_browser.py)."""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from generator.build import build_site
from generator.offline_app import MANIFEST_NAME, WORKER_NAME, icon_png, plan_edition

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "fixtures" / "mini"
HOSTILE = '<script>window.__recalled=1</script> & "wrong" dose'


def pixels(png: bytes) -> tuple[int, list[bytes]]:
    """Decode our own PNG (RGBA, 8 bit, filter 0 on every row): size and rows."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    size, height, depth, colour_type = struct.unpack(">IIBB", png[16:26])
    assert (size, depth, colour_type) == (height, 8, 6)
    length = struct.unpack(">I", png[33:37])[0]
    assert png[37:41] == b"IDAT"
    raw = zlib.decompress(png[41 : 41 + length])
    stride = 1 + 4 * size
    return size, [raw[i * stride + 1 : (i + 1) * stride] for i in range(size)]


def pixel(rows: list[bytes], x: int, y: int) -> bytes:
    return rows[y][4 * x : 4 * x + 4]


@pytest.mark.parametrize("size", [192, 512])
def test_icon_is_the_white_cross_on_the_theme_colour(size: int) -> None:
    png = icon_png(size, "#4051b5")
    assert png == icon_png(size, "#4051b5")  # the same bytes on every build
    width, rows = pixels(png)
    assert width == size
    assert pixel(rows, size // 2, size // 2) == b"\xff\xff\xff\xff"  # the cross
    assert pixel(rows, size // 8, size // 2 + size // 4) == b"\x40\x51\xb5\xff"  # the square
    assert pixel(rows, 0, 0) == b"\x00\x00\x00\x00"  # a rounded corner


def test_maskable_icon_fills_its_square() -> None:
    _, rows = pixels(icon_png(512, "#4051b5", maskable=True))
    assert pixel(rows, 0, 0) == b"\x40\x51\xb5\xff"
    assert pixel(rows, 256, 256) == b"\xff\xff\xff\xff"


def _content(folder: Path, *, withdrawn: str | None = None, beta_title: str | None = None) -> Path:
    shutil.copytree(MINI, folder)
    if withdrawn:
        meta = folder / "handbook.yaml"
        meta.write_text(
            meta.read_text().replace("  date: 2026-11-01", f"  date: 2026-11-01\n  withdrawn: {json.dumps(withdrawn)}")
        )
    if beta_title:
        beta = folder / "topics" / "beta.yaml"
        beta.write_text(beta.read_text().replace("title: Beta grading", f"title: {beta_title}"))
    return folder


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("app")
    built = {}
    cases = {
        "first": {},
        "again": {},
        "edited": {"beta_title": "Beta grading, revised"},
        "withdrawn": {"withdrawn": HOSTILE},
    }
    for name, changes in cases.items():
        content = _content(root / f"content-{name}", **changes)
        build_site(content, root / name, docs_dir=root / f"docs-{name}", pdf=False)
        built[name] = root / name
    build_site(
        _content(root / "content-offline"), root / "offline", docs_dir=root / "docs-off", pdf=False, offline=True
    )
    built["offline"] = root / "offline"
    return built


def worker_data(site: Path) -> dict:
    first_line = (site / WORKER_NAME).read_text(encoding="utf-8").split("\n", 1)[0]
    assert first_line.startswith("self.HB_APP = ") and first_line.endswith(";")
    return json.loads(first_line[len("self.HB_APP = ") : -1])


def test_web_app_manifest(sites: dict[str, Path]) -> None:
    manifest = json.loads((sites["first"] / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["name"] == manifest["short_name"] == "Mini Handbook"  # no short_name: the title
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("./", "./", "standalone")
    assert manifest["theme_color"] == "#4051b5"  # Material's indigo, mkdocs.yml's palette
    assert [(i["src"], i["sizes"], i["purpose"]) for i in manifest["icons"]] == [
        ("assets/images/app-icon-192.png", "192x192", "any"),
        ("assets/images/app-icon-512.png", "512x512", "any"),
        ("assets/images/app-icon-maskable-512.png", "512x512", "maskable"),
    ]
    for icon in manifest["icons"]:
        assert (sites["first"] / icon["src"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_page_links_the_app_with_scripts_from_files_only(sites: dict[str, Path]) -> None:
    page = (sites["first"] / "topics" / "alpha" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="manifest" href="../../app.webmanifest">' in page
    assert '<meta name="theme-color" content="#4051b5">' in page
    assert '<script src="../../assets/javascripts/app.js" defer data-hb-app-worker="../../service-worker.js"' in page
    assert "serviceWorker" not in page  # registration lives in app.js, never inline
    assert "md-banner" not in page  # no recall, no empty banner


def test_the_edition_file_list_and_build_hash(sites: dict[str, Path]) -> None:
    data = worker_data(sites["first"])
    assert (data["edition"], data["date"], data["withdrawn"]) == ("2026.1", "2026-11-01", None)
    files = data["files"]
    for key in ["", "calculators/", "topics/alpha/", "search/search_index.json", "assets/javascripts/calculator.js"]:
        assert key in files, key
    assert not [k for k in files if k.endswith((".map", ".pdf")) or k.startswith("assets/javascripts/lunr/")]
    assert WORKER_NAME not in files
    assert data["whole_site"] is True and set(data["precache"]) == set(files)
    # Deterministic: the same content gives the same worker, byte for byte.
    assert (sites["first"] / WORKER_NAME).read_bytes() == (sites["again"] / WORKER_NAME).read_bytes()
    # One title changed: a new build hash, and new hashes exactly where the title shows.
    edited = worker_data(sites["edited"])
    assert edited["build"] != data["build"]
    changed = {k for k in files if files[k] != edited["files"].get(k)}
    assert "topics/beta/" in changed and "assets/javascripts/calculator.js" not in changed


def test_over_budget_the_phone_stores_the_shell(sites: dict[str, Path]) -> None:
    plan = plan_edition(sites["first"], 0)
    assert plan.whole_site is False
    assert {"", "calculators/", "assets/javascripts/app.js", "assets/javascripts/calculator.js"} <= set(plan.shell)
    assert "topics/alpha/" not in plan.shell and "search/search_index.json" not in plan.shell
    assert plan.precache == plan.shell


def test_a_withdrawn_edition_shows_its_notice_as_text(sites: dict[str, Path]) -> None:
    assert worker_data(sites["withdrawn"])["withdrawn"] == HOSTILE
    page = (sites["withdrawn"] / "index.html").read_text(encoding="utf-8")
    assert 'role="alertdialog"' in page and "Edition 2026.1 (2026-11-01) has been withdrawn" in page
    assert "&lt;script&gt;window.__recalled=1&lt;/script&gt; &amp; &#34;wrong&#34; dose" in page
    assert "<script>window.__recalled" not in page


def test_the_file_url_build_has_no_app(sites: dict[str, Path]) -> None:
    site = sites["offline"]
    assert not (site / WORKER_NAME).exists() and not (site / MANIFEST_NAME).exists()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert 'rel="manifest"' not in text and "app.js" not in text, page


def test_the_preview_has_no_app_and_a_build_after_it_has(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`handbook serve` (MkDocs' serve command): a stored edition would hide the edit.
    A build later in the same process gets its app again (a preview left the hook
    "serving" once, and every later test build had no app)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    content = _content(tmp_path / "content")
    monkeypatch.setenv("HANDBOOK_CONTENT", str(content))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    (tmp_path / "docs").mkdir()
    config = load_config(str(ROOT / "mkdocs.yml"), docs_dir=str(tmp_path / "docs"), site_dir=str(tmp_path / "preview"))
    config.plugins.on_startup(command="serve", dirty=False)
    mkdocs_build(config, serve_url="http://127.0.0.1:8000/")
    assert not (tmp_path / "preview" / WORKER_NAME).exists()
    assert 'rel="manifest"' not in (tmp_path / "preview" / "index.html").read_text(encoding="utf-8")
    # The preview is still running (no on_shutdown) when a build starts.
    build_site(content, tmp_path / "site", docs_dir=tmp_path / "docs-build", pdf=False)
    assert (tmp_path / "site" / WORKER_NAME).is_file()
    assert 'rel="manifest"' in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
