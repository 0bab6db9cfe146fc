"""``ocopsite serve``: build, serve ``output/`` on 127.0.0.1, rebuild once per burst of saves.

The server always shows the last good build: a build that fails leaves ``output/`` as it
was, and the reasons are printed. A rebuild gives the same files as ``ocopsite build``, but
redoes only what changed (see ``session``) and writes only the files that changed.

It listens on 127.0.0.1 unless told otherwise, and serves files from inside the output folder
only: no request, however encoded, and no symlink leads out of it.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado.web import HTTPError

from ocopsite.build import build
from ocopsite.errors import SiteError
from ocopsite.session import Session
from ocopsite.write import OutputError

Snapshot = dict[str, tuple[int, int]]


def sources(site: Path) -> Snapshot:
    """The modification time and size of every file the build reads (never ``output/``)."""
    files = [site / "site.yaml", *(p for d in ("content", "templates") for p in (site / d).rglob("*"))]
    snapshot = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        if path.is_file():
            snapshot[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return snapshot


class SourceWatcher(Watcher):  # type: ignore[misc]
    """Polled by livereload: once the sources stop changing between two polls (a burst of
    saves is over), calls ``rebuild`` once and reloads the browsers."""

    def __init__(self, site: Path, rebuild: Callable[[], bool], settle: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.site = site
        self.rebuild = rebuild
        self.settle = settle  # for the first quiet poll after a build (see Session.settle)
        self.unsettled = settle is not None
        self.snapshot = sources(site)
        self.pending: Snapshot | None = None

    def examine(self) -> tuple[str | None, float | None]:
        if self._changes:
            return self._changes.pop()  # type: ignore[no-any-return]
        current = sources(self.site)
        if current == self.snapshot or current != self.pending:
            self.pending = None if current == self.snapshot else current  # still changing: wait a poll
            if self.pending is None and self.unsettled and self.settle is not None:
                self.unsettled = False
                self.settle()
            return None, None
        self.snapshot, self.pending = current, None
        if self.rebuild():
            LiveReloadHandler.reload_waiters(path="*")  # at once: livereload throttles its own reloads
        self.unsettled = self.settle is not None
        return None, None


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
