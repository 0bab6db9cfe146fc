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
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MARKER = ".ocopsite"
RENAME_EXCHANGE = 2
AT_FDCWD = -100


class OutputError(Exception):
    """The output folder cannot be written or replaced."""


@dataclass(frozen=True)
class Written:
    """What a build wrote into an output folder, and the token its marker file holds."""

    files: Mapping[str, bytes]
    token: bytes


def write_output(output: Path, files: Mapping[str, bytes], previous: Written | None = None) -> Written:
    """Make ``output`` hold exactly ``files``. With ``previous`` (what this process wrote there
    last, if the folder's marker still says so), only the files that changed are written, each
    by an atomic rename, and those that went are deleted: for ``serve``, far faster, and every
    file is always whole, every link resolving (new files first, deletions last). Otherwise every
    file is written into a sibling folder that then takes ``output``'s place in one step; if
    that fails, the folders made to hold ``output`` are removed again if they are empty."""
    output = output.resolve()  # a symlinked output/ is replaced where it points
    written = Written(files, _token(files))
    if previous is not None and _marker(output) == previous.token:
        with _locked(output):
            _update(output, files, previous.files)
            _replace(output / MARKER, written.token)
        return written
    _refuse_foreign(output)
    missing = [folder for folder in (output.parent, *output.parent.parents) if not folder.exists()]
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _locked(output):
            _write_and_swap(output, files, written.token)
    except BaseException:
        for folder in missing:  # a failed build leaves no trace, not even the folders it made to work in
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return written


def _update(output: Path, files: Mapping[str, bytes], previous: Mapping[str, bytes]) -> None:
    added = [name for name in files if name not in previous]
    changed = [name for name, data in files.items() if name in previous and previous[name] is not data
               and previous[name] != data]
    for name in (*added, *changed):  # what a changed page links to exists before it does
        _replace(output / name, files[name])
    for name in previous:
        if name not in files:
            (output / name).unlink(missing_ok=True)


def _token(files: Mapping[str, bytes]) -> bytes:
    """What the marker file holds: a checksum of every file's name and bytes, so that two builds
    of the same site write the same bytes, and another build's folder is told apart."""
    total = 0
    for name in sorted(files):
        total = zlib.crc32(files[name], zlib.crc32(name.encode(), total))
    return f"ocopsite {len(files)} {total:08x}\n".encode()


def _marker(output: Path) -> bytes | None:
    try:
        return (output / MARKER).read_bytes()
    except OSError:
        return None


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


def _write_and_swap(output: Path, files: Mapping[str, bytes], manifest: bytes) -> None:
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
        for name, data in files.items():
            put(name, data)
        (staging / MARKER).write_bytes(manifest)
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
