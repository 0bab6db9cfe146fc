"""Step 7, write: fill a temporary folder, then swap it into place in one step.

A build that fails, or is killed, never leaves ``output/`` half written: until the swap it
holds the previous build, after it the new one (``tests/test_kill.py`` kills builds at many
moments). What a killed build leaves beside it (its staging folder, the lock file) is removed
by the next build.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

MARKER = ".ocopsite"
RENAME_EXCHANGE = 2
AT_FDCWD = -100


class OutputError(Exception):
    """The output folder cannot be written or replaced."""


Finish = Callable[[Path], None]


Fill = Callable[[Callable[[str, bytes], None]], None]


def write_output(output: Path, files: Mapping[str, bytes] | Fill, finish: Finish | None = None) -> None:
    """Write every file into a sibling temporary folder, run ``finish`` on it (the search
    index is made from the written pages), then swap it with ``output``. ``files`` is either
    every file by name, or a function that hands them one by one to the function it is given,
    so that they need not all be in memory at once; if it raises, nothing is swapped, and the
    folders made to hold ``output`` are removed again if they are empty."""
    output = output.resolve()  # a symlinked output/ is replaced where it points
    _refuse_foreign(output)
    missing = [folder for folder in (output.parent, *output.parent.parents) if not folder.exists()]
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _locked(output):
            _write_and_swap(output, files, finish)
    except BaseException:
        for folder in missing:  # a failed build leaves no trace, not even the folders it made to work in
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def write_changes(output: Path, files: Mapping[str, bytes], previous: Mapping[str, bytes],
                  index: Callable[[Path], None], indexed: Callable[[str], bool],
                  defer: bool = False) -> tuple[dict[str, bytes], bool]:
    """Bring ``output`` from ``previous`` (what this process last wrote there) to ``files``: write
    the files whose bytes changed, each by an atomic rename, and delete those that went; then
    ``index`` the folder again if a page that ``indexed`` names changed (or, with ``defer``, say
    so and leave it to the caller). For ``serve``: far faster than writing everything, and every
    file is always whole. New files are written first and files that went are deleted last, so
    that every link resolves at every moment, even if the process is killed half way; the folder
    may then mix old and new pages until the next build. Without a ``previous``, or if ``output``
    is not the folder it was written to, writes everything as ``write_output``. Returns what is
    now written, and whether an index is still to be made."""
    output = output.resolve()
    if not previous or not (output / MARKER).is_file():
        write_output(output, files, finish=index)
        return dict(files), False
    with _locked(output):
        added = [name for name in files if name not in previous]
        changed = [name for name, data in files.items() if name in previous and previous[name] != data]
        gone = [name for name in previous if name not in files]
        for name in (*added, *changed):
            _replace(output / name, files[name])
        for name in gone:
            (output / name).unlink(missing_ok=True)
        stale = any(indexed(name) for name in (*added, *changed, *gone))
        if stale and not defer:
            index(output)
    return dict(files), stale and defer


@contextmanager
def _locked(output: Path) -> Iterator[None]:
    """One build at a time per output folder (``serve`` and ``build``), through a lock file
    beside it that is removed again. A POSIX record lock (``lockf``) belongs to this process
    alone: the render workers it forks do not inherit it, so a build killed while they finish
    their work never keeps the next one waiting. The kernel drops it when the process dies."""
    path = output.parent / f".{output.name}.lock"
    while True:
        try:
            lock = path.open("a")
        except FileNotFoundError:  # a build that failed took away the folder it had made: make it again
            path.parent.mkdir(parents=True, exist_ok=True)
            continue
        fcntl.lockf(lock, fcntl.LOCK_EX)
        try:
            same = os.path.samestat(os.fstat(lock.fileno()), path.stat())
        except FileNotFoundError:
            same = False
        if same:  # else the holder before us removed it: lock the next one
            break
        lock.close()
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # while still locked: a waiter then sees it gone and retries
        lock.close()


def _replace(path: Path, data: bytes) -> None:
    """Write one file whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.new-{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _write_and_swap(output: Path, files: Mapping[str, bytes] | Fill, finish: Finish | None) -> None:
    _remove_leftovers(output.parent, output.name)
    staging = output.parent / f".{output.name}.new-{os.getpid()}"
    folders: set[Path] = set()

    def put(name: str, data: bytes) -> None:
        path = staging / name
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_bytes(data)

    try:
        staging.mkdir()
        if callable(files):
            files(put)
        else:
            for name, data in files.items():
                put(name, data)
        if finish is not None:
            finish(staging)
        (staging / MARKER).write_bytes(b"")
        swap(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refuse_foreign(output: Path) -> None:
    """Never replace a folder that ocopsite did not write."""
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / MARKER).exists())):
        raise OutputError(f"{output}: not an ocopsite output folder; refusing to replace it (remove it first)")


def _remove_leftovers(parent: Path, name: str) -> None:
    """The staging folders of builds that were killed (or old folders not yet removed)."""
    for path in parent.iterdir():
        if path.name.startswith(f".{name}.new-") and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def swap(staging: Path, output: Path) -> None:
    """Put ``staging`` where ``output`` is: by an atomic exchange where the system can (``staging``
    then holds the old folder, for the caller to remove), else in two renames."""
    if not output.exists():
        os.rename(staging, output)
        return
    if _exchange(staging, output):
        return
    old = output.with_name(f".{output.name}.new-{os.getpid()}-old")
    os.rename(output, old)
    os.rename(staging, output)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): both names stay valid at every instant."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    return bool(renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0)
