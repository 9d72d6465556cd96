"""Worker processes for the costly per-file steps of a cold build: reading the
YAML of every file (stage 1), rendering every topic page (stage 4) and MkDocs'
conversion of every page's Markdown (generator/page_workers.py).

Each is independent per file, and at 2,000 topics each takes seconds
on one CPU. :func:`map_in_order` splits such a list across forked worker
processes and returns the results in input order, so a build's output is
byte-identical whatever the number of workers (a test holds this).

Workers are forked, never spawned: a forked child starts with everything the
parent has loaded (the validated handbook, the compiled templates) and only the
results travel back. Forking is used only where it is safe and pays:

* on Linux (Windows cannot fork; on macOS forking is unsafe with the system's
  libraries, and spawning would cost more than the work);
* no other thread runs in the process: a live-reload server's threads could hold
  a lock at the moment of the fork, which the child would inherit held;
* there is enough work: fewer than :data:`MIN_ITEMS` items run in the calling
  process (a live preview re-renders one or two topics);
* more than one CPU is available. ``HANDBOOK_JOBS`` sets the number of workers
  (``HANDBOOK_JOBS=1`` turns them off).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["MIN_ITEMS", "WorkerError", "forks", "job_count", "map_in_order"]

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 150
"""Below this many items the work stays in the calling process. Measured on 2 CPUs
(validate + render): at 100 topics workers save nothing (0.27 s either way), at
200 about 0.04 s of 0.43 s, at 400 about 0.15 s of 0.8 s."""


class WorkerError(RuntimeError):
    """The work could not be shared out: ``HANDBOOK_JOBS`` is not a number of
    processes, or a worker stopped before finishing its part (killed, out of memory)."""


# The function and items of the map in progress. A forked worker inherits them,
# so only chunk numbers go to the workers and only results come back.
_task: tuple[Callable[[Any], Any], Sequence[Any], list[range]] | None = None


def job_count() -> int:
    """Worker processes to use: ``HANDBOOK_JOBS`` when set, else the CPUs this
    process may run on."""
    value = os.environ.get("HANDBOOK_JOBS", "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise WorkerError(f"HANDBOOK_JOBS must be a whole number of processes, 1 or more (got '{value}')")
        return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon  # a pool's worker may not have children
    )


def forks(count: int) -> bool:
    """Whether :func:`map_in_order` would share ``count`` items out to workers."""
    return count >= MIN_ITEMS and min(job_count(), count) >= 2 and _can_fork()


def _run_chunk(index: int) -> list[Any]:
    assert _task is not None
    function, items, chunks = _task
    return [function(items[i]) for i in chunks[index]]


def map_in_order(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``[function(item) for item in items]``, in forked workers when that is safe
    and pays (see the module's docstring). The results must be picklable when
    workers are used (``function`` is inherited, never pickled); an exception
    raised in a worker is raised here, and a worker that dies raises
    :class:`WorkerError`."""
    if not forks(len(items)):
        return [function(item) for item in items]
    jobs = min(job_count(), len(items))
    # Strided chunks (item i goes to chunk i % count): files sorted by name come in
    # runs of similar size (copies of one big topic), and contiguous chunks left one
    # worker with all the big ones. Several chunks per worker even out the rest.
    count = jobs * 4
    chunks = [range(start, len(items), count) for start in range(count)]
    global _task
    _task = (function, items, chunks)
    try:
        # concurrent.futures rather than multiprocessing.Pool: when a worker dies (the
        # kernel's OOM killer on a small build server) it raises BrokenProcessPool,
        # where Pool would wait for the lost chunk for ever. With fork it starts its
        # workers before its own management thread.
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_run_chunk, range(count)))
    except BrokenProcessPool as exc:
        # Every user runs before the build has written anything it keeps.
        raise WorkerError(
            f"a worker process stopped before finishing ({exc}); the build stopped. "
            "Free some memory, or set HANDBOOK_JOBS=1 to work in one process"
        ) from exc
    finally:
        _task = None
    results: list[Any] = [None] * len(items)
    for chunk, part in zip(chunks, parts, strict=True):
        for i, result in zip(chunk, part, strict=True):
            results[i] = result
    return results
