"""The whole pipeline, top to bottom: load → validate → catalogue → plan → render → links → write."""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2

from ocopsite import parallel
from ocopsite.catalogue import Catalogue, make_catalogue
from ocopsite.checker import base_url
from ocopsite.errors import Problem, Problems, SiteError
from ocopsite.i18n import Strings, load_strings
from ocopsite.images import publish
from ocopsite.links import broken_links
from ocopsite.load import load_site
from ocopsite.model import Producer, Product, TourismSite
from ocopsite.parallel import Progress
from ocopsite.plan import PageSpec, plan_pages
from ocopsite.qr import qr_file, qr_svg
from ocopsite.render import Renderer, fingerprint, output_file
from ocopsite.search import index_pages, product_pages
from ocopsite.urls import Urls, short_link
from ocopsite.validate import validate_site
from ocopsite.write import write_output


@dataclass(frozen=True)
class Loaded:
    """A site read and checked, ready to render."""

    catalogue: Catalogue
    strings: dict[str, Strings]
    urls: Urls
    pages: list[PageSpec]
    warnings: list[Problem]


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    seconds: float
    warnings: list[Problem]


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


def load(root: Path, today: dt.date | None = None, base_url: str | None = None) -> Loaded:
    """Everything up to rendering: what ``check`` runs. Raises SiteError with every problem."""
    problems = Problems()
    raw = load_site(root, problems)
    site = validate_site(raw, problems)
    if base_url:
        site = replace(site, config=replace(site.config, base_url=_base_url(base_url)))
    strings = load_strings(raw.ui, site.config, problems)
    problems.raise_if_errors()
    catalogue = make_catalogue(site, today or build_date(), problems)
    urls = Urls({code: s.sections for code, s in strings.items()}, site.config.base_url)
    pages = plan_pages(catalogue, urls, problems)
    return Loaded(catalogue, strings, urls, pages, problems.warnings)


def render_all(root: Path, loaded: Loaded, progress: Progress | None = None,
               jobs: int | None = None) -> dict[str, bytes]:
    """Render every page and QR code, copy the fingerprinted assets and photos, and check that
    every link of every page leads to a file. Pages render on every core."""
    assets = fingerprint(root / "templates" / "assets")
    site = loaded.catalogue.site
    records: list[Product | Producer | TourismSite] = [*site.products, *site.producers, *site.tourism]
    pictures, files = publish(root, (photo for record in records for photo in record.photos))
    renderer = Renderer(root / "templates", loaded.catalogue, loaded.strings, loaded.urls,
                        {name: url for name, (url, _) in assets.items()}, pictures)
    files.update((url, data) for url, data in assets.values())
    outputs: list[tuple[str, Callable[[], bytes]]] = [
        (output_file(page), functools.partial(renderer.render, page)) for page in loaded.pages]
    outputs += [(qr_file(e.slug), functools.partial(qr_svg, loaded.urls.absolute(short_link(e.slug))))
                for e in loaded.catalogue.products]
    known = set(files) | {name for name, _ in outputs}
    jobs_ = [functools.partial(_output, root, name, job, known) for name, job in outputs]
    broken: list[Problem] = []
    for (name, _), (data, problems) in zip(outputs, parallel.run(jobs_, jobs, progress), strict=True):
        if data is None:
            raise SiteError(problems)
        files[name] = data
        broken += problems
    if broken:
        raise SiteError(broken)
    return files


def _output(root: Path, name: str, job: Callable[[], bytes], known: set[str]) -> tuple[bytes | None, list[Problem]]:
    """One output file and its broken links; or None and the template error, located."""
    try:
        data = job()
    except jinja2.TemplateError as exc:
        return None, [_template_problem(root, exc)]
    return data, broken_links(name, data, known)


def build(root: Path, output: Path, today: dt.date | None = None, base_url: str | None = None,
          progress: Progress | None = None, jobs: int | None = None) -> BuildResult:
    """Build the site into ``output``; on any error, ``output`` is left as it was."""
    start = time.perf_counter()
    loaded = load(root, today, base_url)
    files = render_all(root, loaded, progress, jobs)
    glob = product_pages(loaded.urls, [lang.code for lang in loaded.catalogue.site.config.languages])
    write_output(output, files, finish=functools.partial(index_pages, glob=glob))
    return BuildResult(len(loaded.pages), len(files), time.perf_counter() - start, loaded.warnings)


def _base_url(url: str) -> str:
    """A base URL given on the command line, which overrides ``site.yaml``."""
    checked = base_url(url)
    if checked is None:
        raise SiteError([Problem("--base-url", 0, f"'{url}' is not an http(s) address such as https://example.org/")])
    return checked


def _template_problem(root: Path, exc: jinja2.TemplateError) -> Problem:
    """Locate a template error at its template file and line."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Problem(_relative(root, exc.filename), exc.lineno, exc.message or str(exc))
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt", ".webmanifest")):
            return Problem(_relative(root, frame.filename), frame.lineno or 0, f"template error: {exc}")
    return Problem("templates", 0, f"template error: {exc}")


def _relative(root: Path, filename: str) -> str:
    path = Path(filename)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
