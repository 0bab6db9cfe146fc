"""``ocopsite serve``: build, serve ``output/`` on 127.0.0.1, rebuild once per burst of saves.

The server always shows the last good build: a build that fails leaves ``output/`` as it
was, and the reasons are printed. A rebuild gives the same files as ``ocopsite build``, but
redoes only what changed (see ``session``) and writes only the files that changed.

It listens on 127.0.0.1 unless told otherwise, and serves files from inside the output folder
only: no request, however encoded, and no symlink leads out of it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import ioloop
from tornado.web import HTTPError
from watchdog.events import (
    EVENT_TYPE_ATTRIB,
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    DirAttribEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from ocopsite.build import build
from ocopsite.errors import SiteError
from ocopsite.session import Session
from ocopsite.write import OutputError

QUIET = 0.3  # seconds without a change that end a burst of saves
TICK = 0.05  # seconds between two looks at what the watch reported
SOURCES = ("site.yaml", "content", "templates")  # what the build reads, at the top of the site folder
CHANGES = {EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED, EVENT_TYPE_CLOSED,
           EVENT_TYPE_ATTRIB}  # never a file opened or read: the build reads every source
# What the system is asked to report: not openings and readings, which every build makes by the
# thousand (a folder listed is opened too) and which would cost the build time in the watch's thread.
NOTICES: list[type[FileSystemEvent]] = [
    FileCreatedEvent, DirCreatedEvent, FileDeletedEvent, DirDeletedEvent, FileMovedEvent, DirMovedEvent,
    FileModifiedEvent, DirModifiedEvent, FileClosedEvent, FileAttribEvent, DirAttribEvent]


class SourceWatcher(Watcher):  # type: ignore[misc]
    """Told by the operating system (inotify, through watchdog; polling where it cannot) when a
    source changes, never ``output/``: once no change has come for ``QUIET`` seconds (a burst of
    saves is over), calls ``rebuild`` once and reloads the browsers. Nothing is scanned while
    nothing changes. Which files changed is not taken from here: the build looks at every
    source itself (``load``), so a missed or merged notice can delay a rebuild, never make it
    stale."""

    def __init__(self, site: Path, rebuild: Callable[[], bool], settle: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.site = site.resolve()
        self.rebuild = rebuild
        self.settle = settle  # for the first quiet look after a build (see Session.settle)
        self.unsettled = settle is not None
        self.lock = threading.Lock()
        self.changed_at: float | None = None  # when the last change not yet built came (time.monotonic)
        self.folders_moved = True  # content/ or templates/ appeared or went: watch them anew
        self.observer: BaseObserver | None = None
        logging.getLogger("watchdog.observers").addHandler(_Lost(self))

    def start(self, callback: Callable[[], None]) -> bool:
        """Called by livereload once its server runs: watch, and look every ``TICK`` seconds."""
        self.observe()
        ioloop.PeriodicCallback(callback, TICK * 1000).start()
        return True

    def observe(self) -> None:
        """Watch the top of the site folder (for site.yaml, and content/ or templates/ made anew)
        and all of content/ and templates/; only the sources, so writing output/ is not a change."""
        self.folders_moved = False
        if self.observer is not None:
            self.observer.unschedule_all()
        else:
            self.observer = _started(Observer())
        handler = _Notices(self)
        try:
            self.observer.schedule(handler, str(self.site), recursive=False, event_filter=NOTICES)
            for name in SOURCES[1:]:
                if (self.site / name).is_dir():
                    self.observer.schedule(handler, str(self.site / name), recursive=True, event_filter=NOTICES)
        except OSError as exc:
            if isinstance(self.observer, PollingObserver):
                raise
            # most likely the limit on inotify watches (fs.inotify.max_user_watches): poll instead
            print(f"watching the sources by polling: {exc}", file=sys.stderr, flush=True)
            self.observer.stop()
            self.observer = _started(PollingObserver())
            self.observe()

    def changed(self, path: str, kind: str) -> None:
        """A notice from the watch (in its thread) that ``path`` changed (``kind``: watchdog's
        event type)."""
        inside = os.path.relpath(path, self.site).replace(os.sep, "/")
        top, _, rest = inside.partition("/")
        if top not in SOURCES:
            return
        with self.lock:
            self.changed_at = time.monotonic()
            if not rest and top != "site.yaml" and kind in (EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED):
                self.folders_moved = True

    def lost(self) -> None:
        """Notices may have been lost (the kernel's queue overflowed): build, and watch anew."""
        with self.lock:
            self.changed_at = time.monotonic()
            self.folders_moved = True

    def examine(self) -> tuple[str | None, float | None]:
        if self._changes:
            return self._changes.pop()  # type: ignore[no-any-return]
        with self.lock:
            due = self.changed_at is not None and time.monotonic() - self.changed_at >= QUIET
            waiting = self.changed_at is not None
            if due:
                self.changed_at = None  # a change from now on, even during the build, builds again
        if self.folders_moved:
            self.observe()
        if not due:
            if not waiting and self.unsettled and self.settle is not None:
                self.unsettled = False
                self.settle()
            return None, None
        if self.rebuild():
            LiveReloadHandler.reload_waiters(path="*")  # at once: livereload throttles its own reloads
        self.unsettled = self.settle is not None
        return None, None


class _Notices(FileSystemEventHandler):
    def __init__(self, watcher: SourceWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in CHANGES:
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path:
                    self.watcher.changed(os.fsdecode(path), event.event_type)


class _Lost(logging.Handler):
    """watchdog tells of lost notices (its inotify queue overflowed, say) only in its log, as a
    warning: any warning from its observers counts as a change, so nothing is missed for good."""

    def __init__(self, watcher: SourceWatcher) -> None:
        super().__init__(logging.WARNING)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        self.watcher.lost()


def _started(observer: BaseObserver) -> BaseObserver:
    observer.daemon = True
    observer.start()
    return observer


def rebuild_into(site: Path, output: Path) -> tuple[Callable[[], bool], Callable[[], None]]:
    """A rebuild that reports, and never raises, so the server keeps running, and what to do
    when quiet between rebuilds. Rebuilds share a session: only what changed is parsed,
    rendered and written again."""
    session = Session(defer_index=True)
    indexing = threading.Lock()

    def index_later() -> None:
        """The search index takes seconds on a large site: it is remade after the browser
        reloads, so that pages show at once and search catches up."""
        job, session.index_pending = session.index_pending, None
        if job is None:
            return

        def run() -> None:
            with indexing:
                try:
                    job()
                except (SiteError, OSError) as exc:
                    print(f"search index: {exc}", file=sys.stderr, flush=True)

        threading.Thread(target=run, daemon=True).start()

    def rebuild() -> bool:
        try:
            result = build(site, output, session=session)
        except SiteError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print("Build failed; still serving the last good build.", file=sys.stderr, flush=True)
            return False
        except (OutputError, OSError) as exc:
            print(f"error: {exc}; still serving the last good build.", file=sys.stderr, flush=True)
            return False
        index_later()
        counts = session.counts
        print(f"Rebuilt {result.pages} pages in {result.seconds:.2f} s "
              f"({counts.get('rendered', 0)} files rendered, {counts.get('reused', 0)} unchanged)",
              file=sys.stderr, flush=True)
        return True

    return rebuild, session.settle


class OutputFileHandler(StaticFileHandler):  # type: ignore[misc]
    """livereload's static file handler, held inside the served folder whatever the version of
    Tornado underneath: a path is served only if, every symlink followed, it is still inside."""

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        if "\0" in absolute_path:  # os functions refuse it with an error, not a 404
            raise HTTPError(404)
        _inside(root, absolute_path)
        path: str | None = super().validate_absolute_path(root, absolute_path)
        if path is not None:
            _inside(root, path)  # the index.html of a folder may be a link too
        return path


def _inside(root: str, path: str) -> None:
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
        raise HTTPError(403)


def exposure_warning(host: str) -> str | None:
    """A one-line warning when listening on ``host`` lets other machines open the preview."""
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if local:
        return None
    return f"warning: listening on {host}: the preview can be opened from the network, not only from this computer"


def serve(site: Path, output: Path, host: str, port: int) -> None:
    """Build, then serve and watch until interrupted."""
    rebuild, settle = rebuild_into(site, output)
    rebuild()
    output.mkdir(parents=True, exist_ok=True)
    server = Server(watcher=SourceWatcher(site, rebuild, settle))
    server.SFH = OutputFileHandler
    warning = exposure_warning(host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    print(f"Serving {output} on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
    server.serve(root=str(output), host=host, port=port, restart_delay=0)
