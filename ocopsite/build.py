"""The whole pipeline, top to bottom: load → validate → catalogue → plan → render → links → write.

``build`` and ``check`` run it for the command line, and ``serve`` for every rebuild: the same
steps, each a function of what the one before gave. Speed comes from ``cache`` alone: every
result kept there is keyed by a digest of what it is made from.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ocopsite import links, search
from ocopsite.cache import FOLDER, Cache, code_version, digest
from ocopsite.catalogue import Catalogue, make_catalogue
from ocopsite.checker import base_url as checked_base_url
from ocopsite.errors import Problem, Problems, SiteError
from ocopsite.i18n import load_strings
from ocopsite.images import publish
from ocopsite.load import load_site
from ocopsite.parallel import Progress, Workers
from ocopsite.plan import PageSpec, plan_pages
from ocopsite.qr import qr_codes
from ocopsite.render import CompiledTemplates, Renderer, fingerprint, output_file, render_page, template_digests
from ocopsite.store import Store
from ocopsite.urls import Urls
from ocopsite.validate import validate_site
from ocopsite.write import Written, write_output

PRUNED = ("page", "links", "template", "yaml", "search-doc")  # kinds kept on disk only while a build uses them


@dataclass(frozen=True)
class Made:
    """A site made but not written: every output file, and what the build said."""

    catalogue: Catalogue
    urls: Urls
    pages: list[PageSpec]
    files: Mapping[str, bytes]
    token: bytes  # what the output's marker file holds: it changes whenever a file does
    warnings: list[Problem]
    words: Mapping[str, tuple[str, str]]  # what ``serve`` says of a failed rebuild, in each language


@dataclass(frozen=True)
class BuildResult:
    pages: int  # the HTML pages written
    files: int
    seconds: float
    warnings: list[Problem]
    written: Written
    words: Mapping[str, tuple[str, str]]


def build_date() -> dt.date:
    """Today, or the day of ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or not epoch.strip():
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    except (ValueError, OverflowError, OSError):
        message = f"must be a whole number of seconds since 1970-01-01, not '{epoch}'"
        raise SiteError([Problem("SOURCE_DATE_EPOCH", 0, message)]) from None


def make(root: Path, cache: Cache, today: dt.date | None = None, base_url: str | None = None,
         jobs: int | None = None, progress: Progress | None = None) -> Made:
    """Everything but writing (what ``check`` runs). Raises SiteError with every problem."""
    cache.start()
    workers = Workers(jobs)
    problems = Problems()
    raw = load_site(root, problems, cache)
    site = validate_site(raw, problems, cache, workers)
    if base_url:
        site = replace(site, config=replace(site.config, base_url=_base_url(base_url)))
    strings = load_strings(raw.ui, site.config, problems)
    problems.raise_if_errors()
    urls = Urls({code: s.sections for code, s in strings.items()}, site.config.base_url)
    catalogue = make_catalogue(site, today or build_date(), problems)
    pages = plan_pages(catalogue, urls, problems)
    assets = fingerprint(raw.root / "templates" / "assets")
    pictures, files = publish(raw.root, catalogue.site)
    files.update((url, data) for url, data in assets.values())
    files.update(qr_codes(catalogue, urls, cache, raw.root / FOLDER, workers))
    files.update(search.index_files(catalogue, strings, urls, cache))
    renderer = Renderer(raw.root / "templates", site.config, strings, urls,
                        {name: url for name, (url, _) in assets.items()}, pictures, CompiledTemplates(cache))
    inputs = digest(code_version(), repr(sorted(template_digests(raw.root / "templates").items())),
                    site.config.digest, repr([sorted(s.texts.items()) for s in strings.values()]),
                    repr(sorted(renderer.assets.items())))
    if failed := renderer.compile_all():
        raise SiteError(failed)
    keys = {output_file(page): renderer.key(inputs, page) for page in pages if page.template != "sw.js"}
    files.update(render(renderer, [p for p in pages if p.template != "sw.js"], keys, cache, workers, progress))
    worker = _worker(pages, keys, files)
    keys[output_file(worker)] = renderer.key(inputs, worker)
    files.update(render(renderer, [worker], keys, cache, workers))
    links.check(files, keys, cache, workers)
    words = {code: (s.texts["serve.title"], s.texts["serve.intro"]) for code, s in strings.items()}
    token = f"ocopsite {len(files)} {digest(worker.data['version'], files[output_file(worker)])}\n".encode()
    return Made(catalogue, urls, pages, files, token, problems.warnings, words)


def render(renderer: Renderer, pages: list[PageSpec], keys: Mapping[str, str], cache: Cache, workers: Workers,
           progress: Progress | None = None) -> dict[str, bytes]:
    """Each page's bytes: from the cache under its key (``keys``, by file name), else rendered
    on every core."""
    found = cache.stored("page", [keys[output_file(page)] for page in pages])
    todo = [page for page in pages if keys[output_file(page)] not in found]
    made = workers.map(render_page, todo, shared=renderer, progress=progress)
    problems = [problem for _, own in made for problem in own]
    if problems:
        raise SiteError(problems)
    for page, (data, _) in zip(todo, made, strict=True):
        assert data is not None
        found[keys[output_file(page)]] = data
        cache.store("page", keys[output_file(page)], data)
    return {output_file(page): found[keys[output_file(page)]] for page in pages}


def _worker(pages: list[PageSpec], keys: Mapping[str, str], files: Mapping[str, bytes]) -> PageSpec:
    """The service worker, versioned by the names and bytes of every other file: a build that
    changes any of them changes it, so that browsers install it anew and drop the old saved
    pages; one that changes none (the same site on another machine) keeps it. (With the
    worker's own bytes, the version is the output's marker too: one pass over every file.)"""
    total = 0
    for name in sorted(files):
        total = zlib.crc32(files[name], zlib.crc32(name.encode(), total))
    version = digest(str(len(files)), f"{total:08x}")[:16]
    spec = next(page for page in pages if page.template == "sw.js")
    return replace(spec, data={"version": version})


def build(root: Path, output: Path, today: dt.date | None = None, base_url: str | None = None,
          progress: Progress | None = None, jobs: int | None = None, cache: Cache | None = None,
          previous: Written | None = None) -> BuildResult:
    """Build the site into ``output``; on any error, ``output`` is left as it was. ``previous``:
    what the last build of this process wrote there, which is then updated in place."""
    start = time.perf_counter()
    cache = cache or Cache(root / FOLDER)
    made = make(root, cache, today, base_url, jobs, progress)
    written = write_output(output, made.files, made.token, previous, Store(root / FOLDER / "files"))
    cache.finish(prune=PRUNED)
    pages = sum(name.endswith(".html") for name in made.files)
    return BuildResult(pages, len(made.files), time.perf_counter() - start, made.warnings, written, made.words)


def _base_url(url: str) -> str:
    """A base URL given on the command line, which overrides ``site.yaml``."""
    checked = checked_base_url(url)
    if checked is None:
        raise SiteError([Problem("--base-url", 0, f"'{url}' is not an http(s) address such as https://example.org/")])
    return checked


def check(root: Path, cache: Cache | None = None, today: dt.date | None = None, base_url: str | None = None) -> Made:
    """What ``ocopsite check`` runs: everything but writing (by default with a cache in memory
    only). Raises SiteError with every problem."""
    return make(root, cache or Cache(), today, base_url)
