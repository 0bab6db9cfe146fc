"""Results kept between builds, each under a digest of everything it is made from.

Two layers, both keyed by content and never by object identity or by a rule of what an edit
affects, so that a miss costs time and never correctness:

- in memory, any value, for as long as the ``Cache`` object lives (``serve`` keeps one for all
  its rebuilds); what a build does not use is forgotten after it, so memory follows the site;
- on disk, in ``.ocopsite-cache/cache.sqlite`` beside ``site.yaml`` (ignored by git), which
  ``build`` and ``check`` use too, so that a CI job that keeps the folder builds warm: bytes
  (pages, link checks, compiled templates), or with ``kept`` a pickled value (parsed YAML),
  stored under the code's version as well.

An entry that cannot be read, or a database that is damaged, is simply not used: deleting the
folder changes nothing but speed. Only the process that made the ``Cache`` touches the database
(render workers return their results to it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

FOLDER = ".ocopsite-cache"
_MISSING = object()
BUSY_SECONDS = 30.0  # how long to wait for a database another process is writing
T = TypeVar("T")


def digest(*parts: str | bytes) -> str:
    """A digest of texts and bytes, each part delimited, so that ("ab", "c") ≠ ("a", "bc")."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(b"%d:" % len(data))
        h.update(data)
    return h.hexdigest()[:32]


class Cache:
    """The caches of one site: ``remember`` in memory, ``stored`` in memory and on disk."""

    def __init__(self, folder: Path | None = None) -> None:
        self.last: dict[tuple[str, str], Any] = {}
        self.now: dict[tuple[str, str], Any] = {}
        self.folder = folder
        self.db: sqlite3.Connection | None = None
        self.pending: dict[tuple[str, str], bytes] = {}
        self.used: set[tuple[str, str]] = set()
        # By kind, what the disk held of it after this cache last pruned it; entries another
        # process wrote meanwhile (a build beside serve) wait for the next cache's first prune.
        self.pruned: dict[str, set[str]] = {}
        self.hits: dict[str, int] = {}
        self.misses: dict[str, int] = {}

    def start(self) -> None:
        """Before a build: what the last one used is known; the rest is forgotten at ``finish``."""
        self.last, self.now = {**self.last, **self.now}, {}
        self.used = set()
        self.hits, self.misses = {}, {}

    def remember(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, or what it gave for the same ``key`` in this or the last build."""
        entry = (kind, key)
        if entry in self.now:
            self._count(self.hits, kind)
            return self.now[entry]  # type: ignore[no-any-return]
        if entry in self.last:
            self._count(self.hits, kind)
            value = self.now[entry] = self.last[entry]
            return value  # type: ignore[no-any-return]
        self._count(self.misses, kind)
        value = self.now[entry] = compute()
        return value

    def kept(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """Like ``remember``, and on disk too (pickled, under the code's version as well): for
        what costs more to make than to unpickle, such as a parsed YAML file or a record."""
        entry = (kind, key)
        stored = digest(code_version(), key)
        self.used.add((kind, stored))  # kept on disk while a build uses it, from memory or not
        if entry in self.now or entry in self.last:
            return self.remember(kind, key, compute)
        value: Any = _MISSING
        data = self._read(kind, [stored]).get(stored)
        if data is not None:
            try:
                value = pickle.loads(data)
            except Exception:  # an entry from another version of a library, say: made again
                value = _MISSING
        if value is _MISSING:
            self._count(self.misses, kind)
            value = compute()
            self.pending[(kind, stored)] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            self._count(self.hits, kind)
        self.now[entry] = value
        return value  # type: ignore[no-any-return]

    def stored(self, kind: str, keys: Iterable[str]) -> dict[str, bytes]:
        """Of ``keys``, those held in memory or on disk, with their bytes (what is read from disk
        is then held in memory too, for the next build of this process)."""
        found: dict[str, bytes] = {}
        wanted = []
        for key in keys:
            entry = (kind, key)
            value = self.now.get(entry, self.last.get(entry))
            if value is None:
                wanted.append(key)
            else:
                found[key] = self.now[entry] = value
        for key, value in self._read(kind, wanted).items():
            found[key] = self.now[(kind, key)] = value
        self.used.update((kind, key) for key in found)
        self._count(self.hits, kind, len(found))
        return found

    def keep(self, kind: str, keys: Iterable[str]) -> None:
        """Keep on disk, though this build did not read them, the entries under ``keys`` that
        exist: a later build may want them (a kind in ``finish``'s ``prune`` loses the rest)."""
        self.used.update((kind, key) for key in keys)

    def store(self, kind: str, key: str, data: bytes) -> None:
        """Keep ``data`` under ``key``, in memory now and on disk at ``finish``."""
        self.now[(kind, key)] = data
        self.pending[(kind, key)] = data
        self.used.add((kind, key))
        self._count(self.misses, kind)

    def finish(self, prune: Iterable[str] = ()) -> None:
        """After a good build: write what was stored, and drop from disk the entries of the
        ``prune`` kinds that this build did not use; forget in memory what it did not use."""
        self.last = {}
        db = self._open()
        if db is None:
            self.pending = {}
            return
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO entries (kind, key, data) VALUES (?, ?, ?)",
                               [(kind, key, data) for (kind, key), data in self.pending.items()])
                used: dict[str, set[str]] = {kind: set() for kind in prune}
                for kind, key in self.used:
                    if kind in used:
                        used[kind].add(key)
                for kind, keep in used.items():
                    before = self.pruned.get(kind)
                    if before is None:  # this cache's first prune: whatever the disk holds
                        db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key TEXT PRIMARY KEY)")
                        db.execute("DELETE FROM keep")
                        db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(key,) for key in keep])
                        db.execute("DELETE FROM entries WHERE kind = ? AND key NOT IN (SELECT key FROM keep)",
                                   (kind,))
                    else:  # what its last prune kept and this build did not use (serve's rebuilds)
                        db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?",
                                       [(kind, key) for key in before - keep])
                    self.pruned[kind] = keep
        except sqlite3.Error as exc:
            self._failed(exc)
        self.pending = {}

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def _read(self, kind: str, keys: list[str]) -> dict[str, bytes]:
        db = self._open() if keys else None
        if db is None:
            return {}
        found: dict[str, bytes] = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(f"SELECT key, data FROM entries WHERE kind = ? AND key IN ({marks})", (kind, *chunk))
                found.update((key, bytes(data)) for key, data in rows)
        except sqlite3.Error as exc:
            self._failed(exc)
            return {}
        return found

    def _open(self) -> sqlite3.Connection | None:
        if self.db is not None or self.folder is None:
            return self.db
        path = self.folder / "cache.sqlite"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level="DEFERRED")
            db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, data BLOB, PRIMARY KEY (kind, key))")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a cache may lose its last write, never its consistency
            self.db = db
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)
        return self.db

    def _failed(self, exc: Exception) -> None:
        """Go on without the disk layer. A database another process holds locked (a build beside
        ``serve``) is left to it; a damaged or unwritable one is removed."""
        if getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            self.close()
            self.folder = None
        else:
            self._discard()

    def _discard(self) -> None:
        """A damaged or unwritable database: remove it and go on without the disk layer."""
        self.close()
        self.pruned = {}
        if self.folder is not None:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    os.unlink(self.folder / f"cache.sqlite{suffix}")
        self.folder = None

    @staticmethod
    def _count(counts: dict[str, int], kind: str, n: int = 1) -> None:
        counts[kind] = counts.get(kind, 0) + n


_CODE: list[str] = []


def code_version() -> str:
    """A digest of the code that shapes the output: this package's source and the versions of
    the libraries that write text (a new version of either makes every page's key new)."""
    if not _CODE:
        import importlib.metadata

        package = Path(__file__).parent
        sources = [f"{path.name}:{digest(path.read_bytes())}" for path in sorted(package.glob("*.py"))]
        versions = [f"{name}={importlib.metadata.version(name)}" for name in
                    ("Jinja2", "MarkupSafe", "Babel", "Markdown", "nh3", "PyYAML", "segno", "Pillow")]
        _CODE.append(digest(*sources, *versions))
    return _CODE[0]
