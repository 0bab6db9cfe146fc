"""The whole pipeline, top to bottom: load → validate → catalogue → plan → render → links → write."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2

from ocopsite import parallel
from ocopsite.catalogue import Catalogue, make_catalogue, update_catalogue
from ocopsite.checker import base_url
from ocopsite.errors import Problem, Problems, SiteError
from ocopsite.i18n import Strings, load_strings
from ocopsite.images import publish
from ocopsite.links import broken_links, link_targets
from ocopsite.load import load_site
from ocopsite.model import Producer, Product, TourismSite
from ocopsite.parallel import Progress
from ocopsite.plan import PageSpec, Shown, plan_pages, replan, shown
from ocopsite.qr import CACHE as QR_CACHE
from ocopsite.qr import cached_qr_svg, qr_file
from ocopsite.render import Renderer, digest, fingerprint, output_file
from ocopsite.search import index_pages, product_pages, reindex
from ocopsite.session import Session
from ocopsite.urls import Urls, short_link
from ocopsite.validate import validate_site
from ocopsite.write import write_changes, write_output


@dataclass(frozen=True)
class Loaded:
    """A site read and checked, ready to render."""

    catalogue: Catalogue
    strings: dict[str, Strings]
    urls: Urls
    pages: list[PageSpec]
    warnings: list[Problem]
    templates: dict[str, str]  # each file under templates/, by the name Jinja loads it by, with its digest
    catalogue_problems: list[Problem]  # what the catalogue and plan reported (for ``update_catalogue``)
    shown: Shown | None = None  # where the plan shows each product (for ``replan``), once needed


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


def load(root: Path, today: dt.date | None = None, base_url: str | None = None,
         session: Session | None = None) -> Loaded:
    """Everything up to rendering: what ``check`` runs. Raises SiteError with every problem."""
    problems = Problems()
    if session is not None:
        session.next_build()
    raw = load_site(root, problems, session.files if session else None)
    site = validate_site(raw, problems, session.records if session else None)
    if base_url:
        site = replace(site, config=replace(site.config, base_url=_base_url(base_url)))
    strings = load_strings(raw.ui, site.config, problems)
    problems.raise_if_errors()
    today = today or build_date()
    urls = Urls({code: s.sections for code, s in strings.items()}, site.config.base_url)
    templates = _template_digests(root / "templates")
    # The build's version (the service worker's cache name): every source text, template and asset,
    # the day (certificate statuses follow it) and the address; never a file's date or a machine.
    version = digest(raw.digest, templates, today, site.config.base_url)
    start = len(problems.items)
    last: Loaded | None = session.loaded if session else None
    update = None
    if session and last and (last.urls.sections, last.urls.base_url) == (urls.sections, urls.base_url):
        update = update_catalogue(last.catalogue, site, today, problems, last.catalogue_problems, session.entries)
    where = None
    if last and update:  # only products changed, and none moved: a few milliseconds
        catalogue, swap = update
        where = last.shown or shown(last.pages)  # the same for the new plan: pages keep their places
        pages = replan(last.pages, swap, problems, version, where)
    else:
        catalogue = make_catalogue(site, today, problems, session.entries if session else None)
        pages = plan_pages(catalogue, urls, problems, version)
    return Loaded(catalogue, strings, urls, pages, problems.warnings, templates, problems.items[start:], where)


def render_all(root: Path, loaded: Loaded, progress: Progress | None = None, jobs: int | None = None,
               session: Session | None = None, emit: Callable[[str, bytes], None] | None = None) -> dict[str, bytes]:
    """Render every page and QR code, copy the fingerprinted assets and photos, and check that
    every link of every page leads to a file. Pages render on every core. With a ``session``,
    a page whose inputs are all unchanged since the session's last build is not rendered again.
    With ``emit``, each rendered file goes to it as soon as it is made instead of into the
    returned mapping (a large site need not be held in memory whole)."""
    assets = fingerprint(root / "templates" / "assets")
    site = loaded.catalogue.site
    records: list[Product | Producer | TourismSite] = [*site.products, *site.producers, *site.tourism]
    pictures, files = publish(root, (photo for record in records for photo in record.photos))
    global_key = _global_key(loaded, assets, pictures)
    templates = loaded.templates
    same_templates = session is not None and session.templates == templates
    reuse, fragments = session.reusable(loaded.catalogue, global_key, templates) if session else (None, None)
    renderer = Renderer(root / "templates", loaded.catalogue, loaded.strings, loaded.urls,
                        {name: url for name, (url, _) in assets.items()}, pictures,
                        session.environment if session is not None and same_templates else None, fragments)
    if session is not None:
        session.environment = renderer.env
    files.update((url, data) for url, data in assets.values())
    names = [output_file(page) for page in loaded.pages]
    addresses = {qr_file(e.slug): loaded.urls.absolute(short_link(e.slug)) for e in loaded.catalogue.products}
    known = frozenset(files).union(names, addresses)
    same_files = session is not None and known == session.known  # then every link that worked still does
    todo: list[tuple[str, Callable[[], Any]]] = []
    for name, page in zip(names, loaded.pages, strict=True):
        last = reuse(name, page) if reuse else None
        if last is not None and (same_files or last.links <= known):
            files[name] = last.data
            continue
        job = functools.partial(renderer.render_tracked if session else renderer.render, page)
        todo.append((name, functools.partial(_output, root, name, job, known)))
    for name, address in addresses.items():
        if session is not None and address in session.qr:
            files[name] = session.qr[address]
        else:
            job = functools.partial(cached_qr_svg, address, root / QR_CACHE)
            todo.append((name, functools.partial(_output, root, name, job, known)))
    if session is not None:
        renderer.track()
    rendered: dict[str, tuple[bytes, Any, frozenset[str]]] = {}
    broken: list[Problem] = []
    if emit is not None:
        for name, data in files.items():
            emit(name, data)
        files = {}
    for (name, _), (data, problems, reads, targets) in zip(todo, parallel.run([j for _, j in todo], jobs, progress),
                                                            strict=True):
        if data is None:
            raise SiteError(problems)
        if emit is not None:
            emit(name, data)
        else:
            files[name] = data
        if session is not None:
            rendered[name] = (data, reads, targets)
        broken += problems
    if broken:
        raise SiteError(broken)
    if session is not None:
        _remember(session, loaded, names, addresses, rendered, files)
        session.globals, session.templates, session.known = global_key, templates, known
        session.fragments = renderer.fragments
    return files


def _output(root: Path, name: str, job: Callable[[], Any], known: frozenset[str]
            ) -> tuple[bytes | None, list[Problem], Any, frozenset[str]]:
    """One output file, what it read, where its links lead and which of them are broken; or None
    and the template error, located."""
    try:
        result = job()
    except jinja2.TemplateError as exc:
        return None, [_template_problem(root, exc)], None, frozenset()
    data, reads = result if isinstance(result, tuple) else (result, None)
    targets = link_targets(name, data)
    return data, broken_links(name, targets, known), reads, frozenset(target for _, target in targets)


def _global_key(loaded: Loaded, assets: dict[str, tuple[str, bytes]], pictures: Any) -> Any:
    """Everything every page may show besides the catalogue and its templates: UI strings (the
    section slugs of URLs among them), settings (the base URL among them), assets (by their
    fingerprinted addresses) and photos."""
    strings = {code: dict(s.texts) for code, s in loaded.strings.items()}
    return loaded.catalogue.site.config, strings, {k: v for k, (v, _) in assets.items()}, dict(pictures)


def _template_digests(folder: Path) -> dict[str, str]:
    """Each file under ``templates/``, by the name Jinja loads it by, with a digest of its bytes."""
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _remember(session: Session, loaded: Loaded, names: list[str], addresses: dict[str, str],
              rendered: dict[str, tuple[bytes, Any, frozenset[str]]], files: dict[str, bytes]) -> None:
    pages = {}
    shared = {last.depends: last.depends for last in session.pages.values()} if rendered else {}
    for name, page in zip(names, loaded.pages, strict=True):
        if name in rendered:
            data, reads, targets = rendered[name]
            pages[name] = session.remember(page, data, reads, targets, shared)
        else:
            pages[name] = session.pages[name]
            pages[name].spec = page  # equal; the same object from now on, which is quicker to compare
    session.pages = pages
    session.qr = {address: files[name] for name, address in addresses.items()}
    session.loaded = loaded
    session.counts = {"rendered": len(rendered), "reused": len(names) + len(addresses) - len(rendered)}
    session.rendered = frozenset(rendered)


def build(root: Path, output: Path, today: dt.date | None = None, base_url: str | None = None,
          progress: Progress | None = None, jobs: int | None = None, session: Session | None = None) -> BuildResult:
    """Build the site into ``output``; on any error, ``output`` is left as it was. With a
    ``session`` (``serve``), only what changed since its last build is rendered and written."""
    start = time.perf_counter()
    if session is None:
        return _clean_build(root, output, today, base_url, progress, jobs, start)
    loaded = load(root, today, base_url, session)
    glob = product_pages(loaded.urls, [lang.code for lang in loaded.catalogue.site.config.languages])
    files = render_all(root, loaded, progress, jobs, session)
    product_files = {output_file(p) for p in loaded.pages if p.template == "product.html"}
    index = functools.partial(reindex, glob=glob)
    session.written, stale = write_changes(output, files, session.written, index,
                                           lambda name: name in product_files or name not in files,
                                           defer=session.defer_index)
    if stale:
        session.index_pending = functools.partial(index, output.resolve())
    return BuildResult(len(loaded.pages), len(files), time.perf_counter() - start, loaded.warnings)


def _clean_build(root: Path, output: Path, today: dt.date | None, base_url: str | None, progress: Progress | None,
                 jobs: int | None, start: float) -> BuildResult:
    """Load and render in a child process, writing each file as it is made, then index and swap
    here. What the site took in memory goes back to the system with the child, before Pagefind
    (which needs about as much again) starts."""
    made: list[tuple[int, int, list[Problem], str]] = []

    def load_and_render(put: Callable[[str, bytes], None], tell: Progress) -> tuple[int, int, list[Problem], str]:
        loaded = load(root, today, base_url)
        written = 0

        def keep(name: str, data: bytes) -> None:
            nonlocal written
            written += 1
            put(name, data)

        render_all(root, loaded, tell if progress else None, jobs, emit=keep)
        languages = [lang.code for lang in loaded.catalogue.site.config.languages]
        return len(loaded.pages), written, loaded.warnings, product_pages(loaded.urls, languages)

    def render_into(put: Callable[[str, bytes], None]) -> None:
        made.append(parallel.in_child(functools.partial(load_and_render, put), progress))

    write_output(output, render_into, finish=lambda staging: index_pages(staging, glob=made[0][3]))
    pages, files, warnings, _ = made[0]
    return BuildResult(pages, files, time.perf_counter() - start, warnings)


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
