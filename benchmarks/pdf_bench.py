"""Benchmark of the print stage: seconds per page of the PDF pocket guide.

Not a test: it prints one JSON object and exits 0 (1 when the content does not validate).

    python benchmarks/pdf_bench.py                     # the real handbook (content/)
    python benchmarks/pdf_bench.py path/to/content     # e.g. a synthetic 200-topic handbook
    python benchmarks/pdf_bench.py --size a5 --repeat 3

The aim (issue 6) is under 0.1 s per page on one core; pin one core with
``taskset -c 0 python benchmarks/pdf_bench.py``. Stages are timed separately so a
regression can be placed: validation, HTML (templates and calculator tables),
layout (WeasyPrint), writing the PDF.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from generator import pdf as pdf_stage
from generator.validate import validate_content


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="?", type=Path, default=Path("content"), help="content folder")
    parser.add_argument("--size", choices=["a6", "a5"], default="a6")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the median is reported")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    handbook, report = validate_content(args.content)
    validate_s = time.perf_counter() - started
    if handbook is None or report.failed():
        for diagnostic in report.sorted():
            print(diagnostic, file=sys.stderr)
        return 1

    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        html = pdf_stage.render_html(handbook, size=args.size)
        t1 = time.perf_counter()
        document = pdf_stage.render_document(handbook, size=args.size)
        t2 = time.perf_counter()
        pdf_stage.write_document(document, io.BytesIO())
        t3 = time.perf_counter()
        # render_document renders the HTML again; its share is subtracted from layout.
        runs.append(
            {"html_s": t1 - t0, "layout_s": (t2 - t1) - (t1 - t0), "write_s": t3 - t2, "pages": len(document.pages)}
        )
        del html

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    pages = runs[0]["pages"]
    render_s = median("html_s") + median("layout_s") + median("write_s")
    print(
        json.dumps(
            {
                "benchmark": "pdf",
                "content": str(args.content),
                "size": args.size,
                "topics": len(handbook.topics),
                "pages": pages,
                "runs": args.repeat,
                "seconds": {
                    "validate": round(validate_s, 3),
                    "html": round(median("html_s"), 3),
                    "layout": round(median("layout_s"), 3),
                    "write": round(median("write_s"), 3),
                    "render_total": round(render_s, 3),
                },
                "seconds_per_page": round(render_s / pages, 4),
                "aim_seconds_per_page": 0.1,
                "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
                "python": platform.python_version(),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
