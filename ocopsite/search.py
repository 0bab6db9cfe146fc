"""Search: product pages are indexed with Pagefind (static files, searched in the browser).

Each product page carries a hidden search record (``search_record``) that Pagefind indexes
instead of the visible page: the texts a tourist types (names, producer, place and former
district, category, summary), folded to plain ASCII letters (tone and vowel marks dropped,
đ written d), with the star level, category and place as words such as ``ocopfstars5``.
The search page folds the query the same way and adds the filter words to it.

- Folding at build time is what makes "dac san" find "Đặc sản": Pagefind folds tone marks but
  not đ, and it keeps all the accented spellings of a syllable in one index chunk, so a
  Vietnamese index of accented words splits badly and the first search downloads far more.
- Filters as words: Pagefind's own filter files come out in a different order on every run,
  and the build must be reproducible.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from ocopsite.catalogue import Entry
from ocopsite.errors import Problem, SiteError
from ocopsite.model import Localized
from ocopsite.slugs import fold  # the search page folds queries the same way
from ocopsite.urls import Urls
from ocopsite.write import swap

BUNDLE = "pagefind"
# Pagefind also writes ready-made interfaces; the site has its own, so these are not published.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
          "pagefind-modular-ui.js", "pagefind-modular-ui.css", "pagefind-highlight.js")


def filter_word(name: str, value: str | int) -> str:
    """The indexed word that stands for a filter value: ``ocopfcategorygiavi``."""
    return f"ocopf{name}{str(value).replace('-', '')}"


def search_record(entry: Entry, chain: tuple[str, ...]) -> list[tuple[int, str]]:
    """What a product page is found by, folded, each with its Pagefind weight."""
    def text(value: Localized | None, language: tuple[str, ...] = chain) -> str:
        return fold(value.get(language)[0]) if value is not None else ""

    place = entry.place
    where = f"{text(place.name)} {text(place.formerly)}" if place else fold(entry.producer.address or "")
    filters = [filter_word("stars", entry.product.stars), filter_word("category", entry.group.slug)]
    if place is not None:
        filters.append(filter_word("place", place.slug))
    rows = [
        (10, text(entry.product.name)),
        (5, text(entry.product.name, chain[-1:])),  # the name on the label, in the default language
        (3, text(entry.producer.name)),
        (2, where),
        (1, f"{text(entry.group.name)} {text(entry.sector.name)} {text(entry.product.summary)}"),
        (1, " ".join(filters)),
    ]
    if rows[1][1] == rows[0][1]:
        del rows[1]
    return [(weight, value.strip()) for weight, value in rows if value.strip()]


def index_pages(site: Path, glob: str | None = None, bundle: str = BUNDLE) -> None:
    """Index the pages under ``site`` that mark themselves with ``data-pagefind-body``, into
    ``site/bundle``; with ``glob``, Pagefind reads only the files it matches (the product pages)."""
    command = [str(_executable()), "--site", str(site), "--output-subdir", bundle, "--silent",
               *(["--glob", glob] if glob else [])]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise SiteError([Problem("search index", 0, f"Pagefind failed: {detail[-1] if detail else result.returncode}")])
    for name in UNUSED:
        (site / bundle / name).unlink(missing_ok=True)
    _sort_languages(site / bundle / "pagefind-entry.json")
    _offline_lists(site / bundle)
    shutil.rmtree(site / bundle / "playground", ignore_errors=True)


def reindex(site: Path, glob: str | None = None) -> None:
    """Index a published folder again in place: the new index is made beside the old one, then
    swapped with it, so that searches never see half an index."""
    fresh = site / f".{BUNDLE}-new"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        index_pages(site, glob, fresh.name)
        swap(fresh, site / BUNDLE)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)  # after an exchange, the old index


def product_pages(urls: Urls, languages: Iterable[str]) -> str:
    """A Pagefind glob for the product pages of every language: "{vi/san-pham,en/products}/*/index.html"."""
    return "{" + ",".join(f"{lang}/{urls.sections[lang]['products']}" for lang in languages) + "}/*/index.html"


def _sort_languages(entry: Path) -> None:
    """Pagefind lists the languages in a different order from run to run: fix it."""
    data = json.loads(entry.read_text(encoding="utf-8"))
    data["languages"] = dict(sorted(data["languages"].items()))
    entry.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _offline_lists(bundle: Path) -> None:
    """For the service worker (templates/sw.js), one ``offline.<lang>.json`` per language: the
    files a search in that language needs (code, WebAssembly, metadata, index and filter chunks),
    and the fragment of each page, so that the pages a visitor opened can be found offline."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    for lang, index in entry["languages"].items():
        prefix = index["hash"].rpartition("_")[0] + "_"
        chunks = sorted(p.relative_to(bundle).as_posix() for folder in ("index", "filter")
                        for p in (bundle / folder).glob(prefix + "*"))
        files = ["pagefind-entry.json", "pagefind.js", f"pagefind.{index['hash']}.pf_meta",
                 f"wasm.{index['wasm'] or 'unknown'}.pagefind", *chunks]
        pages = {}
        for fragment in sorted((bundle / "fragment").glob(prefix + "*")):
            data = gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd")
            pages[json.loads(data)["url"].lstrip("/")] = fragment.relative_to(bundle).as_posix()
        text = json.dumps({"files": files, "pages": dict(sorted(pages.items()))}, ensure_ascii=False,
                          separators=(",", ":"))
        (bundle / f"offline.{lang}.json").write_text(text, encoding="utf-8")


def _executable() -> Path:
    from pagefind_bin_extended import get_executable

    return Path(get_executable())
