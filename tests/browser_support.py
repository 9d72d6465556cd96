"""What the browser tests share: Debian's Chromium with the launch arguments this
machine needs, a phone, and a quiet static server on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import benchmarks.run as benchmark

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "PHONE", "QuietHandler", "serve", "show_calculators"]

# One Chromium set-up for the browser tests and the benchmark's Lighthouse runs.
CHROMIUM = Path(benchmark.CHROMIUM)
CHROMIUM_ARGS = benchmark.CHROMIUM_ARGS
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1; yields the address of its handbook/ folder (the
    site hosted under a sub-path, as hospital IT would)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
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
