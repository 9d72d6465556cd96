"""What the browser tests share: Debian's Chromium with the launch arguments this
machine needs, a phone, and a quiet static server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import benchmarks.run as benchmark

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PHONE",
    "QuietHandler",
    "TrickleHandler",
    "bring_into_view",
    "render_every_block",
    "serve",
    "show_calculators",
]

# One Chromium set-up for the browser tests and the benchmark's Lighthouse runs.
CHROMIUM = Path(benchmark.CHROMIUM)
CHROMIUM_ARGS = benchmark.CHROMIUM_ARGS
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class TrickleHandler(QuietHandler):
    """A slow ward Wi-Fi: the first 48 KB of each page arrive in 2 KB pieces, 20 ms apart,
    so the browser paints the page while its header and first screen are still being
    parsed (what a busy machine did now and then, and a test met as a flaky layout shift).
    Kept-alive connections (HTTP/1.1) bring the stylesheets in while the page trickles, so
    those paints happen early, as on a real line."""

    protocol_version = "HTTP/1.1"

    def copyfile(self, source: Any, outputfile: Any) -> None:
        if not self.path.split("?")[0].endswith(("/", ".html")):
            return super().copyfile(source, outputfile)
        for _ in range(24):
            piece = source.read(2048)
            if not piece:
                return
            outputfile.write(piece)
            outputfile.flush()
            time.sleep(0.02)
        super().copyfile(source, outputfile)


def serve(root: Path, handler: type[QuietHandler] = QuietHandler) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1; yields the address of its handbook/ folder (the
    site hosted under a sub-path, as hospital IT would)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/handbook/"
    finally:
        server.shutdown()
        server.server_close()


def show_calculators(page: Any) -> None:
    """Bring each calculator of the page on screen, as a reader scrolling would, until
    its form is built (calculator.js mounts a calculator when it comes within a screen),
    then go back to the top of the page."""
    for calculator in page.locator("[data-md-component=calculator]:visible").all():
        calculator.scroll_into_view_if_needed()
        calculator.locator("form").wait_for()
    page.evaluate("window.scrollTo(0, 0)")


def render_every_block(page: Any) -> None:
    """A topic page's lists and reference list are rendered only when they come near the
    screen (content-visibility: auto, handbook.css): until then a list has a placeholder
    height and no text to innerText. A test that measures or reads the whole page at once
    renders every block first, as each is for a reader who scrolls to it."""
    page.add_style_tag(content=".md-typeset * { content-visibility: visible !important; }")


def bring_into_view(page: Any, locator: Any) -> dict[str, float]:
    """Scroll ``locator`` on screen as a reader would and return its box once the page has
    drawn it there. A block rendered on demand (content-visibility: auto) takes its real
    height only at the next frame, which can move what was just scrolled to; Chromium 156
    (Debian's 156.0.8078.114) measured and hit-tested before that frame, so a tap landed on
    a block's placeholder. Two animation frames, then scroll again until the box holds with
    its centre (where a finger lands) on screen."""
    height = page.viewport_size["height"]
    boxes = []
    for _ in range(5):
        locator.scroll_into_view_if_needed()
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        box = locator.bounding_box()
        if box and 0 <= box["y"] + box["height"] / 2 <= height and box == locator.bounding_box():
            return box
        boxes.append(box)
    raise AssertionError(f"{locator} did not stay on screen: {boxes}")
