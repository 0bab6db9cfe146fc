#!/usr/bin/env python3
"""How fast ``serve`` shows an edit: rebuilds of a synthetic catalogue after one change.

Builds the catalogue once with a session, as ``serve`` does, then times rebuilds (median of
`--runs`): with nothing changed, after one product file changes (its summary, then back), after
a producer's name changes, and after a template changes. The search index is remade after the
browser reloads, as in ``serve``, so it is not counted; its time is printed apart.

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

from ocopsite.build import build  # noqa: E402
from ocopsite.session import Session  # noqa: E402


def toggle(path: Path, old: str, new: str) -> Callable[[int], None]:
    """An edit that changes ``old`` to ``new`` on even runs and back on odd ones."""
    def apply(run: int) -> None:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(old, new, 1) if run % 2 == 0 else text.replace(new, old, 1), encoding="utf-8")
    return apply


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1748736000")
    with tempfile.TemporaryDirectory() as scratch:
        site = generate(args.count, Path(scratch) / "site")
        output = Path(scratch) / "output"
        session = Session(defer_index=True)
        start = time.perf_counter()
        build(site, output, session=session)
        print(f"{args.count} products: first build {time.perf_counter() - start:.2f} s "
              f"({session.counts['rendered']} files)")
        product = site / "content/products/san-pham-7/product.yaml"
        producer = site / "content/producers/chu-the-3/producer.yaml"
        edits: dict[str, Callable[[int], None]] = {
            "nothing changed": lambda run: None,
            "one product's summary": toggle(product, "\nsummary:\n  vi: ", "\nsummary:\n  vi: Mới, "),
            "one producer's name": toggle(producer, "\n  en: ", "\n  en: New "),
            "a template": toggle(site / "templates/product.html", "<h1>", "<h1 class=\"name\">"),
        }
        for label, change in edits.items():
            times, rendered, index_time = [], 0, 0.0
            for run in range(args.runs):
                session.settle()  # as serve does in the quiet poll after each build
                change(run)
                start = time.perf_counter()
                build(site, output, session=session)
                times.append(time.perf_counter() - start)
                rendered = session.counts["rendered"]
                if session.index_pending is not None:
                    index, session.index_pending = session.index_pending, None
                    began = time.perf_counter()
                    index()
                    index_time = time.perf_counter() - began
            line = f"{label:<24} {statistics.median(times):6.2f} s  ({rendered} files rendered)"
            if label == "one product's summary":
                line += f"; search index after the reload: {index_time:.2f} s"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
