#!/usr/bin/env python3
"""Builds of synthetic catalogues, ocopsite beside Hugo, on this machine, in one run.

For each size N: generate a catalogue in the real content format (benchmarks/synthetic.py),
write the same products as a Hugo site (products, producers, star levels and categories in
two languages, links built from front matter: the fast way to write Hugo templates), then,
`--runs` times, alternating so that a noisy moment hits all three:

- ocopsite clean: `python3 -m ocopsite build SITE -o OUT` with no OUT and no .ocopsite-cache;
- ocopsite warm: the same after ONE product file changed, with the .ocopsite-cache of the
  build before kept on disk and OUT removed (what a CI job that keeps the cache folder does);
- warm, output: the same with OUT and its spare kept too (an editor's `ocopsite build`, or
  `make`, after an edit: only the files that differ are written);
- Hugo clean: Debian's `hugo` with no output and no resources/ folder.

Each is a subprocess; printed are the median wall time, CPU time (user + system of the whole
process tree), pages per second and peak memory (proportional set size of the whole process
tree, sampled every 50 ms: a page that forked workers share is counted once). Then the
project's targets: warm ocopsite / clean Hugo at 3,000 products ≤ 1.0; pages per second at
20,000 at least 80 % of that at 3,000; peak memory no higher than Hugo's at 3,000 and 20,000.
Hugo is Debian's `hugo` (apt-get install -y hugo); without it, only ocopsite is measured.

Usage: benchmarks/build_speed.py [N ...] [--runs R] [--keep DIR]   (default: 300 3000 20000)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from synthetic import generate, toggle  # noqa: E402

from ocopsite.build import build_date  # noqa: E402
from ocopsite.cache import FOLDER, Cache  # noqa: E402
from ocopsite.catalogue import Catalogue, make_catalogue  # noqa: E402
from ocopsite.errors import Problems  # noqa: E402
from ocopsite.load import load_site  # noqa: E402
from ocopsite.parallel import Workers  # noqa: E402
from ocopsite.validate import validate_site  # noqa: E402

EPOCH = "1748736000"
TOOLS = ("ocopsite", "warm", "local", "hugo")  # row order
LABELS = {"ocopsite": "ocopsite clean", "warm": "ocopsite warm", "local": "warm, output", "hugo": "Hugo clean"}


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    peak_mb: float
    pages: int


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                tree.setdefault(int(fields[1]), []).append(int(entry.name))
            except OSError:
                continue
    return tree


def _tree_memory(pid: int) -> int:
    """Memory of ``pid`` and all its descendants, as proportional set size: a page that forked
    workers share with their parent is counted once, split between them, not once per process."""
    tree = _children()
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(tree.get(current, []))
        try:
            with open(f"/proc/{current}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def measure(command: list[str], cwd: Path, output: Path, remove: tuple[Path, ...] = (), clear: bool = True) -> Run:
    """Run ``command`` once, after removing ``output`` (unless not ``clear``) and the folders
    ``remove``; time it and watch its memory."""
    kept_by_build = (output, output.with_name(f".{output.name}.spare")) if clear else ()
    for folder in (*kept_by_build, *remove):
        shutil.rmtree(folder, ignore_errors=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)}
    before = os.times()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_memory(process.pid))
            time.sleep(0.05)  # a sample costs about 2 ms of CPU: sampled every 50 ms, the build keeps its cores

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = os.times()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors.decode()[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    pages = sum(1 for _ in output.rglob("*.html"))
    return Run(wall, cpu, peak / 1e6, pages)


def catalogue(source: Path) -> Catalogue:
    """The catalogue of the site at ``source``: the build's first three steps, in memory."""
    cache, problems = Cache(), Problems()
    site = validate_site(load_site(source, problems, cache), problems, cache, Workers(1))
    return make_catalogue(site, build_date(), problems)


def hugo_site(source: Path, dest: Path) -> None:
    """The catalogue at ``source`` as a bilingual Hugo site with the same products and producers."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", EPOCH)
    cat = catalogue(source)
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "layouts" / "_default").mkdir(parents=True)
    (dest / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (dest / "layouts" / "_default" / name).write_text(text, encoding="utf-8")

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    for lang in ("vi", "en"):
        chain = (lang, "vi")
        for producer in cat.site.producers:
            folder = dest / "content" / "producers" / producer.slug
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"_index.{lang}.md").write_text(
                f"---\ntitle: {quoted(producer.name.get(chain)[0])}\nkind: {producer.kind}\n"
                f"address: {quoted(producer.address or '')}\nphone: {quoted(producer.phone or '')}\n---\n"
                + (producer.body.html.get(chain)[0] if producer.body.html else ""), encoding="utf-8")
        for e in cat.products:
            p, rec = e.product, e.product.recognition
            folder = dest / "content" / "products" / p.slug
            folder.mkdir(parents=True, exist_ok=True)
            front = [
                f"title: {quoted(p.name.get(chain)[0])}",
                f"summary: {quoted(p.summary.get(chain)[0] if p.summary else '')}",
                f"stars: [\"{p.stars}\"]", f"categories: [{e.group.slug}]", f"producers: [{e.producer.slug}]",
                f"producer_name: {quoted(e.producer.name.get(chain)[0])}",
                f"category_name: {quoted(e.group.name.get(chain)[0])}",
                f"place: {quoted(e.place.name.get(chain)[0] if e.place else '')}",
                f"decision: {quoted(rec.decision or '' if rec else '')}",
                f"recognised: {quoted(_iso(rec.date) if rec else '')}",
                f"expires: {quoted(_iso(rec.expiry) if rec else '')}",
                f"status: {e.status.code}",
            ]
            body = p.body.html.get(chain)[0] if p.body.html else ""
            (folder / f"index.{lang}.md").write_text("---\n" + "\n".join(front) + "\n---\n" + body + "\n",
                                                     encoding="utf-8")


def _iso(when: object) -> str:
    """A date as ISO text; a date known only within bounds as its earliest day."""
    if when is None:
        return ""
    iso = getattr(when, "iso", None)
    if iso is not None:
        return str(iso())
    first = when.earliest()  # type: ignore[attr-defined]
    return first.isoformat() if first else ""


HUGO_CONFIG = """baseURL = "https://example.org/catalogue/"
title = "OCOP"
defaultContentLanguage = "vi"
defaultContentLanguageInSubdir = true
disableKinds = ["RSS", "sitemap", "robotsTXT"]
[taxonomies]
  star = "stars"
  category = "categories"
[languages.vi]
  weight = 1
  languageName = "Tiếng Việt"
[languages.en]
  weight = 2
  languageName = "English"
[markup.goldmark.renderer]
  unsafe = true
"""

HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html><html lang="{{ .Lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ range .Translations }}<link rel="alternate" hreflang="{{ .Lang }}" href="{{ .Permalink }}">{{ end }}
</head><body><header><a href="{{ "" | relLangURL }}">{{ .Site.Title }}</a>
<nav><a href="{{ "stars/" | relLangURL }}">★</a> <a href="{{ "categories/" | relLangURL }}">Categories</a>
<a href="{{ "producers/" | relLangURL }}">Producers</a></nav>
{{ range .Translations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Lang }}">{{ .Language.LanguageName }}</a>{{ end }}
</header><main>{{ block "main" . }}{{ end }}</main><footer>OCOP</footer></body></html>
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>
{{ $stars := index .Params.stars 0 }}{{ $cat := index .Params.categories 0 }}
{{ $producer := index .Params.producers 0 }}
<dl><dt>Stars</dt><dd><a href="{{ printf "stars/%s/" $stars | relLangURL }}">{{ $stars }} ★</a></dd>
<dt>Category</dt><dd><a href="{{ printf "categories/%s/" $cat | relLangURL }}">{{ .Params.category_name }}</a></dd>
<dt>Producer</dt><dd><a href="{{ printf "producers/%s/" $producer | relLangURL }}">{{ .Params.producer_name }}</a></dd>
<dt>Place</dt><dd>{{ .Params.place }}</dd><dt>Decision</dt><dd>{{ .Params.decision }}</dd>
<dt>Recognised</dt><dd>{{ .Params.recognised }}</dd><dt>Expires</dt><dd>{{ .Params.expires }}</dd>
<dt>Status</dt><dd>{{ .Params.status }}</dd></dl>{{ .Content }}</article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Params.summary }}</li>{{ end }}</ul>
{{ end }}
""",
}


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[300, 3000, 20_000])
    parser.add_argument("--runs", type=int, default=3, help="builds per tool and size (median)")
    parser.add_argument("--keep", type=Path, help="keep the generated sites in this folder")
    args = parser.parse_args()
    hugo = shutil.which("hugo")
    if hugo is None:
        print("hugo not found (apt-get install -y hugo): measuring ocopsite only", file=sys.stderr)
    else:
        version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
        print(f"{version}; {os.cpu_count()} cores; {args.runs} runs per row, median wall and CPU, highest peak")
    print(f"{'products':>8} {'build':<15} {'pages':>7} {'wall s':>8} {'CPU s':>8} {'pages/s':>8} {'peak MB':>8}"
          f" {'/ Hugo':>7}")
    results: dict[int, dict[str, Run]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        for size in args.sizes:
            site = generate(size, work / f"ocopsite-{size}")
            out = work / "out"
            ours = [sys.executable, "-m", "ocopsite", "build", str(site), "-o", str(out)]
            product = site / "content" / "products" / f"san-pham-{size // 2}" / "product.yaml"
            tools: dict[str, tuple[list[str], Path, tuple[Path, ...]]] = {
                "ocopsite": (ours, out, (site / FOLDER,)),
                "warm": (ours, out, ()),
                "local": (ours, out, ()),  # as "warm", but with the output of the build before kept
            }
            if hugo:
                hugo_site(site, work / f"hugo-{size}")
                tools["hugo"] = ([hugo, "--quiet", "-s", str(work / f"hugo-{size}"), "-d", str(work / "hugo-out")],
                                 work / "hugo-out", (work / f"hugo-{size}" / "resources",))
            runs: dict[str, list[Run]] = {name: [] for name in tools}
            for _ in range(args.runs):  # alternate, so that a noisy moment hits every kind of build
                for name, (command, output, remove) in tools.items():
                    if name in ("warm", "local"):  # one product changed since the build before
                        toggle(product, "\nsummary:\n  vi: ", "\nsummary:\n  vi: Mới, ")
                    runs[name].append(measure(command, ROOT, output, remove, clear=name != "local"))
            medians = {name: Run(statistics.median(r.wall for r in found), statistics.median(r.cpu for r in found),
                                 max(r.peak_mb for r in found), found[0].pages)
                       for name, found in runs.items()}
            results[size] = medians
            for name in TOOLS:
                if name not in medians:
                    continue
                run = medians[name]
                ratio = f"{run.wall / medians['hugo'].wall:7.2f}" if "hugo" in medians and name != "hugo" else ""
                print(f"{size:>8} {LABELS[name]:<15} {run.pages:>7} {run.wall:>8.2f} {run.cpu:>8.2f}"
                      f" {run.pages / run.wall:>8.0f} {run.peak_mb:>8.0f} {ratio}", flush=True)
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(work / "hugo-out", ignore_errors=True)
    print("\ntargets:")
    if 3000 in results and "hugo" in results[3000]:
        r = results[3000]
        times = r["warm"].wall / r["hugo"].wall
        print(f"  warm ocopsite / clean Hugo at 3,000: {r['warm'].wall:.2f} s / {r['hugo'].wall:.2f} s = {times:.2f}"
              f" (target <= 1.0): {verdict(times <= 1.0)}")
    if 3000 in results and 20_000 in results:
        small, large = (results[n]["ocopsite"] for n in (3000, 20_000))
        share = (large.pages / large.wall) / (small.pages / small.wall)
        print(f"  clean pages/s at 20,000 vs 3,000: {large.pages / large.wall:.0f} / {small.pages / small.wall:.0f}"
              f" = {share:.0%} (target >= 80%): {verdict(share >= 0.8)}")
    for size in (3000, 20_000):
        if size in results and "hugo" in results[size]:
            r = results[size]
            for name in ("ocopsite", "warm"):
                print(f"  peak memory at {size:,}, {LABELS[name]} vs Hugo clean: {r[name].peak_mb:.0f} MB vs"
                      f" {r['hugo'].peak_mb:.0f} MB = {r[name].peak_mb / r['hugo'].peak_mb:.2f}"
                      f" (target <= 1.0): {verdict(r[name].peak_mb <= r['hugo'].peak_mb)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
