#!/usr/bin/env python3
"""Full clean builds of synthetic catalogues, ocopsite beside Hugo, on this machine, in one run.

For each size N: generate a catalogue in the real content format (benchmarks/synthetic.py),
write the same products as a Hugo site (products, producers, star levels and categories in
two languages, links built from front matter: the fast way to write Hugo templates), then
build each one `--runs` times from clean and print the median wall time, CPU time (user +
system, all processes), pages per second and peak memory (proportional set size of the whole
process tree, sampled every 10 ms). The ratio column is Hugo's wall time over ocopsite's: above
1, ocopsite is faster. Hugo is Debian's `hugo` (apt-get install -y hugo); without it, only
ocopsite is measured.

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

from synthetic import generate  # noqa: E402

from ocopsite.build import load  # noqa: E402

EPOCH = "1748736000"


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


def measure(command: list[str], cwd: Path, output: Path, caches: tuple[Path, ...] = ()) -> Run:
    """Run ``command`` once, from a clean output folder and no cache; time it and watch its memory."""
    for folder in (output, *caches):
        shutil.rmtree(folder, ignore_errors=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    before = os.times()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_memory(process.pid))
            time.sleep(0.01)

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


def hugo_site(source: Path, dest: Path) -> None:
    """The catalogue at ``source`` as a bilingual Hugo site with the same products and producers."""
    cat = load(source).catalogue
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
                f"recognised: {quoted(rec.date.iso() if rec and rec.date else '')}",
                f"expires: {quoted(rec.expiry.iso() if rec and rec.expiry else '')}",
                f"status: {e.status.code}",
            ]
            body = p.body.html.get(chain)[0] if p.body.html else ""
            (folder / f"index.{lang}.md").write_text("---\n" + "\n".join(front) + "\n---\n" + body + "\n",
                                                     encoding="utf-8")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[300, 3000, 20_000])
    parser.add_argument("--runs", type=int, default=3, help="clean builds per tool and size (median)")
    parser.add_argument("--keep", type=Path, help="keep the generated sites in this folder")
    args = parser.parse_args()
    hugo = shutil.which("hugo")
    if hugo is None:
        print("hugo not found (apt-get install -y hugo): measuring ocopsite only", file=sys.stderr)
    print(f"{'products':>8} {'tool':<9} {'pages':>7} {'wall s':>8} {'CPU s':>8} {'pages/s':>8} {'peak MB':>8}"
          f" {'Hugo/ours':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        for size in args.sizes:
            site = generate(size, work / f"ocopsite-{size}")
            ours = [sys.executable, "-m", "ocopsite", "build", str(site), "-o", str(work / "out")]
            tools: dict[str, tuple[list[str], Path, tuple[Path, ...]]] = {
                "ocopsite": (ours, work / "out", (site / ".ocopsite-cache",))}
            if hugo:
                hugo_site(site, work / f"hugo-{size}")
                tools["hugo"] = ([hugo, "--quiet", "-s", str(work / f"hugo-{size}"), "-d", str(work / "hugo-out")],
                                 work / "hugo-out", (work / f"hugo-{size}" / "resources",))
            runs: dict[str, list[Run]] = {name: [] for name in tools}
            for _ in range(args.runs):  # alternate the tools, so that a noisy moment hits both
                for name, (command, output, caches) in tools.items():
                    runs[name].append(measure(command, ROOT, output, caches))
            medians = {name: Run(statistics.median(r.wall for r in found), statistics.median(r.cpu for r in found),
                                 max(r.peak_mb for r in found), found[0].pages)
                       for name, found in runs.items()}
            for name, run in medians.items():
                ratio = f"{medians['hugo'].wall / run.wall:9.2f}" if "hugo" in medians and name == "ocopsite" else ""
                print(f"{size:>8} {name:<9} {run.pages:>7} {run.wall:>8.2f} {run.cpu:>8.2f}"
                      f" {run.pages / run.wall:>8.0f} {run.peak_mb:>8.0f} {ratio}", flush=True)
            shutil.rmtree(work / "out", ignore_errors=True)
            shutil.rmtree(work / "hugo-out", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
