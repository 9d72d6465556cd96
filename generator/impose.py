"""Print stage, part 3: booklet imposition of a finished pocket guide.

Pages are padded with blank pages to a multiple of four and placed two to a side of
a sheet twice their width (A6 pages on A5, A5 pages on A4), in the order that makes
a folded stack read 1, 2, 3...: printed double-sided (flip on the short edge), each
sheet backs the right pages, and the stack folds in the middle into one booklet.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["booklet_order", "impose_booklet"]


def booklet_order(pages: int) -> list[tuple[int | None, int | None]]:
    """(left, right) 0-based page numbers of each printed side, front then back of
    sheet 1, then sheet 2...; None is a blank page added to reach a multiple of four."""
    total = -(-pages // 4) * 4
    sides = []
    for sheet in range(total // 4):
        outer_left, outer_right = total - 1 - 2 * sheet, 2 * sheet
        inner_left, inner_right = 2 * sheet + 1, total - 2 - 2 * sheet
        sides.append((outer_left, outer_right))
        sides.append((inner_left, inner_right))
    return [tuple(n if n < pages else None for n in side) for side in sides]  # type: ignore[misc]


def impose_booklet(pdf_bytes: bytes, out: Any) -> int:
    """Write the booklet imposition of ``pdf_bytes`` to the binary file ``out``; return the
    number of printed sides (twice the sheets)."""
    from pypdf import PageObject, PdfReader, PdfWriter, Transformation

    reader = PdfReader(io.BytesIO(pdf_bytes))
    width = float(reader.pages[0].mediabox.width)
    height = float(reader.pages[0].mediabox.height)
    writer = PdfWriter()
    sides = booklet_order(len(reader.pages))
    for left, right in sides:
        side = PageObject.create_blank_page(width=2 * width, height=height)
        for number, offset in ((left, 0.0), (right, width)):
            if number is not None:
                side.merge_transformed_page(reader.pages[number], Transformation().translate(tx=offset, ty=0))
        writer.add_page(side)
    if reader.metadata:
        writer.add_metadata({k: v for k, v in reader.metadata.items() if isinstance(v, str)})
    writer.write(out)
    return len(sides)
