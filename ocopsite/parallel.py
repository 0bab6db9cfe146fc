"""Many small jobs on every core. Workers are forked once the site is loaded, so they inherit
it instead of receiving it pickled; only each job's result travels back, in order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
Progress = Callable[[int, int], None]
SERIAL_BELOW = 400  # jobs: fewer than this finish sooner in this process than in a pool
CHUNK = 64

_jobs: Sequence[Callable[[], Any]] = ()  # what forked workers inherit


def jobs_wanted(jobs: int | None) -> int:
    """The number of processes to use: ``jobs``, else ``OCOPSITE_JOBS``, else one per core."""
    if jobs:
        return jobs
    configured = os.environ.get("OCOPSITE_JOBS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else os.cpu_count() or 1


def run(jobs: Sequence[Callable[[], T]], processes: int | None = None,
        progress: Progress | None = None) -> Iterator[T]:
    """Each job's result, in the order of ``jobs``. Unless ``processes`` is given, a short list
    runs here, where starting a pool would cost more than it saves."""
    total = len(jobs)
    small = processes is None and total < SERIAL_BELOW
    processes = jobs_wanted(processes)
    if processes == 1 or small or "fork" not in multiprocessing.get_all_start_methods():
        for done, job in enumerate(jobs, 1):
            yield job()
            if progress is not None and (done % 500 == 0 or done == total):
                progress(done, total)
        return
    global _jobs
    _jobs = jobs
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            done = 0
            for results in pool.imap(_run_chunk, range(0, total, CHUNK)):
                yield from results
                done += len(results)
                if progress is not None:
                    progress(done, total)
    finally:
        _jobs = ()


def _run_chunk(start: int) -> list[Any]:
    return [job() for job in _jobs[start:start + CHUNK]]
