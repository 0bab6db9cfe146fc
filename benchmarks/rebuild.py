#!/usr/bin/env python3
"""How fast ``serve`` rebuilds after an edit: in-process rebuilds of a synthetic catalogue.

Does what ``serve`` does (``ocopsite.serve.rebuild_into``): one ``Cache`` kept for every
build (its memory layer, with the site's .ocopsite-cache on disk beneath it, as serve makes it),
each build given what the one before wrote (``previous``), so only changed files are written.
The first build runs on every core, as serve's does; the rebuilds run in one process, as
serve's do (its watch runs a thread, and ``parallel`` never forks a process that runs threads).

Times (median of `--runs`): nothing changed; one product's YAML changed (its summary, then
back: with words the index knows already, and with a word new to it, which adds a search
file); a producer's name changed; a template changed. For each, the median CPU time of this
process (near the wall time on a quiet machine: the rebuilds use one core), how many results
the last build made and how many it reused, and how many files it changed in the output.

Usage: benchmarks/rebuild.py [N] [--runs R]   (default: 3000 products, 5 runs)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import generate  # noqa: E402

from ocopsite.build import BuildResult, build  # noqa: E402
from ocopsite.cache import FOLDER, Cache  # noqa: E402
from ocopsite.cli import collect_less  # noqa: E402


def toggle(path: Path, old: str, new: str) -> Callable[[int], None]:
    """An edit that changes ``old`` to ``new`` on even runs and back on odd ones."""
    def apply(run: int) -> None:
        text = path.read_text(encoding="utf-8")
        changed = text.replace(old, new, 1) if run % 2 == 0 else text.replace(new, old, 1)
        assert changed != text, f"{path}: the edit changes nothing"
        path.write_text(changed, encoding="utf-8")
    return apply


def changed_files(before: BuildResult, after: BuildResult) -> int:
    """Files added, changed or removed from one build's output to the next."""
    old, new = before.written.files, after.written.files
    return sum(old.get(name) != data for name, data in new.items()) + sum(name not in new for name in old)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    collect_less()  # as the command line does, for serve and build
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1748736000")
    with tempfile.TemporaryDirectory() as scratch:
        site = generate(args.count, Path(scratch) / "site")
        output = Path(scratch) / "output"
        cache = Cache(site / FOLDER)
        start = time.perf_counter()
        last = build(site, output, cache=cache)
        print(f"{args.count} products: first build {time.perf_counter() - start:.2f} s "
              f"({last.pages} pages, {last.files} files)", flush=True)
        product = site / "content/products/san-pham-7/product.yaml"
        producer = site / "content/producers/chu-the-3/producer.yaml"
        edits: dict[str, Callable[[int], None]] = {
            "nothing changed": lambda run: None,
            "one product's YAML": toggle(product, "\nsummary:\n  vi: ", "\nsummary:\n  vi: Đặc sản, "),
            "  the same, a new word": toggle(product, "\nsummary:\n  vi: ", "\nsummary:\n  vi: Xyzzy, "),
            "one producer's name": toggle(producer, "\n  en: ", "\n  en: New "),
            "a template": toggle(site / "templates/product.html", "<h1>", "<h1 class=\"name\">"),
        }
        print(f"{'edit':<22} {'median s':>8} {'min s':>6} {'max s':>6} {'CPU s':>6} {'made':>6} {'reused':>7}"
              f" {'written':>7}")
        for label, change in edits.items():
            times, cpu, made, reused, written = [], [], 0, 0, 0
            for run in range(args.runs):
                change(run)
                start, began = time.perf_counter(), time.process_time()
                result = build(site, output, cache=cache, previous=last.written, jobs=1)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - began)
                made, reused = sum(cache.misses.values()), sum(cache.hits.values())
                written = changed_files(last, result)
                last = result
            print(f"{label:<22} {statistics.median(times):8.3f} {min(times):6.3f} {max(times):6.3f}"
                  f" {statistics.median(cpu):6.2f} {made:>6} {reused:>7} {written:>7}", flush=True)
        cache.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
