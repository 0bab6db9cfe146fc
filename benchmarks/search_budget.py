#!/usr/bin/env python3
"""Measure what a fresh visitor's first search transfers, at catalogue sizes N.

For each N: generate a synthetic catalogue (benchmarks/synthetic.py), build it, serve it on
127.0.0.1 with gzip for text files as static hosts do (GitHub Pages, Netlify, Cloudflare),
open the search page in Debian's Chromium with an empty cache, type a query and add up the
bytes on the wire of every response the search caused (Pagefind's code, WebAssembly, index
and the first page of results). Budgets: 150 KB at 600 products, 400 KB at 20,000.
Usage: benchmarks/search_budget.py [N ...]   (default: 600 20000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from playwright.sync_api import Request, sync_playwright  # noqa: E402
from synthetic import generate  # noqa: E402

from conftest import CHROMIUM, FLAGS, http_server  # noqa: E402
from ocopsite.build import build  # noqa: E402

BUDGETS = {600: 150_000, 20_000: 400_000}
QUERIES = [("en/search/", "sea grapes"), ("en/search/", "Ninh Hoa"), ("vi/tim-kiem/", "nuoc mam"),
           ("vi/tim-kiem/", "dac san Cam Ranh")]


def first_search(url: str, query: str) -> tuple[int, list[tuple[str, int]]]:
    """Bytes transferred by the first search of ``query`` on a fresh browser."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_load_state("networkidle")
        seen: list[tuple[str, int]] = []
        def record(request: Request) -> None:
            sizes = request.sizes()
            name = "/".join(request.url.rsplit("/", 2)[-2:])
            seen.append((name, sizes["responseBodySize"] + sizes["responseHeadersSize"]))

        page.on("requestfinished", record)
        page.locator("#q").fill(query)
        page.locator("#search-count").filter(has_text=" ").wait_for(timeout=30_000)
        page.wait_for_load_state("networkidle")
        browser.close()
    return sum(size for _, size in seen), seen


def main(sizes: list[int]) -> int:
    failed = False
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            site = generate(count, Path(tmp) / "site")
            start = time.perf_counter()
            build(site, Path(tmp) / "output")
            seconds = time.perf_counter() - start
            index = sum(p.stat().st_size for p in (Path(tmp) / "output" / "pagefind").rglob("*") if p.is_file())
            print(f"{count} products: built in {seconds:.1f} s; search bundle on disk {index / 1000:.0f} KB")
            with http_server(Path(tmp) / "output", compress=True) as url:
                for path, query in QUERIES:
                    total, parts = first_search(url + path, query)
                    budget = BUDGETS.get(count)
                    verdict = "" if budget is None else (" ok" if total < budget else f" OVER {budget / 1000:.0f} KB")
                    failed |= bool(budget and total >= budget)
                    top = sorted(parts, key=lambda p: -p[1])[:4]
                    largest = ", ".join(f"{name} {size / 1000:.1f}" for name, size in top)
                    print(f"  first search /{path} {query!r}: {total / 1000:.1f} KB in {len(parts)} responses{verdict}"
                          f" (largest KB: {largest})")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main([int(a) for a in sys.argv[1:]] or [600, 20_000]))
