"""Many small jobs on every core, and the work of a clean build in a process of its own.

Workers are forked once the site is loaded, so they inherit it instead of receiving it pickled;
only each job's result travels back. The process that asks for the jobs works through them
too, beside one worker fewer than there are cores: each forked worker comes to hold a copy of
most of what the site takes in memory (reading an object writes its reference count), so an
idle parent would cost a whole copy for nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.sharedctypes import Synchronized
from typing import Any, TypeVar, cast

T = TypeVar("T")
Progress = Callable[[int, int], None]
SERIAL_BELOW = 400  # jobs: fewer than this finish sooner in this process than in a pool
CHUNK = 64
PR_SET_PDEATHSIG = 1

def jobs_wanted(jobs: int | None) -> int:
    """The number of processes to use: ``jobs``, else ``OCOPSITE_JOBS``, else one per core."""
    if jobs:
        return jobs
    configured = os.environ.get("OCOPSITE_JOBS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def run(jobs: Sequence[Callable[[], T]], processes: int | None = None,
        progress: Progress | None = None) -> Iterator[T]:
    """Each job's result, in the order of ``jobs``. Unless ``processes`` is given, a short list
    runs here, where starting workers would cost more than it saves."""
    total = len(jobs)
    small = processes is None and total < SERIAL_BELOW
    processes = jobs_wanted(processes)
    if processes == 1 or small or not can_fork():
        for done, job in enumerate(jobs, 1):
            yield job()
            if progress is not None and (done % 500 == 0 or done == total):
                progress(done, total)
        return
    yield from _Shared(jobs, processes - 1).results(progress)


class _Shared:
    """Chunks of jobs taken in turn, from one counter, by this process and ``workers`` forked ones."""

    def __init__(self, jobs: Sequence[Callable[[], Any]], workers: int) -> None:
        self.jobs = jobs
        self.chunks = -(-len(jobs) // CHUNK)
        context = multiprocessing.get_context("fork")
        self.counter: Synchronized[int] = context.Value("i", 0)
        self.done: dict[int, list[Any]] = {}  # chunks finished, not yet handed out
        self.failure: BaseException | None = None
        self.changed = threading.Condition()
        self.workers = []
        self.listener: threading.Thread | None = None
        # Out of the collector's sight until the jobs are done, here and in the workers: a
        # collection would write to every object's header, and so copy every page they share.
        # What was set apart already (``Session.settle``) stays so, with what joins it now.
        self.thaw = gc.get_freeze_count() == 0
        gc.freeze()
        try:
            for _ in range(workers):
                receiver, sender = context.Pipe(duplex=False)
                try:
                    # Forked: the worker inherits the jobs (and the site they hold), none of it pickled.
                    process = context.Process(target=_work, args=(jobs, self.counter, self.chunks, sender, os.getpid()),
                                              daemon=True)
                    process.start()
                except BaseException:
                    receiver.close()
                    raise
                finally:
                    sender.close()  # the worker's alone, so that its end means the worker's end
                self.workers.append((process, receiver))
        except BaseException:
            self._stop()
            raise
        self.listener = threading.Thread(target=self._listen, daemon=True)
        self.listener.start()

    def results(self, progress: Progress | None) -> Iterator[Any]:
        total, handed = len(self.jobs), 0
        try:
            for wanted in range(self.chunks):
                results = self._chunk(wanted)
                yield from results
                handed += len(results)
                if progress is not None:
                    progress(handed, total)
        finally:
            self._stop()

    def _chunk(self, wanted: int) -> list[Any]:
        """The results of chunk ``wanted``; until they are in, this process works on the chunks
        not yet taken, then waits."""
        while True:
            with self.changed:
                if wanted in self.done:  # in order, as far as they came: the first failure is told
                    return self.done.pop(wanted)
                if self.failure is not None:
                    raise self.failure
            mine = _take(self.counter, self.chunks, lambda: self.failure is not None)
            if mine is None:
                with self.changed:
                    self.changed.wait_for(lambda: wanted in self.done or self.failure is not None)
                continue
            results = _run_chunk(self.jobs, mine)
            with self.changed:
                self.done[mine] = results

    def _listen(self) -> None:
        """Receive the workers' chunks as they come, so that no worker waits on a full pipe."""
        try:
            self._receive()
        except BaseException as exc:  # the caller must not wait for what will never come
            self._fail(exc)

    def _receive(self) -> None:
        open_ = {receiver: process for process, receiver in self.workers}
        while open_:
            for receiver in cast(list[Connection], wait(list(open_))):
                try:
                    message = receiver.recv()
                except (EOFError, OSError):
                    message = None
                if message is None or message[0] is None:  # ended, or finished
                    process = open_.pop(receiver)
                    if message is None:
                        process.join()
                        self._fail(RuntimeError(f"a worker process ended unexpectedly (exit code {process.exitcode})"))
                    continue
                chunk, result = message
                with self.changed:
                    if isinstance(result, BaseException):
                        self.failure = self.failure or result
                    else:
                        self.done[chunk] = result
                    self.changed.notify_all()

    def _stop(self) -> None:
        """Workers stopped (at once, if still at work) and waited for; their pipes closed once
        the listener is done with them."""
        for process, _ in self.workers:
            if process.is_alive():
                process.kill()
        for process, _ in self.workers:
            process.join()
        if self.listener is not None:
            self.listener.join()
        for _, receiver in self.workers:
            receiver.close()
        if self.thaw:
            gc.unfreeze()

    def _fail(self, failure: BaseException) -> None:
        with self.changed:
            self.failure = self.failure or failure
            self.changed.notify_all()


def _take(counter: Synchronized[int], chunks: int, failed: Callable[[], bool] = lambda: False) -> int | None:
    """The next chunk no process has taken yet, now taken; or None, also once ``failed()`` (a
    worker killed while it held the counter's lock never releases it)."""
    lock = counter.get_lock()
    while not lock.acquire(timeout=0.5):
        if failed():
            return None
    try:
        chunk = counter.value
        if chunk >= chunks:
            return None
        counter.value = chunk + 1
        return chunk
    finally:
        lock.release()


def _run_chunk(jobs: Sequence[Callable[[], Any]], chunk: int) -> list[Any]:
    return [job() for job in jobs[chunk * CHUNK:(chunk + 1) * CHUNK]]


def _work(jobs: Sequence[Callable[[], Any]], counter: Synchronized[int], chunks: int, sender: Connection,
          parent: int) -> None:
    die_with_parent(parent)
    try:
        while (chunk := _take(counter, chunks)) is not None:
            sender.send((chunk, _run_chunk(jobs, chunk)))
        sender.send((None, None))
    except BaseException as exc:  # the caller raises it
        sender.send((-1, _portable(exc)))


def in_child(work: Callable[[Callable[..., None]], T], listener: Callable[..., None] | None = None) -> T:
    """What ``work(tell)`` returns, or raises, with the work done in a forked child process: when
    it ends, everything it held in memory is given back to the system at once, which a Python
    process cannot do for itself (its heap stays fragmented). ``tell(*args)`` in the child calls
    ``listener(*args)`` here (progress, say). On Linux, the child dies with this process."""
    if not can_fork():
        return work(listener or _ignore)
    receiver, sender = multiprocessing.get_context("fork").Pipe(duplex=False)
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            receiver.close()
            die_with_parent(parent)
            try:
                outcome: tuple[bool, Any] = (True, work(lambda *args: sender.send(("tell", args))))
            except BaseException as exc:  # the parent raises it
                outcome = (False, _portable(exc))
            sys.stdout.flush()
            sys.stderr.flush()
            try:
                sender.send(("done", outcome))
            except Exception as exc:  # a result that cannot be pickled: say so
                sender.send(("done", (False, _portable(exc))))
            code = 0
        finally:
            os._exit(code)  # never the parent's own clean-up (its staging folder, its lock)
    sender.close()
    finished = False
    try:
        while True:
            try:
                kind, message = receiver.recv()
            except EOFError:
                _, status = os.waitpid(pid, 0)
                finished = True
                raise RuntimeError(f"the build's process ended unexpectedly ({_status(status)})") from None
            if kind == "done":
                ok, value = message
                os.waitpid(pid, 0)  # it only exits now
                finished = True
                break
            if listener is not None:
                listener(*message)
    finally:
        receiver.close()
        if not finished:  # interrupted here, or the listener failed: stop the child at once
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def _ignore(*args: object) -> None:
    pass


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when the one that forked it dies (Linux), so that a
    build killed outright leaves nothing running behind it."""
    prctl = getattr(ctypes.CDLL(None), "prctl", None)  # the C library's, already loaded: nothing to find
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before that was asked
        os._exit(1)


def _portable(exc: BaseException) -> BaseException:
    """``exc``, with where it was raised as a note (a traceback stays behind in this process), or,
    if it cannot travel between processes, an error that tells what it was."""
    text = "".join(traceback.format_exception(exc)).rstrip()
    exc.add_note(f"raised in another process:\n{text}")
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # any failure to pickle
        return RuntimeError(f"raised in another process:\n{text}")


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
