"""Step 7, write: fill a temporary folder, then swap it into place in one step.

A build that fails, or is killed, never leaves ``output/`` half written: until the swap it
holds the previous build, after it the new one (``tests/test_kill.py`` kills builds at many
moments). What a killed build leaves beside it (its staging folder, the lock file) is removed
by the next build.

The folder swapped out is not deleted: it is kept beside ``output/`` as ``.output.spare``
(hidden, never published) and becomes the next build's staging folder, in which only what
differs is written, as in double buffering. Its manifest (``.output.spare.manifest``) gives
each file's size, modification time, inode and digest when it was written; a file whose
``lstat`` no longer agrees, or that the manifest does not list, is written again, and one the
new build does not have is removed. Deleting the spare is always safe.

With a ``Store`` (the cache folder's, see ``store.py``), the files written are hard links to its
objects, made once per content: a build that finds no ``output/`` and no spare but the cache
of the build before links its files rather than writing them.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import os
import shutil
import stat
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ocopsite.store import WRITERS, Store

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


def write_output(output: Path, files: Mapping[str, bytes], token: bytes, previous: Written | None = None,
                 store: Store | None = None) -> Written:
    """Make ``output`` hold exactly ``files``. With ``previous`` (what this process wrote there
    last, if the folder's marker still says so), only the files that changed are written, each
    by an atomic rename, and those that went are deleted: for ``serve``, far faster, and every
    file is always whole, every link resolving (new files first, deletions last). Otherwise every
    file is written into a sibling folder that then takes ``output``'s place in one step; if
    that fails, the folders made to hold ``output`` are removed again if they are empty.
    ``token``: what the marker file is to hold, different for any other ``files`` (so that two
    builds of the same site write the same bytes, and another build's folder is told apart)."""
    output = output.resolve()  # a symlinked output/ is replaced where it points
    written = Written(files, token)
    if previous is not None and _marker(output) == previous.token:
        with _locked(output):
            _update(output, files, previous.files)
            _replace(output / MARKER, written.token)
        return written
    _refuse_foreign(output)
    missing = [folder for folder in (output.parent, *output.parent.parents) if not folder.exists()]
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        store = store or Store(None)
        with _locked(output), _locked(store.folder) if store.folder else contextlib.nullcontext():
            _write_and_swap(output, files, written.token, store)
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


Manifest = dict[str, tuple[int, int, int, str]]  # file: size, modification time (ns), inode, digest


def _write_and_swap(output: Path, files: Mapping[str, bytes], marker: bytes, store: Store) -> None:
    _remove_leftovers(output.parent, output.name)
    staging = output.parent / f".{output.name}.new-{os.getpid()}"
    spare, spare_manifest = _spare(output), _manifest_path(_spare(output))
    digests = {name: hashlib.blake2b(data, digest_size=16).hexdigest() for name, data in files.items()}
    try:
        kept: Manifest = {}
        known = _read_manifest(spare_manifest)
        spare_manifest.unlink(missing_ok=True)  # from now on the spare is being changed
        if spare.is_dir() and not spare.is_symlink() and (spare / MARKER).is_file():
            os.rename(spare, staging)
            kept = _reuse(staging, known, digests)
        else:
            staging.mkdir()
        made = _fill(staging, files, digests, kept, store)
        (staging / MARKER).write_bytes(marker)
        # The manifest of what is about to be swapped out goes with it, to the spare's name,
        # before the swap: a kill at any instant leaves no manifest describing another folder.
        output_manifest = _manifest_path(output)
        with contextlib.suppress(FileNotFoundError):
            os.rename(output_manifest, spare_manifest)
        swap(staging, output)
        if staging.exists() and not spare.exists():  # ``staging`` holds the folder swapped out
            os.rename(staging, spare)
        else:
            spare_manifest.unlink(missing_ok=True)
        _write_manifest(output_manifest, kept | made)
        store.finish(digests.values())
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _spare(output: Path) -> Path:
    return output.with_name(f".{output.name}.spare")


def _manifest_path(folder: Path) -> Path:
    """Beside the folder, never inside it: the manifest of ``output`` is not published."""
    return folder.with_name(f"{folder.name}.manifest" if folder.name.startswith(".") else f".{folder.name}.manifest")


def _reuse(staging: Path, known: Manifest, digests: Mapping[str, str]) -> Manifest:
    """Remove from a spare what the new build has not, and note what it may keep: a file whose
    bytes are the new ones and which is still as its manifest says it was written."""
    kept: Manifest = {}
    for folder, subfolders, names in os.walk(staging, topdown=False):
        base = os.path.relpath(folder, staging)
        for name in names:
            relative = name if base == "." else f"{base}/{name}"
            path = os.path.join(folder, name)
            entry = known.get(relative)
            if relative in digests and entry is not None and entry[3] == digests[relative]:
                info = os.lstat(path)
                if stat.S_ISREG(info.st_mode) and entry[:3] == (info.st_size, info.st_mtime_ns, info.st_ino):
                    kept[relative] = entry
                    continue
            os.unlink(path)
        for name in subfolders:
            with contextlib.suppress(OSError):  # emptied: the new build may not need it
                os.rmdir(os.path.join(folder, name))
    return kept


def _fill(staging: Path, files: Mapping[str, bytes], digests: Mapping[str, str], kept: Manifest,
          store: Store) -> Manifest:
    """Write (or link from the store) every file not kept, and note how each was written: a
    folder at a time, by ``WRITERS`` threads where files are written, since writing is mostly
    waiting for the file system, which works on several at once. (The threads end here: nothing
    forks after this step.)"""
    by_folder: dict[str, list[str]] = {}
    for name in files:
        if name not in kept:
            by_folder.setdefault(os.path.dirname(name), []).append(name)
    objects = store.objects({name: digests[name] for names in by_folder.values() for name in names}, files, staging)
    linking = [bool(objects)]

    def fill(folder: str) -> Manifest:
        os.makedirs(os.path.join(staging, folder), exist_ok=True)
        made: Manifest = {}
        for name in by_folder[folder]:
            path = os.path.join(staging, name)
            if not (linking[0] and _link(objects[digests[name]], path, linking)):
                with open(path, "wb") as stream:
                    stream.write(files[name])
            info = os.lstat(path)
            made[name] = (info.st_size, info.st_mtime_ns, info.st_ino, digests[name])
        return made

    made: Manifest = {}
    # Linking writes no data: what is left, making folders, contends for their parent's lock from
    # several threads. 3,000 products' 14,616 folders and 18,867 links, alternating on this 2-core
    # machine's disk: 5.4-13.5 s from one thread against 6.2-14.3 s from four, one faster each time.
    with ThreadPoolExecutor(1 if linking[0] else WRITERS) as pool:
        for part in pool.map(fill, sorted(by_folder)):
            made.update(part)
    return made


def _link(source: str, path: str, linking: list[bool]) -> bool:
    """A hard link to an object, or False: then the file is written. Another file system (or
    one without links) stops the linking of the whole build."""
    try:
        os.link(source, path)
    except OSError as exc:
        if exc.errno in (errno.EXDEV, errno.EPERM, errno.ENOTSUP):
            linking[0] = False
        return False
    return True


def _read_manifest(path: Path) -> Manifest:
    try:
        rows = path.read_text(encoding="utf-8").splitlines()
        return {name: (int(size), int(mtime), int(inode), digest)
                for size, mtime, inode, digest, name in (row.split(" ", 4) for row in rows)}
    except (OSError, ValueError):
        return {}


def _write_manifest(path: Path, manifest: Manifest) -> None:
    text = "".join(f"{size} {mtime} {inode} {digest} {name}\n"
                   for name, (size, mtime, inode, digest) in sorted(manifest.items()))
    _replace(path, text.encode("utf-8"))


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
