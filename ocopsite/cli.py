"""The ``ocopsite`` command: build, check, serve and new."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from ocopsite import __version__
from ocopsite.errors import Problem, SiteError
from ocopsite.write import OutputError

GC_THRESHOLD = 50_000  # allocations between two collections of the youngest objects (default 700)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    collect_less()
    try:
        return int(args.run(args))
    except SiteError as exc:
        _report(exc.problems, getattr(args, "format", "text"))
        print(f"Failed: {_count(exc.problems)}; nothing was written.", file=sys.stderr)
        return 1
    except (OutputError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def collect_less() -> None:
    """A build holds a few million small objects that live until it ends, and makes a few
    million more: with the default thresholds the garbage collector walks the old ones again
    and again, for about a tenth of a rebuild's time under ``serve``. Collect less often."""
    gc.set_threshold(GC_THRESHOLD, 20, 100)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocopsite", description="Build a bilingual OCOP product catalogue.")
    parser.add_argument("--version", action="version", version=f"ocopsite {__version__}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="build the site into OUTPUT")
    build.add_argument("site", nargs="?", default=".", type=Path, help="site folder (default: .)")
    build.add_argument("-o", "--output", type=Path, help="output folder (default: SITE/output)")
    build.add_argument("--base-url", help="publish address, overriding base_url in site.yaml")
    build.set_defaults(run=_build)

    check = sub.add_parser("check", help="validate everything, write nothing")
    check.add_argument("site", nargs="?", default=".", type=Path)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--format", choices=("text", "github"), default="text",
                       help="github: GitHub Actions annotations")
    check.add_argument("--report", action="store_true", help="also print how complete the catalogue is")
    check.set_defaults(run=_check)

    serve = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on every change")
    serve.add_argument("site", nargs="?", default=".", type=Path)
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("-o", "--output", type=Path)
    serve.set_defaults(run=_serve)

    new = sub.add_parser("new", help="scaffold a new bundle")
    new.add_argument("kind", choices=("product", "producer", "tourism"))
    new.add_argument("name", help='its Vietnamese name, e.g. "Rong nho Trí Tín"')
    new.add_argument("--site", default=".", type=Path)
    new.set_defaults(run=_new)
    return parser


def _build(args: argparse.Namespace) -> int:
    from ocopsite.build import build

    output = args.output or args.site / "output"
    bar = ProgressBar() if sys.stderr.isatty() else None
    result = build(args.site, output, base_url=args.base_url, progress=bar)
    if bar is not None:
        bar.clear()
    if result.warnings:
        print(f"{len(result.warnings)} warnings (run 'ocopsite check' to list them)", file=sys.stderr)
    print(f"Built {result.pages:,} pages ({result.files:,} files) in {result.seconds:.2f} s into {output}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from ocopsite.build import make
    from ocopsite.cache import FOLDER, Cache

    cache = Cache(args.site / FOLDER)
    made = make(args.site, cache)  # everything but writing: templates and links are checked too
    cache.finish()
    warnings = made.warnings
    _report(warnings, args.format)
    if args.report:
        from ocopsite.report import report

        print(report(made.catalogue), file=sys.stderr)
    if args.strict and warnings:
        print(f"Failed: {_count(warnings)} (--strict)", file=sys.stderr)
        return 1
    pages = sum(name.endswith(".html") for name in made.files)
    print(f"OK: {len(made.catalogue.products)} products, {pages} pages; {len(warnings)} warnings", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ocopsite.serve import serve

    serve(args.site, args.output or args.site / "output", args.host, args.port)
    return 0


def _new(args: argparse.Namespace) -> int:
    from ocopsite.scaffold import new_bundle

    folder = new_bundle(args.site, args.kind, args.name)
    print(f"Created {folder}")
    return 0


class ProgressBar:
    """A bar that rewrites itself on a terminal once a build has taken two seconds
    (``OCOPSITE_PROGRESS_AFTER`` sets how many)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, stream: TextIO | None = None,
                 width: int = 30) -> None:
        self.clock = clock
        self.start = clock()
        after = os.environ.get("OCOPSITE_PROGRESS_AFTER", "")
        self.after = float(after) if after.replace(".", "", 1).isdigit() else 2.0
        self.stream = stream or sys.stderr
        self.width = width
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if self.clock() - self.start < self.after or not total:
            return
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        print(f"\r[{bar}] {done:,}/{total:,} pages", end="", file=self.stream, flush=True)
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            print("\r" + " " * (self.width + 40) + "\r", end="", file=self.stream, flush=True)


def _report(problems: Sequence[Problem], fmt: str) -> None:
    for problem in problems:
        if fmt == "github":
            level = "error" if problem.severity == "error" else "warning"
            where = f"file={problem.path}" + (f",line={problem.line}" if problem.line else "")
            print(f"::{level} {where}::{_escape(problem.message)}", file=sys.stderr)
        else:
            print(problem, file=sys.stderr)


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _count(problems: Sequence[Problem]) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return ", ".join(parts) or "no problems"
