#!/usr/bin/env python3
"""What a fresh visitor's first search costs: bytes on the wire, time to the first result,
and the time to make the index.

For each size N: generate a synthetic catalogue (benchmarks/synthetic.py), build it, serve
output/ on 127.0.0.1 with gzip for text files as static hosts do (GitHub Pages, Netlify,
Cloudflare), open the search page in Debian's Chromium with an empty cache (a new browser
context for each query), wait until the page and its service worker are quiet, type a query
key by key as a person does (`--delay` ms between keys; search.js waits 80 ms after the last
one), and add up the bytes the server sent (gzip-compressed bodies and headers) for every
request from the first keystroke until the results are shown and the network is quiet: the
index files the query fetched (search/meta.json, search/t/*.json shards, result chunks,
words.json when nothing matched). search.js itself comes with the page, before the query, and
is shown apart ("+ search.js"). Budgets: 60 KB at 600 products, 150 KB at 20,000.

Then, on the 600-product site (the smallest size given, else none) with Chromium's CPU slowed
4x (CDP Emulation.setCPUThrottlingRate), the time from the last keystroke (its keydown) to the
first result of the final query drawn (the animation frame after it enters the list; when
the letter before found the same results, which search.js leaves as drawn, the frame after the
final query's count is written), debounce included, median and slowest over the queries, each
in a fresh context: target 300 ms.

Last, the time ``ocopsite.search.index_files`` (what ``make`` calls) takes to make the whole
index for a catalogue of `--index-size` products (default 3,000), in this process: its first
call on the catalogue (which also computes each entry's digest, as in a build), then with an
empty cache (target under 1 s) and with a warm one; wall and CPU time.

Usage: benchmarks/search_budget.py [N ...] [--delay MS] [--index-size N] [--latency-size N] [--index-only]
       [--verbose]   (default: 600 20000)
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from playwright.sync_api import Browser, sync_playwright  # noqa: E402
from synthetic import generate  # noqa: E402

from ocopsite import search  # noqa: E402
from ocopsite.build import build, build_date  # noqa: E402
from ocopsite.cache import Cache  # noqa: E402
from ocopsite.catalogue import make_catalogue  # noqa: E402
from ocopsite.errors import Problems  # noqa: E402
from ocopsite.i18n import load_strings  # noqa: E402
from ocopsite.load import load_site  # noqa: E402
from ocopsite.parallel import Workers  # noqa: E402
from ocopsite.urls import Urls  # noqa: E402
from ocopsite.validate import validate_site  # noqa: E402

CHROMIUM = "/usr/bin/chromium"  # Debian's, as in tests/conftest.py; never `playwright install`
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
BUDGETS = {600: 60_000, 20_000: 150_000}
LATENCY_TARGET = 0.300
INDEX_TARGET = 1.0
QUERIES = [("en/search/", "sea grapes"), ("en/search/", "Ninh Hoa"), ("vi/tim-kiem/", "nuoc mam"),
           ("vi/tim-kiem/", "dac san Cam Ranh"), ("en/search/", "dried squid"), ("vi/tim-kiem/", "mat ong rung"),
           ("en/search/", "agarwood"), ("vi/tim-kiem/", "xoai")]
QUIET = 0.5  # seconds without a request that end a page's or a search's traffic

# Marks, in the page, the last keystroke and when each node entered the results list, and the
# animation frame after that (when it is drawn).
WATCH = """
window.__lastKey = 0;
document.addEventListener("keydown", function (event) {
  if (event.target && event.target.id === "q") window.__lastKey = performance.now();
}, true);
document.addEventListener("DOMContentLoaded", function () {
  var list = document.getElementById("search-results");
  if (!list) return;
  new MutationObserver(function (records) {
    var now = performance.now();
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        node.__added = now;
        requestAnimationFrame(function () { node.__drawn = performance.now(); });
      });
    });
  }).observe(list, { childList: true });
  var count = document.getElementById("search-count");
  new MutationObserver(function () {
    var now = performance.now();
    requestAnimationFrame(function () { window.__counted = [now, performance.now()]; });
  }).observe(count, { childList: true, characterData: true, subtree: true });
});
"""


class Wire:
    """What the server sent, request by request: (time, path, bytes of headers and body, status)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[tuple[float, str, int, int]] = []

    def since(self, moment: float) -> list[tuple[str, int, int]]:
        """(path, bytes, status) of each response since ``moment``."""
        with self.lock:
            return [(path, size, status) for at, path, size, status in self.sent if at >= moment]

    def last(self) -> float:
        with self.lock:
            return self.sent[-1][0] if self.sent else 0.0

    def quiet(self, seconds: float = QUIET, limit: float = 30) -> None:
        """Wait until no request has come for ``seconds``."""
        start = time.monotonic()
        while time.monotonic() - max(self.last(), start) < seconds and time.monotonic() - start < limit:
            time.sleep(0.05)


class _Counted:
    """A wfile that counts what goes through it."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.count = stream, 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return int(self.stream.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class GzipHandler(SimpleHTTPRequestHandler):
    """A static host: text compressed with gzip (as tests/conftest.py serves it), a missing file
    answered with the site's 404.html and status 404 (as GitHub Pages, Netlify and Cloudflare
    Pages answer), every response counted in ``wire`` (headers and body as sent)."""

    TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml", ".webmanifest", ".txt")
    wire: Wire
    counted: _Counted
    status = 0

    def setup(self) -> None:
        super().setup()
        self.counted = _Counted(self.wfile)
        self.wfile = self.counted  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        before = self.counted.count
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle_one_request()
        if getattr(self, "path", None) and self.counted.count > before:
            with self.wire.lock:
                self.wire.sent.append((time.monotonic(), self.path, self.counted.count - before, self.status))

    def send_response(self, code: int, message: str | None = None) -> None:
        self.status = code
        super().send_response(code, message)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        path = path / "index.html" if path.is_dir() else path
        status = 200
        if not path.exists() and (Path(self.directory) / "404.html").is_file():
            path, status = Path(self.directory) / "404.html", 404  # the site's own, as hosts answer
        if "gzip" not in self.headers.get("Accept-Encoding", "") or path.suffix not in self.TEXT or not path.is_file():
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def http_server(docroot: Path, wire: Wire) -> Iterator[str]:
    """``docroot`` served on 127.0.0.1 with gzip; yields its address."""
    handler = type("Handler", (GzipHandler,), {"wire": wire})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(docroot)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def first_search(browser: Browser, wire: Wire, url: str, query: str, delay: float,
                 throttle: float = 1) -> tuple[list[tuple[str, int, int]], int, float | None, str]:
    """A first search in an empty browser context: (what the query fetched, bytes of search.js,
    seconds from the last keystroke to the first result drawn, what #search-count says)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(WATCH)
        loaded = time.monotonic()
        page.goto(url)
        page.wait_for_load_state("networkidle")
        wire.quiet()  # the service worker installs and saves the shell after the load
        script = sum(size for path, size, _ in wire.since(loaded) if "/search" in path and path.endswith(".js"))
        if throttle != 1:
            page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        began = time.monotonic()
        page.locator("#q").press_sequentially(query, delay=delay)
        page.wait_for_function("""query => new URLSearchParams(location.search).get('q') === query
          && document.getElementById('search-count').textContent.indexOf(' ') > 0""", arg=query, timeout=60_000)
        wire.quiet()
        page.wait_for_timeout(300)
        drawn = page.evaluate("""() => {
          var first = document.getElementById('search-results').firstElementChild;
          if (first && first.__drawn !== undefined && first.__added >= window.__lastKey) {
            return first.__drawn - window.__lastKey;
          }
          // The results of the letter before were those of the final query, and stayed as
          // drawn: the final query is answered when its count is drawn.
          var counted = window.__counted;
          if (!first || !counted || counted[0] < window.__lastKey) return null;
          return counted[1] - window.__lastKey;
        }""")
        count = page.locator("#search-count").inner_text()
        return wire.since(began), script, None if drawn is None else drawn / 1000, count
    finally:
        context.close()


def index_time(count: int, folder: Path, runs: int = 3) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds ``search.index_files`` takes on a catalogue of ``count`` products:
    "first", its first call on a new catalogue, as in a build (it is the first to ask each entry
    for its digest, which the build needs anyway); "empty cache", the median of ``runs`` calls
    with an empty cache once the digests are known (the index's own work in a clean build);
    "warm cache", with the cache of the call before, as a rebuild under serve."""
    site = generate(count, folder)
    cache, problems = Cache(), Problems()
    raw = load_site(site, problems, cache)
    valid = validate_site(raw, problems, cache, Workers())
    strings = load_strings(raw.ui, valid.config, problems)
    problems.raise_if_errors()
    urls = Urls({code: s.sections for code, s in strings.items()}, valid.config.base_url)
    cat = make_catalogue(valid, build_date(), problems)

    def timed(cache: Cache) -> tuple[float, float]:
        cache.start()
        start, began = time.perf_counter(), time.process_time()
        search.index_files(cat, strings, urls, cache)
        return time.perf_counter() - start, time.process_time() - began

    found = {"first": timed(Cache())}
    cold = [timed(Cache()) for _ in range(runs)]
    found["empty cache"] = (statistics.median(w for w, _ in cold), statistics.median(c for _, c in cold))
    kept = Cache()
    timed(kept)
    found["warm cache"] = timed(kept)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[600, 20_000])
    parser.add_argument("--delay", type=float, default=150, help="ms between two keys typed (default 150)")
    parser.add_argument("--index-size", type=int, default=3000, help="products for the index timing (0: skip)")
    parser.add_argument("--latency-size", type=int, default=600, help="the size whose site is timed (default 600)")
    parser.add_argument("--verbose", action="store_true", help="list every response of every search")
    parser.add_argument("--index-only", action="store_true", help="only time the index (no browser)")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1748736000")
    verdicts: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for count in [] if args.index_only else args.sizes:
            with tempfile.TemporaryDirectory() as tmp:
                site = generate(count, Path(tmp) / "site")
                start = time.perf_counter()
                result = build(site, Path(tmp) / "output")
                seconds = time.perf_counter() - start
                index = [p for p in (Path(tmp) / "output" / "search").rglob("*") if p.is_file()]
                raw = sum(p.stat().st_size for p in index)
                packed = sum(len(gzip.compress(p.read_bytes(), mtime=0)) for p in index)
                print(f"{count} products: built in {seconds:.1f} s ({result.pages} pages); search index on disk:"
                      f" {len(index)} files, {raw / 1000:.0f} KB, {packed / 1000:.0f} KB gzipped", flush=True)
                budget = BUDGETS.get(count)
                totals, latencies = [], []
                wire = Wire()
                with http_server(Path(tmp) / "output", wire) as url:
                    for path, query in QUERIES:
                        parts, script, _, said = first_search(browser, wire, url + path, query, args.delay)
                        total = sum(size for _, size, _ in parts)
                        missing = [size for _, size, status in parts if status == 404]
                        totals.append(total)
                        verdict = "" if budget is None else (" ok" if total <= budget else
                                                             f" OVER by {(total - budget) / 1000:.1f} KB")
                        top = sorted(parts, key=lambda p: -p[1])[:4]
                        largest = ", ".join(f"{name.rsplit('/search/', 1)[-1]} {size / 1000:.1f}"
                                            for name, size, _ in top)
                        print(f"  /{path} {query!r} ({said}): {total / 1000:.1f} KB in {len(parts)} responses"
                              f" ({len(missing)} of them 404, {sum(missing) / 1000:.1f} KB){verdict};"
                              f" + search.js {script / 1000:.1f} KB (largest KB: {largest})", flush=True)
                        if args.verbose:
                            print("    " + ", ".join(f"{name} {size}" + (" (404)" if status == 404 else "")
                                                     for name, size, status in parts))
                    if budget is not None:
                        worst = max(totals)
                        verdicts.append(f"bytes of a first search at {count:,}: largest {worst / 1000:.1f} KB, median"
                                        f" {statistics.median(totals) / 1000:.1f} KB (budget {budget / 1000:.0f} KB): "
                                        + ("met" if worst <= budget else
                                           f"MISSED by {(worst - budget) / 1000:.1f} KB"))
                    if count == args.latency_size:
                        print(f"  time from the last keystroke to the first result drawn, CPU slowed 4x,"
                              f" {args.delay:.0f} ms between keys:", flush=True)
                        for path, query in QUERIES:
                            _, _, seconds_shown, said = first_search(browser, wire, url + path, query, args.delay,
                                                                     throttle=4)
                            if seconds_shown is not None:
                                latencies.append(seconds_shown)
                            shown = "no result" if seconds_shown is None else f"{seconds_shown * 1000:.0f} ms"
                            print(f"    /{path} {query!r} ({said}): {shown}", flush=True)
                        if latencies:
                            median, slowest = statistics.median(latencies), max(latencies)
                            verdicts.append(
                                f"last keystroke to first result at {count:,}, CPU 4x slower: median"
                                f" {median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms (target: every query"
                                f" within {LATENCY_TARGET * 1000:.0f} ms): "
                                + ("met" if slowest <= LATENCY_TARGET else
                                   f"MISSED by {(slowest - LATENCY_TARGET) * 1000:.0f} ms"))
        browser.close()
    if args.index_size:
        with tempfile.TemporaryDirectory() as tmp:
            times = index_time(args.index_size, Path(tmp) / "site")
        print(f"search.index_files at {args.index_size:,} products: "
              + "; ".join(f"{label} {wall:.3f} s ({cpu:.3f} s CPU)" for label, (wall, cpu) in times.items()),
              flush=True)
        wall, cpu = times["empty cache"]
        verdicts.append(f"index made at {args.index_size:,} (empty cache, entry digests known): {wall:.3f} s,"
                        f" {cpu:.3f} s CPU (target under {INDEX_TARGET:.0f} s): "
                        + ("met" if wall < INDEX_TARGET else f"MISSED by {wall - INDEX_TARGET:.3f} s"))
    print("\ntargets:")
    for line in verdicts:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
