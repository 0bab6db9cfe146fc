"""Work on every core (``parallel.Workers``, concurrent.futures with forked workers): results in
order, the same as in one process, every failure raised where the work was asked for, never a
fork from a process that runs threads, and nothing left running when the asking process dies."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from conftest import REPO, in_fresh_process
from ocopsite import parallel
from ocopsite.parallel import Workers


def _pid(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


def _under_lock(shared: tuple[threading.Lock, dict[int, int]], item: int) -> tuple[int, int]:
    lock, table = shared
    with lock:
        return table[item], os.getpid()


def _fail(item: int) -> int:
    if item == 250:
        raise ValueError("bad item 250")
    return item


def _die(item: int) -> int:
    if item == 250:
        os._exit(3)  # in the test's own process (no worker forked), the exit status says so
    return item


def fresh(scenario: str) -> None:
    in_fresh_process("test_parallel", scenario)


def order_and_pids() -> None:
    items = list(range(600))
    serial = Workers(1).map(_pid, items)
    pooled = Workers(2).map(_pid, items)
    assert [r for r, _ in pooled] == [r for r, _ in serial] == [i * i for i in items]
    assert {pid for _, pid in serial} == {os.getpid()}
    assert os.getpid() not in {pid for _, pid in pooled}, "the work was done by forked workers"


def test_results_come_in_order_from_the_workers_and_match_one_process() -> None:
    fresh("order_and_pids")


def test_a_short_list_runs_here_and_progress_is_told() -> None:
    seen: list[tuple[int, int]] = []
    results = Workers(2).map(_pid, list(range(10)), progress=lambda done, total: seen.append((done, total)))
    assert {pid for _, pid in results} == {os.getpid()}
    assert seen[-1] == (10, 10)


def inherited() -> None:
    table = {i: 2 * i for i in range(400)}
    results = Workers(2).map(_under_lock, list(range(400)), shared=(threading.Lock(), table))
    assert [value for value, _ in results] == [2 * i for i in range(400)]
    assert os.getpid() not in {pid for _, pid in results}


def test_what_workers_share_is_inherited_not_pickled() -> None:
    """A lock cannot be pickled: the workers get it, and the table, by being forked."""
    fresh("inherited")


def _locked_value(item: tuple[threading.Lock, int]) -> tuple[int, int]:
    lock, value = item
    with lock:
        return value, os.getpid()


def items_inherited() -> None:
    items = [(threading.Lock(), i) for i in range(400)]
    results = Workers(2).map(_locked_value, items)
    assert [value for value, _ in results] == list(range(400))
    assert os.getpid() not in {pid for _, pid in results}


def test_the_items_are_inherited_too_only_their_numbers_travel() -> None:
    """A page spec carries every record it shows: pickling it to a worker cost more than
    rendering it. Items that cannot be pickled at all reach the workers."""
    fresh("items_inherited")


def failure_raised() -> None:
    with pytest.raises(ValueError, match="bad item 250"):
        Workers(2).map(_fail, list(range(600)))


def test_a_failure_in_a_worker_is_raised_here() -> None:
    fresh("failure_raised")


def death_raised() -> None:
    with pytest.raises(BrokenProcessPool):
        Workers(2).map(_die, list(range(600)))


def test_a_worker_that_dies_is_an_error_not_a_wait() -> None:
    fresh("death_raised")


def test_nothing_forks_while_this_process_runs_threads() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        results = Workers(2).map(_pid, list(range(600)))
    finally:
        stop.set()
        thread.join()
    assert {pid for _, pid in results} == {os.getpid()}


def test_jobs_come_from_the_environment_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCOPSITE_JOBS", "3")
    assert parallel.jobs_wanted(None) == 3
    assert parallel.jobs_wanted(1) == 1
    monkeypatch.setenv("OCOPSITE_JOBS", "none")
    assert parallel.jobs_wanted(None) == (os.cpu_count() or 1)


CHILD = """
import os, time
from ocopsite.parallel import Workers

def job(item):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: whole lines from both processes
    time.sleep(60)

Workers(2).map(job, list(range(400)))
"""


def _living(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_nothing_outlives_a_killed_parent() -> None:
    with subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}) as process:
        assert process.stdout is not None
        pids = {int(process.stdout.readline()) for _ in range(2)} - {process.pid}
        assert pids and all(_living(pid) for pid in pids)
        process.kill()
    deadline = time.monotonic() + 10
    while any(_living(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_living(pid) for pid in pids)
