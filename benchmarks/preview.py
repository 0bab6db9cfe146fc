#!/usr/bin/env python3
"""How soon an editor sees a save: ``ocopsite serve`` on a synthetic catalogue, for real.

Starts ``ocopsite serve`` on 127.0.0.1 (a subprocess), waits for its first build (and the
rebuild it makes once its watch runs), then saves
one product file again and again (its summary changed) and times each save until the product's
page, fetched over HTTP every 10 ms, shows the change: serve's wait for a quiet moment after a
save (``serve.QUIET``), the rebuild and the fetch, all counted. Also prints how long serve says
each rebuild took, and the CPU the server spends over 10 idle seconds. Targets: a save shown
in under 0.5 s at 600 products, under 1.5 s at 3,000.

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

from ocopsite.serve import QUIET  # noqa: E402

TARGETS = {600: 0.5, 3000: 1.5}  # seconds from a save to the page showing it


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except OSError:
        return ""


def rebuilt(log: Path) -> list[float]:
    """The time of each rebuild that serve reported, in order (the first one, asked for when the
    watch began, sees what was saved during serve's first build)."""
    return [float(m) for m in re.findall(r"Rebuilt \d+ pages in ([0-9.]+) s", log.read_text())]


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
            if not fetch(page):
                raise SystemExit(f"serve did not show {page} within 10 minutes:\n{log.read_text()[-2000:]}")
            print(f"{args.count} products: served after {time.perf_counter() - start:.1f} s", flush=True)
            while not rebuilt(log) and time.perf_counter() - start < 660:  # the look once the watch runs
                time.sleep(0.1)
            time.sleep(2)
            before = cpu_seconds(server.pid)
            time.sleep(10)
            print(f"idle: {cpu_seconds(server.pid) - before:.2f} s of CPU in 10 s")
            product = site / "content/products/san-pham-7/product.yaml"
            original = product.read_text(encoding="utf-8")
            times, cpu = [], []
            for run in range(args.runs):
                mark = f"Edit {run} "
                edited = original.replace("\nsummary:\n  vi: ", f"\nsummary:\n  vi: {mark}", 1)
                if edited == original:
                    raise SystemExit("the synthetic product has no summary to edit")
                used = cpu_seconds(server.pid)
                product.write_text(edited, encoding="utf-8")
                saved = time.perf_counter()
                while mark not in fetch(page):
                    if time.perf_counter() - saved > 60:
                        raise SystemExit(f"the edit did not show within a minute:\n{log.read_text()[-2000:]}")
                    time.sleep(0.01)
                times.append(time.perf_counter() - saved)
                cpu.append(cpu_seconds(server.pid) - used)
                time.sleep(1.5)  # an editor reads the page before saving again
            median = statistics.median(times)
            target = TARGETS.get(args.count)
            verdict = "" if target is None else (f"; target under {target} s: "
                                                 + ("met" if median < target else f"MISSED by {median - target:.2f} s"))
            print(f"save to page shown: median {median:.3f} s (min {min(times):.3f}, max {max(times):.3f};"
                  f" {', '.join(f'{t:.3f}' for t in times)}){verdict}")
            print(f"CPU serve used from a save to the page shown: median {statistics.median(cpu):.2f} s"
                  " (near the rebuild's wall time on a quiet machine: it rebuilds in one process)")
            rebuilds = rebuilt(log)[1:]  # not the look once the watch runs, which nothing had changed for
            if rebuilds:
                print(f"of which the rebuild, as serve reports it: median {statistics.median(rebuilds):.3f} s "
                      f"(min {min(rebuilds):.3f}, max {max(rebuilds):.3f}, {len(rebuilds)} rebuilds); "
                      f"serve first waits {QUIET} s for a quiet moment after a save")
            else:
                print("serve reported no rebuild:\n" + log.read_text()[-2000:])
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
