"""Search: product pages are indexed with Pagefind (static files, searched in the browser).

Each product page carries hidden search terms (``search_terms``) that Pagefind indexes:

- Pagefind folds tone and vowel marks but not đ/Đ, so the page's texts that contain đ are
  repeated with d, and the search page folds the query the same way: "dac san" and
  "đặc sản" then both find "Đặc sản".
- The star level, category and place are words such as ``ocopfstars5``, which the search
  page adds to the query. Pagefind's own filters would do this, but their files differ
  from build to build (their order is not fixed), and the build must be reproducible.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ocopsite.catalogue import Entry
from ocopsite.errors import Problem, SiteError

BUNDLE = "pagefind"
# Pagefind also writes ready-made interfaces; the site has its own, so these are not published.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")


def fold(text: str) -> str:
    """Write đ/Đ as d/D, the one Vietnamese letter that Pagefind does not fold."""
    return text.replace("đ", "d").replace("Đ", "D")


def folded_terms(entry: Entry, chain: tuple[str, ...]) -> str:
    """The product's searchable texts that contain đ, folded; empty when none does."""
    texts = [entry.product.name, entry.producer.name, entry.group.name, entry.sector.name, entry.product.summary]
    if entry.place is not None:
        texts += [entry.place.name, entry.place.formerly]
    words = [value.get(chain)[0] for value in texts if value is not None]
    words += [entry.producer.address or ""]
    return " ".join(fold(w) for w in words if "đ" in w.lower())


def filter_word(name: str, value: str | int) -> str:
    """The indexed word that stands for a filter value: ``ocopfcategorygiavi``."""
    return f"ocopf{name}{str(value).replace('-', '')}"


def search_terms(entry: Entry, chain: tuple[str, ...]) -> str:
    """Hidden words that make a product page findable: folded texts and filter words."""
    filters = [filter_word("stars", entry.product.stars), filter_word("category", entry.group.slug)]
    if entry.place is not None:
        filters.append(filter_word("place", entry.place.slug))
    return " ".join([*filters, folded_terms(entry, chain)]).strip()


def index_pages(site: Path) -> None:
    """Index the pages under ``site`` that mark themselves with ``data-pagefind-body``."""
    command = [str(_executable()), "--site", str(site), "--output-subdir", BUNDLE, "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise SiteError([Problem("search index", 0, f"Pagefind failed: {detail[-1] if detail else result.returncode}")])
    for name in UNUSED:
        (site / BUNDLE / name).unlink(missing_ok=True)
    _sort_languages(site / BUNDLE / "pagefind-entry.json")
    shutil.rmtree(site / BUNDLE / "playground", ignore_errors=True)


def _sort_languages(entry: Path) -> None:
    """Pagefind lists the languages in a different order from run to run: fix it."""
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data["languages"].items()))
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _executable() -> Path:
    from pagefind_bin_extended import get_executable

    return Path(get_executable())
