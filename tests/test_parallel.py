"""Jobs on every core, and work done in a child process: results in order, every failure
raised where the work was asked for, and nothing left running when the asking process dies."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO
from ocopsite import parallel
from ocopsite.errors import Problem, SiteError


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _fail_in_worker(caller: int) -> int:
    if os.getpid() != caller:
        raise ValueError("bad job")
    time.sleep(0.002)
    return 0


def _die_in_worker(caller: int) -> int:
    if os.getpid() != caller:
        os._exit(3)
    time.sleep(0.002)
    return 0


class _Unloadable:
    """Pickles, but cannot be unpickled."""

    def __reduce__(self) -> tuple[Callable[[], None], tuple[()]]:
        return _refuse, ()


def _refuse() -> None:
    raise ValueError("cannot be loaded")


def _unloadable_in_worker(caller: int) -> object:
    time.sleep(0.002)
    return _Unloadable() if os.getpid() != caller else 0


def _fail_here(caller: int) -> int:
    if os.getpid() == caller:
        raise KeyError("bad job here")
    time.sleep(0.002)
    return 0


def _within(seconds: float, work: Callable[[], object]) -> BaseException | None:
    """What ``work()`` raised (None if nothing), failing the test if it takes longer than ``seconds``."""
    raised: list[BaseException | None] = []

    def run() -> None:
        try:
            work()
            raised.append(None)
        except BaseException as exc:  # handed to the test
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert raised, f"still running after {seconds} s: a failure must end the jobs, not hang them"
    return raised[0]


def test_few_jobs_or_none_run_all_the_same() -> None:
    for count in (0, 1, parallel.CHUNK - 1, parallel.CHUNK + 1):
        assert list(parallel.run([lambda i=i: i for i in range(count)], processes=2)) == list(range(count))


def test_results_come_in_order_from_this_process_and_a_worker() -> None:
    jobs = [lambda i=i: (i, _pid_after(0.001)) for i in range(parallel.CHUNK * 12)]
    seen: list[tuple[int, int]] = []
    results = list(parallel.run(jobs, processes=2, progress=lambda done, total: seen.append((done, total))))
    assert [i for i, _ in results] == list(range(len(jobs)))
    pids = {pid for _, pid in results}
    assert os.getpid() in pids, "the asking process works too"
    assert len(pids) == 2, "with one worker beside it"
    assert seen[-1] == (len(jobs), len(jobs)) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_the_collector_sees_everything_again_after_the_jobs_unless_it_was_set_apart_before() -> None:
    jobs = [lambda: os.getpid()] * (parallel.CHUNK * 4)
    gc.unfreeze()
    list(parallel.run(jobs, processes=2))
    assert gc.get_freeze_count() == 0, "a build outside serve leaves nothing out of the collector's sight"
    kept = [[object()] for _ in range(100)]
    gc.freeze()  # as Session.settle between serve's builds
    try:
        list(parallel.run(jobs, processes=2))
        assert gc.get_freeze_count() > 0, "what serve set apart stays apart until its next settle"
    finally:
        gc.unfreeze()
    assert kept


def test_a_job_that_fails_in_a_worker_raises_here_with_where_it_was() -> None:
    caller = os.getpid()
    jobs = [lambda: _fail_in_worker(caller)] * (parallel.CHUNK * 8)
    with pytest.raises(ValueError, match="bad job") as caught:
        list(parallel.run(jobs, processes=2))
    assert any("_fail_in_worker" in note for note in caught.value.__notes__)


def test_a_job_that_fails_here_stops_the_workers() -> None:
    caller = os.getpid()
    jobs = [lambda: _fail_here(caller)] * (parallel.CHUNK * 8)
    with pytest.raises(KeyError, match="bad job here"):
        list(parallel.run(jobs, processes=2))


@pytest.mark.parametrize(("job", "error"), [(_die_in_worker, "worker process ended unexpectedly"),
                                            (_unloadable_in_worker, "cannot be loaded")])
def test_a_worker_that_dies_or_sends_nonsense_is_an_error_not_a_wait(job: Callable[[int], object],
                                                                     error: str) -> None:
    caller = os.getpid()
    jobs = [lambda: job(caller)] * (parallel.CHUNK * 8)
    raised = _within(30, lambda: list(parallel.run(jobs, processes=2)))
    assert raised is not None and error in str(raised)


def test_work_in_a_child_returns_its_result_and_relays_what_it_tells() -> None:
    told: list[tuple[int, int]] = []

    def work(tell: Callable[..., None]) -> int:
        tell(1, 2)
        tell(2, 2)
        return os.getpid()

    assert parallel.in_child(work, lambda done, total: told.append((done, total))) != os.getpid()
    assert told == [(1, 2), (2, 2)]


def test_work_in_a_child_raises_here_what_it_raised() -> None:
    problems = [Problem("content/products/a/product.yaml", 4, "unknown producer 'x'")]

    def fails(tell: object) -> None:
        raise SiteError(problems)

    with pytest.raises(SiteError) as caught:
        parallel.in_child(fails)
    assert caught.value.problems == problems
    assert str(caught.value) == str(SiteError(problems)), "as the command line prints it"

    def unpicklable(tell: object) -> object:
        return lambda: None

    with pytest.raises(Exception, match="pickle"):
        parallel.in_child(unpicklable)

    def dies(tell: object) -> None:
        os._exit(3)

    with pytest.raises(RuntimeError, match="exit code 3"):
        parallel.in_child(dies)


CHILD = """
import os, sys, time
from ocopsite import parallel

def work(tell):
    tell(os.getpid())
    time.sleep(60)

def job():
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: whole lines from both processes
    time.sleep(60)

if sys.argv[1] == "child":
    parallel.in_child(work, lambda pid: os.write(1, f"{pid}\\n".encode()))
else:
    list(parallel.run([job] * 2 * parallel.CHUNK, processes=2))
"""


def _living(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("kind", ["child", "workers"])
def test_nothing_outlives_a_killed_parent(kind: str) -> None:
    with subprocess.Popen([sys.executable, "-c", CHILD, kind], stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}) as process:
        assert process.stdout is not None
        pids = {int(process.stdout.readline()) for _ in range(1 if kind == "child" else 2)} - {process.pid}
        assert pids and all(_living(pid) for pid in pids)
        process.kill()
    deadline = time.monotonic() + 10
    while any(_living(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_living(pid) for pid in pids)
