"""``ocopsite serve``: build, serve ``output/`` on 127.0.0.1, rebuild once per burst of saves.

The server always shows the last good build: a build that fails leaves ``output/`` as it
was, and its problems are printed and shown on every page until an edit mends them. A
rebuild is ``ocopsite build`` itself, with a cache kept in memory (see ``cache``), writing
only the files that changed.

It listens on 127.0.0.1 unless told otherwise, and serves files from inside the output folder
only: no request, however encoded, and no symlink leads out of it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

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
from ocopsite.cache import FOLDER, Cache
from ocopsite.errors import Problem, SiteError
from ocopsite.write import OutputError, Written

# Seconds without a change that end a burst of saves. An editor's save (a write, or a temporary
# file renamed) takes milliseconds; a checkout of many files may take a rebuild or two more.
# (watchexec waits 50 ms by default too.)
QUIET = 0.05
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
    saves is over), calls ``rebuild`` once and reloads the browsers. Nothing is scanned, and no
    timer runs, while nothing changes. Which files changed is not taken from here: the build
    looks at every source itself (``load``), so a missed or merged notice can delay a rebuild,
    never make it stale."""

    def __init__(self, site: Path, rebuild: Callable[[], bool], clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.site = site.resolve()
        self.rebuild = rebuild
        self.clock = clock
        self.lock = threading.Lock()
        self.changed_at: float | None = None  # when the last change not yet built came (``clock``)
        self.folders_moved = True  # content/ or templates/ appeared or went: watch them anew
        self.observer: BaseObserver | None = None
        self.look: Callable[[float], object] = lambda delay: None  # ask for ``examine`` in ``delay`` s
        logging.getLogger("watchdog.observers").addHandler(_Lost(self))

    def start(self, callback: Callable[[], None]) -> bool:
        """Called by livereload once its server runs: watch, and have each change ask for a look
        (``callback``, livereload's, which calls ``examine``) ``QUIET`` seconds after it. No timer
        runs while nothing changes. A save made before the watch began (during the first build,
        which no thread may run beside) sent no notice: one rebuild once the watch runs sees it,
        as after lost notices; from cached results, it writes nothing if nothing changed."""
        loop = ioloop.IOLoop.current()
        self.look = lambda delay: loop.add_callback(loop.call_later, delay, callback)  # safe from any thread
        self.observe()  # watching when this returns: watchdog starts its inotify watches here
        self._later()
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

    def changed(self, path: str, kind: str) -> bool:
        """A notice from the watch (in its thread) that ``path`` changed (``kind``: watchdog's
        event type). Whether it is a change of a source, which the next build must see."""
        inside = os.path.relpath(path, self.site).replace(os.sep, "/")
        top, _, rest = inside.partition("/")
        if top not in SOURCES:
            return False
        self._later(moved=not rest and top != "site.yaml"
                    and kind in (EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED))
        return True

    def lost(self) -> None:
        """Notices may have been lost (the kernel's queue overflowed): build, and watch anew."""
        self._later(moved=True)

    def _later(self, moved: bool = False) -> None:
        """A change to build once no other has come for ``QUIET`` seconds (``moved``: content/ or
        templates/ appeared or went, so watch them anew too)."""
        with self.lock:
            self.changed_at = self.clock()
            self.folders_moved = self.folders_moved or moved
        self.look(QUIET)

    def examine(self) -> tuple[str | None, float | None]:
        """livereload's look, asked for by each change: rebuild once a burst of changes is over."""
        with self.lock:
            waited = None if self.changed_at is None else self.clock() - self.changed_at
            due = waited is not None and waited >= QUIET
            if due:
                self.changed_at = None  # a change from now on, even during the build, builds again
        if self.folders_moved:
            self.observe()
        if waited is not None and not due:  # looked at too soon: the burst's last look is to come,
            self.look(QUIET - waited)  # unless a timer ran early, so look again when it is due
        if not due:
            return None, None
        if self.rebuild():
            LiveReloadHandler.reload_waiters(path="*")  # at once: livereload throttles its own reloads
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


@dataclass
class Preview:
    """What the server shows besides the files: the problems of the last rebuild, if it failed,
    in the words of each language of the last good build."""

    problems: list[Problem] = field(default_factory=list)
    words: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def overlay(self, lang: str) -> bytes:
        """The problems as a panel at the top of a page, in ``lang`` where known."""
        title, intro = self.words.get(lang) or next(iter(self.words.values()), FALLBACK)
        items = "".join(f"<li><code>{escape(p.path)}{':' + str(p.line) if p.line else ''}</code> "
                        f"{escape(p.message)}</li>" for p in self.problems)
        return (f'<aside class="build-errors" role="alert"><h2>{escape(title)}</h2><p>{escape(intro)}</p>'
                f"<ol>{items}</ol></aside>").encode()


FALLBACK = ("This edit could not be built", "Correct these and save; the page reloads by itself.")


def rebuild_into(site: Path, output: Path, preview: Preview) -> Callable[[], bool]:
    """A rebuild that reports, and never raises, so the server keeps running. Rebuilds share a
    cache (by content, as every build's) and write only the files that changed. A failed one
    leaves the files as they were and puts its problems on every page (``preview``); whether it
    failed or not, the open pages reload."""
    cache = Cache(site / FOLDER)
    written: list[Written] = []

    def rebuild() -> bool:
        try:
            result = build(site, output, cache=cache, previous=written[-1] if written else None)
        except SiteError as exc:
            preview.problems = list(exc.problems)
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print("Build failed; still serving the last good build, with the problems on every page.",
                  file=sys.stderr, flush=True)
            return True
        except (OutputError, OSError) as exc:
            preview.problems = [Problem(str(output), 0, str(exc))]
            print(f"error: {exc}; still serving the last good build.", file=sys.stderr, flush=True)
            return True
        verb = "Rebuilt" if written else "Built"
        written[:] = [result.written]
        preview.problems = []
        preview.words = result.words
        hits, misses = sum(cache.hits.values()), sum(cache.misses.values())
        print(f"{verb} {result.pages} pages in {result.seconds:.2f} s ({misses} results made, {hits} reused)",
              file=sys.stderr, flush=True)
        return True

    return rebuild


class OutputFileHandler(StaticFileHandler):  # type: ignore[misc]
    """livereload's static file handler, held inside the served folder whatever the version of
    Tornado underneath (a path is served only if, every symlink followed, it is still inside),
    answering an unknown address with the site's own 404 page, and showing on every page the
    problems of a failed rebuild."""

    preview = Preview()

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        if "\0" in absolute_path:  # os functions refuse it with an error, not a 404
            raise HTTPError(404)
        _inside(root, absolute_path)
        path: str | None = super().validate_absolute_path(root, absolute_path)
        if path is not None:
            _inside(root, path)  # the index.html of a folder may be a link too
        return path

    async def get(self, path: str, include_body: bool = True) -> None:
        if not self.preview.problems:
            await super().get(path, include_body)
            return
        if "\0" in path:
            raise HTTPError(404)
        page = Path(self.get_absolute_path(self.root, self.parse_url_path(path)))
        _inside(self.root, str(page))
        page = page / "index.html" if page.is_dir() else page
        if page.suffix != ".html" and page.exists():
            await super().get(path, include_body)
            return
        lang = None
        try:
            _inside(self.root, str(page))
            html = page.read_bytes()
        except (HTTPError, OSError):
            self.set_status(404)
            lang = path.split("/")[0]  # the language the address is in, if it is one
            try:
                html = (Path(self.root) / "404.html").read_bytes()
            except OSError:
                html = b"<!doctype html><html><head><meta charset=utf-8></head><body></body></html>"
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(_with_overlay(html, self.preview, lang) if include_body else b"")

    def compute_etag(self) -> str | None:
        """No validator for a page shown with problems: it must not be taken for the file."""
        return None if self.preview.problems else super().compute_etag()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """An unknown address: the site's 404 page, as a host serves it."""
        page = Path(self.root) / "404.html"
        if status_code == 404 and page.is_file():
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(page.read_bytes())
        else:
            super().write_error(status_code, **kwargs)


def _inside(root: str, path: str) -> None:
    real_root = os.path.realpath(root)
    if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
        raise HTTPError(403)


def _with_overlay(html: bytes, preview: Preview, lang: str | None = None) -> bytes:
    """``html`` with the problems at the top of its body, in ``lang``, else in the page's language."""
    found = re.search(rb'<html[^>]*\blang="([^"]+)"', html)
    chosen = lang if lang is not None and lang in preview.words else found.group(1).decode() if found else ""
    panel = preview.overlay(chosen)
    body = re.search(rb"<body[^>]*>", html)
    return html[:body.end()] + panel + html[body.end():] if body else panel + html


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
    preview = Preview()
    rebuild = rebuild_into(site, output, preview)
    rebuild()
    output.mkdir(parents=True, exist_ok=True)
    server = Server(watcher=SourceWatcher(site, rebuild))
    server.SFH = type("Handler", (OutputFileHandler,), {"preview": preview})
    warning = exposure_warning(host)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    print(f"Serving {output} on http://{host}:{port}/ (Ctrl+C to stop)", file=sys.stderr, flush=True)
    server.serve(root=str(output), host=host, port=port, restart_delay=0)
