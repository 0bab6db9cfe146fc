"""CPU work on every core, through the standard library's ``concurrent.futures``.

Workers are forked (the ``fork`` context), so they inherit what the build holds (the site, the
templates, the items to work on) instead of receiving it pickled; only each item's number and
its result travel. A pool is made for one batch of work and ends with it, and is never made in
a process that runs threads (``serve`` renders its rebuilds in one process). Each worker asks
the kernel to kill it when its parent dies, so a build killed outright leaves nothing running
behind it.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]
PR_SET_PDEATHSIG = 1
SERIAL_BELOW = 200  # items: fewer than this finish sooner here than in a pool
CHUNK = 32

_shared: Any = None  # the function, what it is handed with each item, and the items (inherited, never pickled)


def jobs_wanted(jobs: int | None) -> int:
    """The number of processes to use: ``jobs``, else ``OCOPSITE_JOBS``, else one per core."""
    if jobs:
        return jobs
    configured = os.environ.get("OCOPSITE_JOBS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else os.cpu_count() or 1


class Workers:
    """``map`` on ``jobs`` processes (``jobs_wanted``), or here for a short list, one process,
    or where forking is unsafe or impossible."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs_wanted(jobs)

    def map(self, function: Callable[..., R], items: Sequence[Any], shared: Any = None,
            progress: Progress | None = None) -> list[R]:
        """``function(item)`` for each item, in order; with ``shared``, ``function(shared, item)``."""
        global _shared
        call = function if shared is None else (lambda item: function(shared, item))
        if not self._parallel(len(items)):
            return _serial(call, items, progress)
        _shared = (function, shared, items)
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_die_with_parent,
                                     initargs=(os.getpid(),)) as pool:
                results = []
                for result in pool.map(_call, range(len(items)), chunksize=CHUNK):
                    results.append(result)
                    if progress is not None and len(results) % 500 == 0:
                        progress(len(results), len(items))
                if progress is not None:
                    progress(len(results), len(items))
                return results
        finally:
            _shared = None

    def _parallel(self, count: int) -> bool:
        return (self.jobs > 1 and count >= SERIAL_BELOW and "fork" in multiprocessing.get_all_start_methods()
                and threading.active_count() == 1)


def _serial(call: Callable[[Any], R], items: Sequence[Any], progress: Progress | None) -> list[R]:
    results = []
    for done, item in enumerate(items, 1):
        results.append(call(item))
        if progress is not None and (done % 500 == 0 or done == len(items)):
            progress(done, len(items))
    return results


def _call(number: int) -> Any:
    """In a worker: the call for item ``number`` of the list the pool was made for, which the
    worker inherited with the rest of its parent's memory (an item pickled to it, a page spec
    with every record it shows, cost more than rendering it)."""
    function, shared, items = _shared
    return function(items[number]) if shared is None else function(shared, items[number])


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the process that forked it dies (Linux)."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None)  # the C library's, already loaded
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before that was asked
        os._exit(1)
