"""A static file server for measurements: serves a folder on 127.0.0.1 with gzip
(as an intranet nginx with ``gzip on`` would) and counts the bytes it sends, so a
page's first-visit transfer is what actually went over the wire.

    with GzipServer(site_dir) as server:
        server.reset(); ...load a page...; server.sent  # {path: bytes}
"""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from pathlib import Path
from typing import Any

__all__ = ["GzipServer"]

# What nginx's gzip_types would compress (it never compresses images or PDFs).
COMPRESSIBLE = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt"}


class _Handler(http.server.SimpleHTTPRequestHandler):
    sent: dict[str, int]
    lock: threading.Lock

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.suffix in COMPRESSIBLE and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        # Assets get a long lifetime, as a production server would configure.
        self.send_header("Cache-Control", "max-age=31536000" if "/assets/" in self.path else "no-cache")
        self.end_headers()
        self._record(len(body))
        self.wfile.write(body)
        return None

    def copyfile(self, source: Any, outputfile: Any) -> None:
        data = source.read()
        self._record(len(data))
        outputfile.write(data)

    def _record(self, size: int) -> None:
        with self.lock:
            key = self.path.split("?")[0]
            self.sent[key] = self.sent.get(key, 0) + size


class GzipServer:
    """``with GzipServer(root) as server: server.url``; ``server.sent`` maps each
    requested path to the body bytes sent (gzip-encoded when compressible)."""

    def __init__(self, root: Path):
        self.sent: dict[str, int] = {}
        handler = type("Handler", (_Handler,), {"sent": self.sent, "lock": threading.Lock()})
        self._server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}/"

    def reset(self) -> None:
        self.sent.clear()

    def __enter__(self) -> GzipServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
