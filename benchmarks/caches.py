#!/usr/bin/env python3
"""What each cache saves: builds of a synthetic catalogue with every cache on, then with each
cache switched off in turn, in the two situations where the caches are meant to pay.

- serve: the rebuild ``serve`` runs after one product's YAML changed. One ``Cache`` for every
  build (its memory layer, with the site's .ocopsite-cache on disk beneath it, as
  ``serve.rebuild_into`` makes it), each build given what the one before wrote (``previous``).
  The rebuilds run in one process (``--serve-jobs``, default 1), as serve's do: its watcher runs
  a thread, and ``parallel`` never forks a process that runs threads.
- build: ``ocopsite build`` after one product's YAML changed, with the .ocopsite-cache of the
  build before kept on disk (a fresh ``Cache(site / ".ocopsite-cache")`` for each build, no
  output folder: what a CI job that keeps the cache folder does), on every core (``--jobs``).

A kind of the ``Cache`` (yaml, record, html, search-doc, template, page, links) is switched off
by ``Without``, a ``Cache`` that for that kind never finds anything (``remember`` and ``kept``
compute, ``stored`` returns nothing) and keeps nothing (``store`` only counts), as if the cache were not
there; the two caches that are folders of their own (qr, images under .ocopsite-cache/) are
switched off by deleting their folder before the build (and, for qr, its set of codes that
``remember`` keeps in memory, by switching off that kind too). Before each measured build the caches
are made warm again (a build, not timed, of the same content with every cache on) where the one
before left them cold. "written" (serve only) is the other saving of a rebuild: ``previous``,
so that only changed files are written. "none" is a clean build: no .ocopsite-cache, no output.

Each row is the median of `--runs` builds (every row in turn, so that a noisy moment hits them
all), with the fastest and slowest; "saved" is that median less the median with every cache on.
"hits/misses" are ``Cache.hits``/``Cache.misses`` of that kind after a build with every cache
on (for qr and images: entries found in their folder, and made). The synthetic catalogue has no
photos; `--photos K` gives the first K products one (a 1600 x 1200 camera JPEG), so that the
images cache has something to save. SOURCE_DATE_EPOCH is fixed. The machine's load average
before the run and the CPU that other processes used during each measured build (cores, from
/proc/stat less this process and its workers) are printed: figures taken beside a busy machine
are noisy.

Caveat: rows run in a fixed order, and on a disk that slows as files are created and deleted
(this machine's: six warm builds in a row went from 3.9 to 5.3 s), later rows of the build
situation are penalised; the serve situation writes little and is not. Read the build figures
with several runs, against a fresh "all on", not as exact savings.

Usage: benchmarks/caches.py [N ...] [--runs R] [--photos K] [--jobs J] [--serve-jobs J]
                            [--only serve|build] [--max-load L] [--wait S] [--keep DIR] [--json FILE]
       (default: 3000 products, 3 runs, 50 photos, jobs = one per core)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import camera_photo, generate, toggle  # noqa: E402

from ocopsite.build import BuildResult, build  # noqa: E402
from ocopsite.cache import FOLDER, Cache  # noqa: E402
from ocopsite.cli import collect_less  # noqa: E402
from ocopsite.write import Written  # noqa: E402

EPOCH = "1748736000"
T = TypeVar("T")
KINDS = ("yaml", "record", "html", "search-doc", "template", "page", "links")  # the Cache's kinds
FOLDERS = ("qr", "images")  # caches of their own, folders under .ocopsite-cache/
ALL = "all on"
NONE = "none"
WRITTEN = "written"
SITUATIONS = ("serve", "build")
# after a measured build with these off, the caches are cold for the next one: warm them again
COLD_AFTER = {"serve": {*KINDS, *FOLDERS}, "build": {"template", "page", "links", *FOLDERS}}


class Without(Cache):
    """A Cache that, for the kind ``off``, never finds anything and keeps nothing."""

    def __init__(self, folder: Path | None = None, off: str | None = None) -> None:
        super().__init__(folder)
        self.off = off

    def remember(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        if kind != self.off:
            return super().remember(kind, key, compute)
        self.misses[kind] = self.misses.get(kind, 0) + 1
        return compute()

    def kept(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        if kind != self.off:
            return super().kept(kind, key, compute)
        self.misses[kind] = self.misses.get(kind, 0) + 1
        return compute()

    def stored(self, kind: str, keys: Iterable[str]) -> dict[str, bytes]:
        return {} if kind == self.off else super().stored(kind, keys)

    def store(self, kind: str, key: str, data: bytes) -> None:
        if kind != self.off:
            super().store(kind, key, data)
        else:
            self.misses[kind] = self.misses.get(kind, 0) + 1


@dataclass
class Row:
    """The measured builds of one row of one situation."""

    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU seconds of this process and its workers
    others: list[float] = field(default_factory=list)  # cores other processes used meanwhile
    hits: dict[str, int] = field(default_factory=dict)  # of the last build
    misses: dict[str, int] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


class CpuMeter:
    """The CPU time other processes used while a block ran: all CPUs' busy time from
    /proc/stat, less this process's and its reaped children's (the build's workers)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> CpuMeter:
        self.start = (self._busy(), self._ours(), time.perf_counter())
        return self

    def __exit__(self, *exc: object) -> None:
        busy, ours, start = self.start
        self.seconds = time.perf_counter() - start
        self.cpu = self._ours() - ours
        self.others = max(0.0, (self._busy() - busy) - self.cpu) / self.seconds

    def _busy(self) -> float:
        try:
            with open("/proc/stat", encoding="ascii") as stream:
                values = [int(v) for v in stream.readline().split()[1:]]
        except (OSError, ValueError):
            return 0.0
        idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle, iowait
        return (sum(values[:8]) - idle) / self.TICK  # guest time is counted in user already

    @staticmethod
    def _ours() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system


def add_photos(site: Path, count: int) -> None:
    """A camera photo for each of the first ``count`` products, as synthetic.py writes one."""
    rng = random.Random(7)
    for i in range(count):
        folder = site / "content" / "products" / f"san-pham-{i}"
        if not folder.is_dir():
            break
        (folder / "anh-san-pham.jpg").write_bytes(camera_photo(rng))
        with (folder / "product.yaml").open("a", encoding="utf-8") as stream:
            stream.write("photos:\n  - file: anh-san-pham.jpg\n"
                         "    alt: {vi: Sản phẩm đóng gói, en: The product packed}\n")


def folder_counts(site: Path, result: BuildResult, before: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Hits and misses of the folder caches in a build: entries made (new in the folder) and
    entries used less those made."""
    used = {"qr": sum(name.endswith("/qr.svg") for name in result.written.files),
            "images": sum(name.startswith("media/") and name.endswith(".jpg") for name in result.written.files)}
    after = entries(site)
    return {kind: (used[kind] - (after[kind] - before[kind]), after[kind] - before[kind]) for kind in FOLDERS}


def entries(site: Path) -> dict[str, int]:
    """The entries of each folder cache: QR files, photo folders."""
    qr = site / FOLDER / "qr"
    images = site / FOLDER / "images"
    return {"qr": sum(1 for _ in qr.glob("*/*.svg")) if qr.is_dir() else 0,
            "images": sum(1 for _ in images.glob("*/*/index.json")) if images.is_dir() else 0}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def wait_for_quiet(limit: float, patience: float) -> str:
    """Wait (at most ``patience`` seconds) until the 1-minute load average is below ``limit``;
    the load averages when done waiting, and how long it took."""
    start = time.monotonic()
    while os.getloadavg()[0] >= limit and time.monotonic() - start < patience:
        time.sleep(15)
    waited = time.monotonic() - start
    quiet = "below" if os.getloadavg()[0] < limit else "NOT below"
    return f"load average {load()} (1, 5, 15 min; {quiet} {limit} after waiting {waited:.0f} s)"


class Situation:
    """One of the two situations: builds of ``site`` into ``output`` measured row by row."""

    def __init__(self, name: str, site: Path, output: Path, product: Path, jobs: int, serve_jobs: int) -> None:
        self.name, self.site, self.output, self.product = name, site, output, product
        self.jobs = jobs if name == "build" else serve_jobs
        self.all_jobs = jobs
        self.memory = Without(site / FOLDER)  # serve's, kept for every build
        self.last: Written | None = None
        self.cold = True
        self.made = (0, 0)  # pages and files of the last build

    def rows(self) -> list[str]:
        return [ALL, *KINDS, *FOLDERS, *([WRITTEN] if self.name == "serve" else [NONE])]

    def _build(self, off: str | None, jobs: int, previous: Written | None = None) -> tuple[BuildResult, Cache]:
        if self.name == "serve":
            self.memory.off = off if off in (*KINDS, *FOLDERS) else None
            try:
                result = build(self.site, self.output, cache=self.memory, previous=previous, jobs=jobs)
            finally:
                self.memory.off = None
            self.last = result.written
            return result, self.memory
        cache = Without(self.site / FOLDER, off if off in (*KINDS, *FOLDERS) else None)
        try:
            result = build(self.site, self.output, cache=cache, jobs=jobs)
        finally:
            cache.close()
        return result, cache

    def warm(self) -> None:
        """Caches warm for the content as it is (a build not measured, every cache on)."""
        if self.name == "build":
            shutil.rmtree(self.output, ignore_errors=True)
        self._build(None, self.all_jobs, self.last)
        self.cold = False

    def measure(self, row: str, into: Row) -> None:
        """One build of ``row`` after one product changed, from warm caches."""
        if row == NONE:
            shutil.rmtree(self.site / FOLDER, ignore_errors=True)
        elif self.cold:
            self.warm()
        if self.name == "build":
            shutil.rmtree(self.output, ignore_errors=True)
        toggle(self.product, "\nsummary:\n  vi: ", "\nsummary:\n  vi: Đặc sản, ")
        if row in FOLDERS:
            shutil.rmtree(self.site / FOLDER / row, ignore_errors=True)
        before = entries(self.site)
        previous = None if row == WRITTEN else self.last
        with CpuMeter() as meter:
            result, cache = self._build(row if row != ALL else None, self.all_jobs if row == NONE else self.jobs,
                                        previous)
        self.made = (result.pages, result.files)
        into.seconds.append(meter.seconds)
        into.cpu.append(meter.cpu)
        into.others.append(meter.others)
        into.hits, into.misses = dict(cache.hits), dict(cache.misses)
        for kind, (hits, misses) in folder_counts(self.site, result, before).items():
            into.hits[kind], into.misses[kind] = hits, misses
        self.cold = row in COLD_AFTER[self.name]


def run_size(count: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    site = generate(count, work / f"site-{count}")
    add_photos(site, args.photos)
    output = work / f"output-{count}"
    product = site / "content" / "products" / f"san-pham-{count // 2}" / "product.yaml"
    results: dict[str, dict[str, Row]] = {}
    pages = files = 0
    for name in args.only or SITUATIONS:
        shutil.rmtree(site / FOLDER, ignore_errors=True)
        shutil.rmtree(output, ignore_errors=True)
        situation = Situation(name, site, output, product, args.jobs, args.serve_jobs)
        situation.warm()  # the first build, clean, which the measured ones follow
        assert situation.last is not None or name == "build"
        rows = {row: Row() for row in situation.rows()}
        for run in range(args.runs):
            for row, found in rows.items():
                situation.measure(row, found)
                print(f"  {name:<5} run {run + 1}/{args.runs} {row:<10} {found.seconds[-1]:7.2f} s"
                      f" (others used {found.others[-1]:.2f} cores)", file=sys.stderr, flush=True)
        situation.memory.close()
        pages, files = situation.made
        results[name] = rows
        unknown = {k for k in (*rows[ALL].hits, *rows[ALL].misses) if k not in (*KINDS, *FOLDERS)}
        if unknown:
            print(f"warning: the Cache has kinds this benchmark does not switch off: {sorted(unknown)}",
                  file=sys.stderr)
    if not args.keep:
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(output, ignore_errors=True)
    return {"count": count, "pages": pages, "files": files, "rows": results}


def table(size: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """A table for each situation: each row's wall time and CPU time (this process and its
    workers), what the row's cache saves of each, and that cache's hits and misses."""
    rows: dict[str, dict[str, Row]] = size["rows"]
    heads = {"serve": f"serve: rebuild after one product's YAML changed, jobs={args.serve_jobs}",
             "build": f"build: disk cache kept, one product's YAML changed, no output, jobs={args.jobs}"}
    lines = [f"{size['count']} products ({size['pages']} pages, {size['files']} files, {args.photos} photos);"
             f" medians of {args.runs} runs"]
    clean = rows.get("build", {}).get(NONE)
    for name, found in rows.items():
        base = found[ALL]
        lines += ["", heads[name],
                  f"{'cache off':<14} {'wall s':>7} {'fastest–slowest':>15} {'saved s':>8} {'CPU s':>7}"
                  f" {'saved CPU s':>11} {'hits/misses when on':>20}"]
        for row in [*found, *([NONE] if NONE not in found and clean else [])]:
            this = found.get(row) or clean
            assert this is not None
            wall, cpu = this.median, statistics.median(this.cpu)
            saved = "" if row == ALL else f"{wall - base.median:+8.2f}"
            saved_cpu = "" if row == ALL else f"{cpu - statistics.median(base.cpu):+11.2f}"
            counts = f"{base.hits.get(row, 0)}/{base.misses.get(row, 0)}" if row in (*KINDS, *FOLDERS) else ""
            label = {ALL: "(all on)", NONE: "none (clean)", WRITTEN: "written (prev)"}.get(row, row)
            spread = f"{min(this.seconds):.2f}–{max(this.seconds):.2f}"
            lines.append(f"{label:<14} {wall:7.2f} {spread:>15} {saved:>8} {cpu:7.2f} {saved_cpu:>11} {counts:>20}")
        others = [o for r in found.values() for o in r.others]
        lines.append(f"other processes used {statistics.median(others):.2f} cores (median; max {max(others):.2f})"
                     " while these were measured")
    if clean is not None and "serve" in rows:
        lines.append("none (clean) is one clean build on every core (no .ocopsite-cache, no output): shown in both")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[3000])
    parser.add_argument("--runs", type=int, default=3, help="measured builds per row (median)")
    parser.add_argument("--photos", type=int, default=50, help="products given a photo (default 50)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes for build and clean builds (default: one per core)")
    parser.add_argument("--serve-jobs", type=int, default=1, help="processes for serve's rebuilds (default 1)")
    parser.add_argument("--only", choices=SITUATIONS, action="append", help="measure only this situation")
    parser.add_argument("--max-load", type=float, default=1.5, help="wait for a 1-minute load average below this")
    parser.add_argument("--wait", type=float, default=900, help="seconds to wait for it at most, then go on")
    parser.add_argument("--keep", type=Path, help="generate the sites in this folder and keep them")
    parser.add_argument("--json", type=Path, help="write every measurement here too")
    args = parser.parse_args()
    collect_less()  # as the command line does, for serve and build
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    print(f"benchmarks/caches.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} cores; Python {sys.version.split()[0]};"
          f" SOURCE_DATE_EPOCH={EPOCH}")
    report: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        for count in args.sizes:
            print(f"before {count} products: {wait_for_quiet(args.max_load, args.wait)}", flush=True)
            start = time.monotonic()
            size = run_size(count, work, args)
            print("\n".join(table(size, args)))
            print(f"after: load average {load()}; {time.monotonic() - start:.0f} s for this size\n", flush=True)
            report.append({**size, "rows": {n: {r: vars(found) for r, found in rows.items()}
                                            for n, rows in size["rows"].items()}})
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
