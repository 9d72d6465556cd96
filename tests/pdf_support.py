"""Reading a built PDF in tests."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader

__all__ = ["outline"]


def outline(reader: PdfReader) -> list[tuple[str, int, int]]:
    """(title, 0-based page, level) of every outline entry (bookmark)."""
    out: list[tuple[str, int, int]] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((item.title, reader.get_destination_page_number(item), level))

    walk(reader.outline, 1)
    return out
