#!/usr/bin/env python3
"""How soon an editor sees a save: ``ocopsite serve`` on a synthetic catalogue, for real.

Starts ``ocopsite serve`` on 127.0.0.1, waits for its first build, then saves one product file
again and again (its summary changed) and times each save until the product's page, fetched
over HTTP, shows the change, and how long serve says the rebuild took. Also prints the CPU the
server spends over 10 idle seconds.

Usage: benchmarks/preview.py [N] [--runs R]   (default: 3000 products, 5 runs)
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import generate  # noqa: E402


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        site = generate(args.count, Path(scratch) / "site")
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1748736000", "PYTHONPATH": str(ROOT)}
        log = Path(scratch) / "serve.log"
        with log.open("w") as stream:
            server = subprocess.Popen([sys.executable, "-m", "ocopsite", "serve", str(site), "--port", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=stream, env=env)
        try:
            page = f"http://127.0.0.1:{port}/vi/san-pham/san-pham-7/"
            start = time.perf_counter()
            while not fetch(page) and time.perf_counter() - start < 600:
                time.sleep(0.2)
            print(f"{args.count} products: served after {time.perf_counter() - start:.1f} s", flush=True)
            time.sleep(5)  # the search index is made after the first build
            before = cpu_seconds(server.pid)
            time.sleep(10)
            print(f"idle: {cpu_seconds(server.pid) - before:.2f} s of CPU in 10 s")
            product = site / "content/products/san-pham-7/product.yaml"
            original = product.read_text(encoding="utf-8")
            times = []
            for run in range(args.runs):
                mark = f"Edit {run} "
                edited = original.replace("\nsummary:\n  vi: ", f"\nsummary:\n  vi: {mark}", 1)
                assert edited != original, "the synthetic product has a summary"
                product.write_text(edited, encoding="utf-8")
                saved = time.perf_counter()
                while mark not in fetch(page):
                    if time.perf_counter() - saved > 60:
                        raise SystemExit("the edit did not show within a minute")
                    time.sleep(0.01)
                times.append(time.perf_counter() - saved)
                time.sleep(8)  # let the search index catch up, as an editor reading the page would
            print(f"save to page shown: median {statistics.median(times):.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f})")
            rebuilds = [float(m) for m in re.findall(r"Rebuilt \d+ pages in ([0-9.]+) s", log.read_text())][1:]
            print(f"of which the rebuild, as serve reports it: median {statistics.median(rebuilds):.2f} s "
                  f"(min {min(rebuilds):.2f}, max {max(rebuilds):.2f})")
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
